"""Hybrid search: dense (Chroma over E5 vectors) + keyword (BM25 over folded syllables and bigrams),
fused by reciprocal rank, with metadata filters. Also the LangChain retriever over it."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.diacritics import DiacriticRestorer
from retrieval.store import FAR_FUTURE, IndexStore, date_key
from retrieval.textnorm import expand_query_text, has_diacritics, keyword_tokens

RRF_K = 60
CANDIDATES = 50
# multilingual-e5 reads Vietnamese typed without diacritics poorly; keyword search over folded text
# does not care. So an unaccented query leans on the keyword ranking (measured on dev.jsonl d11).
PLAIN_QUERY_DENSE_WEIGHT = 0.35


@dataclass
class SearchFilters:
    kind: str | None = None
    issuer: str | None = None
    in_force_on: date | None = None
    doc_id: str | None = None
    audience: str | None = None

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass
class SearchResult:
    chunk_id: str
    doc_id: str
    text: str
    title: str
    section: str
    citation: str
    heading_path: list[str]
    kind: str
    issuer: str | None
    validity: str
    valid_from: str | None
    valid_to: str | None
    replaced_by: str | None
    in_force: bool | None
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None
    start: int = 0
    end: int = 0
    audience: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def in_force_on(meta: dict[str, Any], day: date) -> bool | None:
    """True/False when the document's validity is known for that day, None when it is not."""
    key = date_key(day.isoformat(), 0)
    if meta.get("valid_to") and date_key(meta["valid_to"], FAR_FUTURE) <= key:
        return False
    if meta.get("valid_from") and date_key(meta["valid_from"], 0) > key:
        return False
    if meta.get("validity") == "in_force" or meta.get("valid_from"):
        return True
    if meta.get("validity") == "not_in_force":
        return False
    return None


class _Snapshot:
    """What keyword search and result building need in memory, for one index generation."""

    def __init__(self, store: IndexStore) -> None:
        import bm25s

        self.generation = store.generation
        rows = store.catalog.chunk_rows()
        self.rows = {r.chunk_id: r for r in rows}
        ids_path = store.bm25_dir / "ids.json"
        self.ids: list[str] = json.loads(ids_path.read_text()) if ids_path.exists() else []
        self.bm25 = bm25s.BM25.load(str(store.bm25_dir), show_progress=False) if self.ids else None
        self.vocab: dict[str, int] = self.bm25.vocab_dict if self.bm25 else {}
        self.restorer = DiacriticRestorer.load(store.bm25_dir / "restore.json")
        metas = [self.rows[i].meta for i in self.ids]
        self.kind = np.array([m.get("kind") or "" for m in metas], dtype=object)
        self.issuer = np.array([m.get("issuer") or "" for m in metas], dtype=object)
        self.doc = np.array([m.get("doc_id") for m in metas], dtype=object)
        self.audience = np.array([m.get("audience") or "" for m in metas], dtype=object)
        self.vfrom = np.array([date_key(m.get("valid_from"), 0) for m in metas], dtype=np.int64)
        self.vto = np.array([date_key(m.get("valid_to"), FAR_FUTURE) for m in metas], dtype=np.int64)
        self.known_out = np.array([m.get("validity") == "not_in_force" and not m.get("valid_to") for m in metas])

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        if filters.is_empty() or not self.ids:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if filters.kind:
            keep &= self.kind == filters.kind
        if filters.issuer:
            keep &= self.issuer == filters.issuer
        if filters.doc_id:
            keep &= self.doc == filters.doc_id
        if filters.audience:
            keep &= self.audience == filters.audience
        if filters.in_force_on:
            day = date_key(filters.in_force_on.isoformat(), 0)
            keep &= (self.vfrom <= day) & (self.vto > day) & ~self.known_out
        return keep


def chroma_where(filters: SearchFilters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.kind:
        clauses.append({"kind": filters.kind})
    if filters.issuer:
        clauses.append({"issuer": filters.issuer})
    if filters.doc_id:
        clauses.append({"doc_id": filters.doc_id})
    if filters.in_force_on:
        day = date_key(filters.in_force_on.isoformat(), 0)
        clauses += [{"valid_from": {"$lte": day}}, {"valid_to": {"$gt": day}}, {"validity": {"$ne": "not_in_force"}}]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Searcher:
    """Thread-safe reader of an IndexStore; notices a newer index generation and reloads."""

    def __init__(self, store: IndexStore, fusion: str = "weighted", dense_weight: float = 0.5) -> None:
        self.store = store
        self.fusion = fusion
        self.dense_weight = dense_weight
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> _Snapshot:
        generation = self.store.generation
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = _Snapshot(self.store)
                self.store._collection = None  # reopen Chroma for the new generation
            return self._snapshot

    def _keyword(self, snap: _Snapshot, query: str, filters: SearchFilters, n: int) -> list[tuple[str, float]]:
        if snap.bm25 is None:
            return []
        tokens = [t for t in keyword_tokens(query) if t in snap.vocab]
        if not tokens:
            return []
        mask = snap.mask(filters)
        k = min(n, len(snap.ids))
        # n_threads=0: in the calling thread (1 would start a thread pool per query, ~4 ms each)
        docs, scores = snap.bm25.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=0)
        return [(snap.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]

    def _dense(self, query: str, filters: SearchFilters, n: int) -> list[tuple[str, float]]:
        vector = self.store.embedder.embed_query(expand_query_text(query))
        # No collection.count() per query (a few ms, more on large stores): Chroma returns fewer
        # results when asked for more than it holds, and an empty index never gets here.
        found = self.store.collection.query(
            query_embeddings=[vector], n_results=n, where=chroma_where(filters), include=["distances"]
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(found["ids"][0], found["distances"][0])]

    def _fuse(self, dense: list[tuple[str, float]], keyword: list[tuple[str, float]], plain: bool) -> dict[str, float]:
        scores: dict[str, float] = {}
        dense_weight = PLAIN_QUERY_DENSE_WEIGHT if plain else 1.0
        if self.fusion == "weighted":
            share = self.dense_weight * (dense_weight if plain else 1.0)
            for hits, weight in ((dense, share), (keyword, 1 - share)):
                if not hits:
                    continue
                values = np.array([s for _, s in hits])
                low, high = values.min(), values.max()
                for (cid, s) in hits:
                    scores[cid] = scores.get(cid, 0.0) + weight * ((s - low) / (high - low) if high > low else 1.0)
            return scores
        for hits, weight in ((dense, dense_weight), (keyword, 1.0)):
            for rank, (cid, _) in enumerate(hits):
                scores[cid] = scores.get(cid, 0.0) + weight / (RRF_K + rank + 1)
        return scores

    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None, today: date | None = None) -> list[SearchResult]:
        filters = filters or SearchFilters()
        snap = self.snapshot()
        if not snap.rows or not query.strip():
            return []
        n = max(CANDIDATES, k)
        plain = not has_diacritics(query)
        dense_query = snap.restorer.restore(query) if plain and snap.restorer else query
        dense = self._dense(dense_query, filters, n)
        keyword = self._keyword(snap, query, filters, n)
        if filters.audience:
            # .get: Chroma may already hold chunks of an ingest this snapshot has not loaded yet
            dense = [(c, s) for c, s in dense if (row := snap.rows.get(c)) is not None and row.meta.get("audience") == filters.audience]
        fused = self._fuse(dense, keyword, plain=plain and snap.restorer is None)
        d_info = {cid: (rank + 1, s) for rank, (cid, s) in enumerate(dense)}
        k_info = {cid: (rank + 1, s) for rank, (cid, s) in enumerate(keyword)}
        seen_texts: set[str] = set()
        results: list[SearchResult] = []
        for cid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
            row = snap.rows.get(cid)
            if row is None or row.text in seen_texts:
                continue
            seen_texts.add(row.text)
            results.append(self._result(row, score, d_info.get(cid), k_info.get(cid), today or date.today()))
            if len(results) == k:
                break
        return results

    @staticmethod
    def _result(row: Any, score: float, dense: tuple[int, float] | None, kw: tuple[int, float] | None, today: date) -> SearchResult:
        m = row.meta
        return SearchResult(
            chunk_id=row.chunk_id, doc_id=row.doc_id, text=row.text, title=m.get("title") or m.get("doc_title"),
            section=m.get("section") or "", citation=m.get("citation") or "", heading_path=m.get("heading_path") or [],
            kind=m.get("kind") or "khác", issuer=m.get("issuer"), validity=m.get("validity") or "unknown",
            valid_from=m.get("valid_from"), valid_to=m.get("valid_to"), replaced_by=m.get("replaced_by"),
            in_force=in_force_on(m, today), score=score,
            dense_rank=dense[0] if dense else None, dense_score=dense[1] if dense else None,
            bm25_rank=kw[0] if kw else None, bm25_score=kw[1] if kw else None,
            start=m.get("start", 0), end=m.get("end", 0), audience=m.get("audience"),
            extra={"doc_title": m.get("doc_title"), "source": m.get("source"), "pd_id": m.get("pd_id")},
        )


class HybridRetriever(BaseRetriever):
    """LangChain face of the Searcher, so chains compose with it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    searcher: Any
    k: int = 5
    filters: SearchFilters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(page_content=r.text, metadata={k: v for k, v in r.to_dict().items() if k != "text"})
            for r in self.searcher.search(query, k=self.k, filters=self.filters)
        ]
