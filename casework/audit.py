"""Append-only audit trail: every change and every reading of a protected identity."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.models import AuditEvent, Submission
from casework.privacy import Principal

CITIZEN_LABEL = "Công dân"
SYSTEM_LABEL = "Hệ thống"


def record(
    session: Session,
    *,
    action: str,
    submission: Submission | None,
    principal: Principal | None = None,
    actor_type: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the session (it commits with the change it describes)."""
    if principal is not None:
        kind, actor_id, label = "staff", principal.user_id, principal.username
    else:
        kind, actor_id = actor_type or "system", None
        label = CITIZEN_LABEL if kind == "citizen" else SYSTEM_LABEL
    event = AuditEvent(
        actor_type=kind,
        actor_id=actor_id,
        actor_label=label,
        action=action,
        submission_id=submission.id if submission is not None else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details or {},
    )
    session.add(event)  # flushed with the change it describes, at commit
    return event
