"""Lockout after repeated failed link attempts, stored in the database so every API process and
the bot share it.

Each attempt is charged *before* it is checked and refunded when it turns out not to be a guess,
so concurrent guesses cannot slip past the limit and a success cannot wipe earlier failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from casework.cases.models import LookupThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=30)
    lock: timedelta = timedelta(minutes=30)


def charge(s: Session, key: str, policy: ThrottlePolicy, now: datetime) -> float | None:
    """Count one attempt for `key` (already hashed). Returns seconds to wait when locked, else None."""
    s.execute(delete(LookupThrottle).where(LookupThrottle.window_start < now - timedelta(days=2),
                                           (LookupThrottle.locked_until.is_(None)) | (LookupThrottle.locked_until < now)))
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(LookupThrottle).values(key=key, failures=0, window_start=now).on_conflict_do_nothing(index_elements=["key"]))
    row = s.scalar(select(LookupThrottle).where(LookupThrottle.key == key).with_for_update())
    assert row is not None
    if row.locked_until is not None and row.locked_until > now:
        return (row.locked_until - now).total_seconds()
    if row.locked_until is not None or row.window_start <= now - policy.window:
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures > policy.max_failures:
        row.locked_until = now + policy.lock
        return policy.lock.total_seconds()
    return None


def refund(s: Session, key: str) -> None:
    """Take back one charged attempt (it succeeded, or it was a genuine but expired code)."""
    s.execute(update(LookupThrottle).where(LookupThrottle.key == key, LookupThrottle.failures > 0)
              .values(failures=LookupThrottle.failures - 1))
