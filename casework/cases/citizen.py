"""Key-free helpers for chat adapters. Linking and explanations need the signing key: use
`CaseService` (see casework.cases) with `Citizen.telegram(chat_id)`."""

from __future__ import annotations

from sqlalchemy import select

from casework.cases.models import CaseLink, EnforcementCase
from casework.db import Database


def linked_case_numbers(db: Database, chat_id: str | int) -> list[str]:
    """Case numbers this Telegram chat has proven it is a party to (e.g. to offer in the complaint flow)."""
    with db.read() as s:
        rows = s.scalars(select(EnforcementCase.case_number).join(CaseLink, CaseLink.case_id == EnforcementCase.id)
                         .where(CaseLink.subject_kind == "telegram", CaseLink.subject == str(int(chat_id)))
                         .order_by(CaseLink.id))
        return list(dict.fromkeys(rows))
