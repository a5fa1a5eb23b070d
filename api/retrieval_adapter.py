"""The retrieval core as the API uses it: opened lazily (the API starts before an index exists on a
fresh machine) and shared by the routes, the queue's related regulations and the metrics."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from thads.settings import Settings


class RetrievalService:
    def __init__(self, settings: Settings, approved: Callable[[str], Any] | None = None) -> None:
        self.settings = settings
        self.approved = approved
        self._searcher: Any = None
        self._answerer: Any = None
        self._lock = threading.Lock()

    def available(self) -> bool:
        return (self.settings.index_dir / "catalog.sqlite3").exists()

    @property
    def searcher(self) -> Any:
        with self._lock:
            if self._searcher is None:
                from retrieval.factory import open_searcher

                # The API only reads the index: the ingest job is its one writer (and repairs it).
                self._searcher = open_searcher(self.settings, repair=False)
            return self._searcher

    @property
    def answerer(self) -> Any:
        searcher = self.searcher
        with self._lock:
            if self._answerer is None:
                from retrieval.answers import ExtractiveAnswerer
                from retrieval.generation import build_generator

                self._answerer = ExtractiveAnswerer(searcher, generator=build_generator(self.settings),
                                                    approved=self.approved)
            return self._answerer

    # casework.regulations.RegulationSearch
    def search(self, query: str, k: int = 5, filters: Any = None) -> list[Any]:
        if not self.available():
            return []
        return self.searcher.search(query, k=k, filters=filters)
