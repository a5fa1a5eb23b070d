"""Building the index objects from Settings: the one place that knows how they fit together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retrieval.embeddings import get_embedder
from retrieval.search import Searcher
from retrieval.store import IndexStore

if TYPE_CHECKING:
    from thads.settings import Settings


def open_store(settings: "Settings") -> IndexStore:
    embedder = get_embedder(settings.embedder, settings.st_model, settings.embed_threads)
    return IndexStore(
        settings.index_dir, embedder, chroma_host=settings.chroma_host, chroma_port=settings.chroma_port,
        embedder_kind=settings.embedder, embedder_model=settings.st_model,
    )


def open_searcher(settings: "Settings") -> Searcher:
    """A searcher over a healthy store; a store left half-written is repaired first."""
    store = open_store(settings)
    if store.problem():
        store.repair()
    return Searcher(store, fusion=settings.fusion)
