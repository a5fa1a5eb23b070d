"""What the handlers use: the cores (answers, queue database), per-user limits and a thread offload
for blocking calls, so the event loop keeps serving other chats."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from telegram.ext import CallbackContext

from api.ratelimit import MemoryRateLimiter
from casework.config import QueueConfig
from casework.db import Database
from thads.settings import Settings

T = TypeVar("T")
Answerer = Callable[..., Any]  # retrieval.answers.ExtractiveAnswerer: (question, filters=None) -> Answer


def default_answerer(settings: Settings, db: Database) -> Answerer:
    """The shared answerer, with staff-approved answers consulted first."""
    from casework.approved_answers import approved_hook, catalog_state
    from retrieval.answers import build_answerer

    return build_answerer(settings, approved=approved_hook(db, catalog_state(settings.index_dir)))


@dataclass
class BotServices:
    settings: Settings
    db: Database
    cfg: QueueConfig
    answerer_factory: Callable[[], Answerer]
    limiter: MemoryRateLimiter = field(default_factory=MemoryRateLimiter)
    _answerer: Answerer | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # One thread for retrieval: the index (Chroma, BM25 snapshot) is not shared across threads.
    _search_pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="bot-answer"), init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, db: Database | None = None, answerer: Answerer | None = None) -> BotServices:
        database = db or Database(settings.resolved_database_url)
        factory = (lambda: answerer) if answerer is not None else partial(default_answerer, settings, database)
        svc = cls(settings=settings, db=database, cfg=QueueConfig.from_settings(settings), answerer_factory=factory)
        svc._answerer = answerer
        return svc

    def answerer(self) -> Answerer:
        with self._lock:
            if self._answerer is None:
                self._answerer = self.answerer_factory()
            return self._answerer

    def index_ready(self) -> bool:
        if self._answerer is not None:
            return True
        return (self.settings.index_dir / "catalog.sqlite3").exists()

    async def ask(self, question: str, filters: Any = None) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._search_pool, lambda: self.answerer()(question, filters))

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A blocking core call (database, files) off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def over_limit(self, bucket: str, user_id: int, limit: int, window: float = 60.0) -> float | None:
        """Seconds to wait when this user is over `limit` calls per `window` in `bucket`."""
        return self.limiter.hit(f"{bucket}:{user_id}", limit, window)

    def is_staff(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in set(self.settings.telegram_staff_ids)

    def close(self) -> None:
        self._search_pool.shutdown(wait=False, cancel_futures=True)
        self.db.dispose()


def services(context: CallbackContext) -> BotServices:
    return context.application.bot_data["services"]
