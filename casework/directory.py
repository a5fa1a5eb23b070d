"""Who an item can be assigned to: active staff of its office (or of every office)."""

from __future__ import annotations

from sqlalchemy import or_, select

from casework.db import Database
from casework.models import StaffUser
from casework.privacy import Permission, Principal


def assignable(db: Database, principal: Principal, office: str | None) -> list[tuple[str, str]]:
    """(username, display name) pairs; empty for viewers who cannot assign."""
    if not principal.can(Permission.QUEUE_ASSIGN):
        return []
    query = select(StaffUser.username, StaffUser.display_name).where(StaffUser.active.is_(True))
    query = query.where(or_(StaffUser.office.is_(None), StaffUser.office == office)) if office else query.where(StaffUser.office.is_(None))
    with db.read() as s:
        return [(u, d or u) for u, d in s.execute(query.order_by(StaffUser.username))]


def offices(db: Database, principal: Principal) -> list[str]:
    """Offices the viewer may filter by: their own, or every office seen in the queue."""
    if principal.office is not None:
        return [principal.office]
    from casework.models import Submission

    with db.read() as s:
        return sorted(o for o in s.scalars(select(Submission.office).distinct()) if o)
