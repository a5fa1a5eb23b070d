"""Answers given in a chat, their sources and the person's 👍/👎 — the feedback staff review.

The chat adapter stores each answer once and refers to it by an unguessable token in its buttons;
every read checks the chat, so one person's token never shows another person's answer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from casework.db import Database
from casework.models import ChatAnswer, utcnow
from casework.privacy import scrub

QUESTION_MAX_CHARS = 2000


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    token: str
    question: str
    abstained: bool
    citations: list[dict[str, Any]]
    rating: int | None
    escalated_code: str | None


def _stored(row: ChatAnswer) -> StoredAnswer:
    return StoredAnswer(row.id, row.token, row.question, row.abstained, list(row.citations or []), row.rating,
                        row.escalated_code)


def record(db: Database, *, chat_id: str, question: str, answer: dict[str, Any]) -> StoredAnswer:
    """Keep an answer (as `Answer.to_dict()` gives it); the question is masked before storage."""
    row = ChatAnswer(
        token=secrets.token_urlsafe(12),
        chat_id=str(chat_id),
        question=scrub(question.strip())[:QUESTION_MAX_CHARS],
        mode=str(answer.get("mode", "")),
        abstained=bool(answer.get("abstained")),
        confidence=float(answer.get("confidence") or 0.0),
        citations=list(answer.get("citations") or []),
    )
    with db.write() as s:
        s.add(row)
        s.flush()
        return _stored(row)


def get(db: Database, token: str, chat_id: str) -> StoredAnswer | None:
    with db.read() as s:
        row = s.scalar(select(ChatAnswer).where(ChatAnswer.token == token, ChatAnswer.chat_id == str(chat_id)))
        return _stored(row) if row else None


def rate(db: Database, token: str, chat_id: str, rating: int) -> StoredAnswer | None:
    """Record 👍 (1) or 👎 (-1); a second tap changes the vote, it never adds one."""
    if rating not in (1, -1):
        raise ValueError("rating must be 1 or -1")
    with db.write() as s:
        row = s.scalar(select(ChatAnswer).where(ChatAnswer.token == token, ChatAnswer.chat_id == str(chat_id)))
        if row is None:
            return None
        row.rating, row.rated_at = rating, utcnow()
        return _stored(row)


def mark_escalated(db: Database, token: str, chat_id: str, code: str) -> None:
    with db.write() as s:
        row = s.scalar(select(ChatAnswer).where(ChatAnswer.token == token, ChatAnswer.chat_id == str(chat_id)))
        if row is not None:
            row.escalated_code = code


def disliked(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """Recent 👎 answers, newest first (for staff to write an approved answer)."""
    with db.read() as s:
        rows = s.scalars(select(ChatAnswer).where(ChatAnswer.rating == -1).order_by(ChatAnswer.id.desc()).limit(limit))
        return [{"id": r.id, "question": r.question, "mode": r.mode, "citations": r.citations, "rated_at": r.rated_at}
                for r in rows]
