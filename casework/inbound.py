"""Durable de-duplication of inbound deliveries (a chat platform may deliver an update twice)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from casework.db import Database
from casework.models import InboundUpdate, utcnow


def claim(db: Database, source: str, update_id: int) -> bool:
    """True the first time (source, update_id) is seen; False for every repeat, across restarts."""
    try:
        with db.write() as s:
            if not db.is_postgres and s.scalar(
                select(InboundUpdate.id).where(InboundUpdate.source == source, InboundUpdate.update_id == update_id)
            ) is not None:
                return False
            s.add(InboundUpdate(source=source, update_id=update_id))
        return True
    except IntegrityError:  # a concurrent delivery of the same update won
        return False


def prune(db: Database, keep_days: int = 7) -> int:
    """Forget ids older than `keep_days` (Telegram stops redelivering long before that)."""
    with db.write() as s:
        result = s.execute(delete(InboundUpdate).where(InboundUpdate.received_at < utcnow() - timedelta(days=keep_days)))
        return int(result.rowcount or 0)
