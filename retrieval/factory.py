"""Building the index objects from Settings: the one place that knows how they fit together."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from retrieval.embeddings import get_embedder
from retrieval.search import Searcher
from retrieval.store import IndexStore

if TYPE_CHECKING:
    from thads.settings import Settings

log = logging.getLogger(__name__)


def open_store(settings: "Settings") -> IndexStore:
    embedder = get_embedder(settings.embedder, settings.st_model, settings.embed_threads)
    return IndexStore(
        settings.index_dir, embedder, chroma_host=settings.chroma_host, chroma_port=settings.chroma_port,
        embedder_kind=settings.embedder, embedder_model=settings.st_model,
    )


def open_searcher(settings: "Settings", *, repair: bool = True) -> Searcher:
    """A searcher over a healthy store; a store left half-written is repaired first. Readers that
    must never write the index (API processes; the ingest job is the one writer) pass repair=False
    and get the store as it is, with a warning."""
    store = open_store(settings)
    problem = store.problem()
    if problem and not repair:
        log.warning("Chỉ mục %s cần sửa (%s): chạy `thads ingest` hoặc `thads reindex`", settings.index_dir, problem)
    elif problem:
        log.warning("Chỉ mục %s cần sửa (%s): dựng lại kho vector và BM25 từ danh mục", settings.index_dir, problem)
        store.repair()
        log.warning("Đã sửa xong chỉ mục %s", settings.index_dir)
    return Searcher(store, fusion=settings.fusion)
