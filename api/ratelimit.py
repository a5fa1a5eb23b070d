"""Per-client sliding-window rate limits for citizen and login endpoints.

In-memory per process: with several API processes each enforces its own window (limits are then
per process). A shared store can implement the same `RateLimiter` protocol later."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Protocol


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window: float = 60.0) -> float | None:
        """Record a call; return seconds to wait when over the limit, else None."""


class MemoryRateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys

    def hit(self, key: str, limit: int, window: float = 60.0) -> float | None:
        if limit <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            if len(self._calls) > self._max_keys:  # bound memory under a flood of distinct clients
                self._calls.clear()
            calls = self._calls.setdefault(key, deque())
            while calls and calls[0] <= now - window:
                calls.popleft()
            if len(calls) >= limit:
                return max(1.0, math.ceil(calls[0] + window - now))
            calls.append(now)
            return None
