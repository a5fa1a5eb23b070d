"""How submissions are presented. Every staff response and export goes through `staff_dict`, which
is where identity redaction (and the audit of a protected identity being read) happens."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from casework import audit
from casework.deadlines import TARGET_LABELS, ComplaintTarget, due_info, rule_by_code
from casework.models import AuditEvent, Submission
from casework.privacy import Permission, Principal, identity_protected, redact
from casework.states import (
    KIND_LABELS,
    NON_ACCEPTANCE_REASONS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
    Kind,
    Priority,
    Status,
    Topic,
)


def _rule_dict(code: str | None) -> dict[str, Any] | None:
    rule = rule_by_code(code)
    if rule is None:
        return None
    return {"code": rule.code, "label": rule.label, "description": rule.description, "legal_basis": rule.legal_basis,
            "confirmed": rule.confirmed, "note": rule.note}


def _deadline(sub: Submission, today: date, due_soon_days: int) -> dict[str, Any]:
    info = due_info(sub.due_date, today=today, due_soon_days=due_soon_days)
    running = sub.resolution_rule if sub.status in (Status.ACCEPTED, Status.IN_PROGRESS) else sub.acceptance_rule
    return {
        "due_date": info.due_date,
        "days_left": info.days_left,
        "overdue": info.overdue,
        "due_soon": info.due_soon,
        "rule": _rule_dict(running) if info.due_date else None,
    }


def _reason(sub: Submission) -> dict[str, str] | None:
    reason = NON_ACCEPTANCE_REASONS.get(sub.status_reason or "")
    if reason is None:
        return None
    return {"code": reason.code, "label": reason.label, "legal_basis": reason.legal_basis, "guidance": reason.guidance}


def citizen_dict(sub: Submission, history: list[AuditEvent], *, today: date, due_soon_days: int) -> dict[str, Any]:
    return {
        "code": sub.code,
        "kind": sub.kind,
        "kind_label": KIND_LABELS[Kind(sub.kind)],
        "status": sub.status,
        "status_label": STATUS_LABELS[Status(sub.status)],
        "received_at": sub.received_at,
        "office": sub.office,
        "deadline": _deadline(sub, today, due_soon_days),
        "non_acceptance_reason": _reason(sub),
        "transfer_to": sub.transfer_to,
        "decision_summary": sub.decision_summary,
        "note": sub.public_note,
        "history": [
            {"at": e.at, "status": e.to_status, "status_label": STATUS_LABELS[Status(e.to_status)]}
            for e in history
            if e.to_status
        ],
    }


LIST_FIELDS = (
    "code", "kind", "kind_label", "status", "status_label", "topic", "topic_label", "priority", "priority_label",
    "office", "case_number", "channel", "received_at", "assignee", "deadline", "confidential", "anonymous",
    "citizen_name", "identity_redacted",
)


def _base(sub: Submission, today: date, due_soon_days: int) -> dict[str, Any]:
    target = ComplaintTarget(sub.complaint_target) if sub.complaint_target else None
    return {
        "code": sub.code,
        "kind": sub.kind,
        "kind_label": KIND_LABELS[Kind(sub.kind)],
        "status": sub.status,
        "status_label": STATUS_LABELS[Status(sub.status)],
        "topic": sub.topic,
        "topic_label": TOPIC_LABELS[Topic(sub.topic)],
        "priority": sub.priority,
        "priority_label": PRIORITY_LABELS[Priority(sub.priority)],
        "complaint_target": sub.complaint_target,
        "complaint_target_label": TARGET_LABELS[target] if target else None,
        "complaint_level": sub.complaint_level,
        "office": sub.office,
        "case_number": sub.case_number,
        "channel": sub.channel,
        "content": sub.content,
        "received_at": sub.received_at,
        "accepted_at": sub.accepted_at,
        "resolved_at": sub.resolved_at,
        "closed_at": sub.closed_at,
        "assignee": sub.assignee.username if sub.assignee else None,
        "deadline": _deadline(sub, today, due_soon_days),
        "non_acceptance_reason": _reason(sub),
        "transfer_to": sub.transfer_to,
        "decision_summary": sub.decision_summary,
        "public_note": sub.public_note,
        "triage": sub.triage,
        "triage_overridden": sub.triage_overridden,
        "confidential": sub.confidential,
        "anonymous": sub.anonymous,
        "citizen_name": sub.citizen_name,
        "phone": sub.phone,
        "email": sub.email,
        "address": sub.address,
        "chat_id": sub.chat_id,
        "identity_redacted": False,
        "version": sub.version,
    }


def staff_dict(
    session: Session,
    sub: Submission,
    principal: Principal,
    *,
    today: date,
    due_soon_days: int,
    fields: tuple[str, ...] | None = None,
    purpose: str = "view",
) -> dict[str, Any]:
    """The one way staff see a submission. Redacts a protected denouncer's identity for viewers
    without the permission; when a permitted viewer does see it, that reading is audited."""
    record = _base(sub, today, due_soon_days)
    if fields is not None:
        record = {k: record[k] for k in fields if k in record}
    record, revealed = redact(record, kind=sub.kind, confidential=sub.confidential, principal=principal)
    if revealed:
        audit.record(session, action="identity_viewed", submission=sub, principal=principal,
                     reason=f"Xem danh tính người tố cáo ({purpose})")
    return record


def attachment_visible(sub: Submission, principal: Principal) -> bool:
    """Files of a confidential denunciation may show handwriting or ID cards: identity permission."""
    return not identity_protected(sub.kind, sub.confidential) or principal.can(Permission.VIEW_DENOUNCER_IDENTITY)
