"""Transactional outbox: rows written with the change they report, delivered at least once by a
worker through a `Channel`. Each row has a stable delivery key so channels can drop repeats."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import httpx
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from casework.db import Database
from casework.models import OutboxMessage, Submission, utcnow

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True)
class OutboundMessage:
    id: int
    delivery_key: str
    channel: str
    recipient: str
    event: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A failed send. `permanent` stops retries; `retry_after` (seconds) overrides the backoff."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.retry_after = retry_after


@runtime_checkable
class Channel(Protocol):
    """Delivers one message. Must tolerate the same delivery_key twice (at-least-once delivery)."""

    name: str

    async def send(self, message: OutboundMessage) -> None: ...


def enqueue(
    session: Session, *, submission: Submission, event: str, text: str, data: dict[str, Any] | None = None
) -> OutboxMessage | None:
    """Queue a citizen notification in the caller's transaction. Anonymous tips and submissions
    without a reachable chat get none. The delivery key is fixed here, once, so every retry of
    this row carries the same key."""
    if submission.anonymous or not submission.chat_id:
        return None
    row = OutboxMessage(
        delivery_key=f"{submission.code}:{event}:{uuid.uuid4().hex[:16]}",
        channel="telegram",  # the only citizen push channel today; chat_id is a Telegram chat
        recipient=submission.chat_id,
        event=event,
        submission_id=submission.id,
        payload={"text": text, "code": submission.code, **(data or {})},
    )
    session.add(row)
    return row


def backoff_seconds(attempts: int, *, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: retries from many rows do not arrive in lockstep."""
    return random.uniform(base, min(cap, base * 2 ** max(attempts - 1, 0)))


@dataclass
class OutboxWorker:
    db: Database
    channels: Mapping[str, Channel]
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    lease_seconds: float = 60.0
    max_attempts: int = 8
    base_backoff: float = 5.0
    max_backoff: float = 3600.0
    batch_size: int = 20

    def claim_batch(self) -> list[OutboundMessage]:
        """Lease due rows to this worker. PostgreSQL: FOR UPDATE SKIP LOCKED lets several workers
        share the table; SQLite: the immediate write lock already serialises claimers."""
        now = utcnow()
        with self.db.write() as s:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    OutboxMessage.channel.in_(list(self.channels)),
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                )
                .order_by(OutboxMessage.id)
                .limit(self.batch_size)
            )
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = list(s.scalars(query))
            for row in rows:
                row.locked_until = now + timedelta(seconds=self.lease_seconds)
                row.locked_by = self.worker_id
                row.attempts += 1
            return [
                OutboundMessage(r.id, r.delivery_key, r.channel, r.recipient, r.event, r.payload.get("text", ""), dict(r.payload))
                for r in rows
            ]

    def _mark_delivered(self, message_id: int) -> None:
        with self.db.write() as s:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
                .values(status=DELIVERED, delivered_at=utcnow(), locked_until=None, last_error=None)
            )

    def _mark_failed(self, message_id: int, error: DeliveryError) -> None:
        with self.db.write() as s:
            row = s.get(OutboxMessage, message_id)
            if row is None or row.status != PENDING:
                return
            row.locked_until, row.locked_by = None, None
            row.last_error = str(error)[:500]
            if error.permanent or row.attempts >= self.max_attempts:
                row.status = DEAD
                log.warning("outbox %s dead after %s attempts", message_id, row.attempts)
                return
            delay = error.retry_after if error.retry_after is not None else backoff_seconds(
                row.attempts, base=self.base_backoff, cap=self.max_backoff
            )
            row.next_attempt_at = utcnow() + timedelta(seconds=delay)

    async def deliver(self, message: OutboundMessage) -> bool:
        try:
            await self.channels[message.channel].send(message)
        except DeliveryError as exc:
            self._mark_failed(message.id, exc)
            return False
        except Exception as exc:  # a channel bug must not kill the worker; retry later
            self._mark_failed(message.id, DeliveryError(type(exc).__name__))
            return False
        self._mark_delivered(message.id)
        return True

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many were delivered."""
        batch = self.claim_batch()
        results = [await self.deliver(m) for m in batch]
        return sum(results)

    async def run_forever(self, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
        while not stop.is_set():
            delivered = await self.run_once()
            if delivered == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
                except TimeoutError:
                    pass


def backlog(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: int(n) for status, n in rows}


class WebhookChannel:
    """Relays messages as JSON to an HTTP endpoint (an agency gateway), with an Idempotency-Key
    header carrying the delivery key so the receiver can drop repeats."""

    def __init__(self, url: str, name: str = "telegram", timeout: float = 10.0) -> None:
        self.url, self.name, self.timeout = url, name, timeout

    async def send(self, message: OutboundMessage) -> None:
        body = {
            "delivery_key": message.delivery_key,
            "channel": message.channel,
            "recipient": message.recipient,
            "event": message.event,
            "text": message.text,
            "code": message.data.get("code"),
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                resp = await client.post(self.url, json=body, headers={"Idempotency-Key": message.delivery_key})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"network: {type(exc).__name__}") from exc
        if resp.status_code == 429:
            raise DeliveryError("rate limited", retry_after=float(resp.headers.get("Retry-After", "5")))
        if 400 <= resp.status_code < 500:
            raise DeliveryError(f"rejected: HTTP {resp.status_code}", permanent=True)
        if resp.status_code >= 500:
            raise DeliveryError(f"server error: HTTP {resp.status_code}")


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)) or 0)


def stuck_before(session: Session, moment: datetime) -> int:
    """Pending rows created before `moment` (a backlog alarm for metrics)."""
    return int(
        session.scalar(
            select(func.count()).select_from(OutboxMessage).where(and_(OutboxMessage.status == PENDING, OutboxMessage.created_at < moment))
        )
        or 0
    )


def settle_in_conversation(db: Database, *, code: str, event: str) -> int:
    """Mark the pending notification for (submission code, event) delivered: the chat adapter has just
    shown the same text in the conversation, so the citizen does not receive it twice. Rows already
    leased by a worker are left alone (at-least-once: a rare repeat beats a lost message)."""
    now = utcnow()
    with db.write() as s:
        sub_id = s.scalar(select(Submission.id).where(Submission.code == code))
        if sub_id is None:
            return 0
        result = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.submission_id == sub_id, OutboxMessage.event == event, OutboxMessage.status == PENDING,
                   or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
            .values(status=DELIVERED, delivered_at=now, last_error="shown in conversation")
        )
        return int(result.rowcount or 0)
