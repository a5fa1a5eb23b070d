"""Incremental ingestion: unchanged files cost nothing, changed files replace their chunks,
vanished files are removed with prune. Embeddings are cached by chunk hash."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.chunking import Chunk, chunk_document
from retrieval.documents import (
    MANIFEST_NAME, SUPPORTED_SUFFIXES, LoadedDocument, LoadError, content_hash, load_document, read_manifest,
)
from retrieval.store import IndexStore

Progress = Callable[[str, int], None]  # (event, amount): "files_total", "file", "chunks"
EMBED_BATCH = 64


@dataclass
class IngestReport:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_written: int = 0
    embeddings_computed: int = 0
    repaired: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class SourceFile:
    path: Path
    root: Path
    doc_id: str
    manifest_entry: dict[str, Any]


def _is_source(path: Path) -> bool:
    name = path.name
    return not (name.startswith((".", "_")) or name.lower() == "readme.md")


def discover(paths: list[Path], report: IngestReport) -> list[SourceFile]:
    """Every file to ingest under the given paths; unsupported types are reported as failures."""
    found: list[SourceFile] = []
    manifests: dict[Path, dict[str, dict[str, Any]]] = {}
    for given in paths:
        given = given.resolve()
        if not given.exists():
            report.failed.append((str(given), "không tồn tại"))
            continue
        root = given if given.is_dir() else given.parent
        files = sorted(p for p in given.rglob("*") if p.is_file()) if given.is_dir() else [given]
        for path in files:
            if not _is_source(path):
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                report.failed.append((str(path), f"định dạng {path.suffix or '(không có đuôi)'} không được hỗ trợ"))
                continue
            if path.parent not in manifests:
                try:
                    manifests[path.parent] = read_manifest(path.parent)
                except LoadError as exc:
                    report.failed.append((str(path.parent / MANIFEST_NAME), str(exc)))
                    manifests[path.parent] = {}
            rel = path.relative_to(root).with_suffix("").as_posix()
            doc_id = rel if given.is_dir() else f"{root.name}/{rel}"
            found.append(SourceFile(path, root, doc_id, manifests[path.parent].get(path.name, {})))
    return found


def chunk_meta(doc: LoadedDocument, chunk: Chunk) -> dict[str, Any]:
    return {
        "doc_id": doc.doc_id, "doc_title": doc.meta.title, "title": chunk.title, "section": chunk.section,
        "citation": chunk.citation, "heading_path": chunk.heading_path, "start": chunk.start, "end": chunk.end,
        "kind": chunk.extra.get("kind") or doc.meta.kind, "issuer": doc.meta.issuer, "date": doc.meta.date,
        "source": doc.meta.source or str(doc.path), "validity": chunk.validity, "valid_from": chunk.valid_from,
        "valid_to": chunk.valid_to, "replaced_by": chunk.replaced_by, "audience": doc.meta.audience,
        "pd_id": chunk.extra.get("pd_id"),
    }


def _embed(store: IndexStore, chunks: list[Chunk], report: IngestReport, progress: Progress | None) -> np.ndarray:
    """Vectors for the chunks: from the cache where the same text was embedded before."""
    model = store.embedder.name
    hashes = [c.chunk_hash for c in chunks]
    cached = store.catalog.cached_vectors(sorted(set(hashes)), model)
    todo = sorted({h: c for h, c in zip(hashes, chunks) if h not in cached}.items())
    for start in range(0, len(todo), EMBED_BATCH):
        part = todo[start : start + EMBED_BATCH]
        vectors = store.embedder.embed_passages([c.embed_text for _, c in part])
        with store.catalog.transaction() as db:
            for (h, _), vec in zip(part, vectors):
                db.execute("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", (h, model, vec.tobytes()))
                cached[h] = vec
        report.embeddings_computed += len(part)
        if progress:
            progress("chunks", len(part))
    if progress:
        progress("chunks", len(chunks) - len(todo))
    return np.stack([cached[h] for h in hashes]) if chunks else np.zeros((0, store.embedder.dim), np.float32)


def _write_document(store: IndexStore, source: SourceFile, doc: LoadedDocument, chunks: list[Chunk],
                    vectors: np.ndarray) -> None:
    import json

    old_ids = [r.chunk_id for r in store.catalog.chunk_rows(doc.doc_id)]
    metas = [chunk_meta(doc, c) for c in chunks]
    with store.catalog.transaction() as db:
        db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
        db.execute(
            "INSERT INTO documents(doc_id, path, root, content_hash, meta) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(doc_id) DO UPDATE SET path=excluded.path, root=excluded.root, "
            "content_hash=excluded.content_hash, meta=excluded.meta, ingested_at=CURRENT_TIMESTAMP",
            (doc.doc_id, str(source.path), str(source.root), doc.content_hash,
             json.dumps(doc.meta.to_dict(), ensure_ascii=False)),
        )
        db.executemany(
            "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(c.chunk_id, doc.doc_id, c.ordinal, c.chunk_hash, c.text, c.embed_text, json.dumps(m, ensure_ascii=False))
             for c, m in zip(chunks, metas)],
        )
    new_ids = [c.chunk_id for c in chunks]
    stale = sorted(set(old_ids) - set(new_ids))
    if stale:
        store.dense_delete(stale)
    if chunks:
        store.dense_upsert(new_ids, vectors, [c.embed_text for c in chunks], metas)


def _remove_document(store: IndexStore, doc_id: str) -> None:
    ids = [r.chunk_id for r in store.catalog.chunk_rows(doc_id)]
    with store.catalog.transaction() as db:
        db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
    if ids:
        store.dense_delete(ids)


def ingest(store: IndexStore, paths: list[Path], prune: bool = False, progress: Progress | None = None) -> IngestReport:
    """Bring the index in line with the files under `paths`. Holds the single-writer lock throughout."""
    started = time.perf_counter()
    report = IngestReport()
    with store.write_lock():
        problem = store.problem()
        if problem:
            report.repaired = problem
            store.mark_dirty()
            store.rebuild_dense()
            store.rebuild_keyword()
            store.mark_clean()
        sources = discover(paths, report)
        if progress:
            progress("files_total", len(sources))
        known = store.catalog.documents()
        changed = False
        for source in sources:
            try:
                raw = source.path.read_bytes()
            except OSError as exc:
                report.failed.append((str(source.path), f"không mở được tệp ({exc.strerror})"))
                continue
            if source.doc_id in known and known[source.doc_id][2] == content_hash(raw, source.manifest_entry):
                report.unchanged.append(source.doc_id)
                if progress:
                    progress("file", 1)
                continue
            try:
                doc = load_document(source.path, source.doc_id, source.manifest_entry)
                chunks = chunk_document(doc)
                if not chunks:
                    raise LoadError(f"{source.path}: không tách được đoạn văn bản nào")
            except LoadError as exc:
                report.failed.append((str(source.path), str(exc).removeprefix(f"{source.path}: ")))
                if progress:
                    progress("file", 1)
                continue
            if not changed:
                store.mark_dirty()
                changed = True
            vectors = _embed(store, chunks, report, progress)
            _write_document(store, source, doc, chunks, vectors)
            report.ingested.append(source.doc_id)
            report.chunks_written += len(chunks)
            if progress:
                progress("file", 1)
        if prune:
            roots = {str(s.root) for s in sources} | {str(p.resolve()) for p in paths if p.is_dir()}
            present = {s.doc_id for s in sources}
            for doc_id, (path, root, _) in known.items():
                if root in roots and doc_id not in present and not Path(path).exists():
                    if not changed:
                        store.mark_dirty()
                        changed = True
                    _remove_document(store, doc_id)
                    report.removed.append(doc_id)
        if changed:
            store.rebuild_keyword()
            store.mark_clean()
    report.seconds = time.perf_counter() - started
    return report
