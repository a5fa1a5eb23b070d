"""Every allowed and every forbidden transition, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from casework import intake
from casework.errors import Conflict, Forbidden, InvalidInput
from casework.models import AuditEvent, OutboxMessage, Submission
from casework.privacy import Role
from casework.queue import StaffQueue
from casework.states import TRANSITIONS, Kind, Status, citizen_can_withdraw
from helpers import staff, submit

PATHS: dict[Status, list[Status]] = {
    Status.RECEIVED: [],
    Status.ACCEPTED: [Status.ACCEPTED],
    Status.NOT_ACCEPTED: [Status.NOT_ACCEPTED],
    Status.TRANSFERRED: [Status.TRANSFERRED],
    Status.MERGED: [Status.MERGED],
    Status.IN_PROGRESS: [Status.ACCEPTED, Status.IN_PROGRESS],
    Status.RESOLVED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED],
    Status.CLOSED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
}


def _args(to: Status, other_code: str) -> dict:
    return {
        Status.NOT_ACCEPTED: {"reason": "time_limit_expired"},
        Status.TRANSFERRED: {"transfer_to": "Thanh tra Bộ Tư pháp"},
        Status.MERGED: {"merged_into": other_code},
        Status.RESOLVED: {"decision_summary": "Khiếu nại đúng một phần."},
    }.get(to, {})


def _bring_to(q: StaffQueue, boss, db, cfg, state: Status, other: str) -> intake.Receipt:
    r = submit(db, cfg)
    if state == Status.WITHDRAWN:
        intake.withdraw(db, r.code, secret=r.secret)
        return r
    for step in PATHS[state]:
        q.transition(boss, r.code, step, note=f"bước {step}", **_args(step, other))
    return r


@pytest.mark.parametrize("src", list(Status))
def test_each_transition_from(src, db, cfg):
    q = StaffQueue(db, cfg)
    boss = staff(db, f"sup-{src}", Role.SUPERVISOR)
    other = submit(db, cfg).code
    for dst in Status:
        r = _bring_to(q, boss, db, cfg, src, other)
        if dst in TRANSITIONS[src]:
            out = q.transition(boss, r.code, dst, note="ghi chú", **_args(dst, other))
            assert out["status"] == dst
        else:
            with pytest.raises(Conflict):
                q.transition(boss, r.code, dst, note="không được", **_args(dst, other))
            assert intake.status(db, r.code, secret=r.secret)["status"] == src
    # the citizen's withdrawal: allowed exactly at the open stages
    r = _bring_to(q, boss, db, cfg, src, other)
    if citizen_can_withdraw(src):
        assert intake.withdraw(db, r.code, secret=r.secret)["status"] == Status.WITHDRAWN
    else:
        with pytest.raises(Conflict):
            intake.withdraw(db, r.code, secret=r.secret)


def test_transition_requirements_and_audit(db, cfg):
    q = StaffQueue(db, cfg)
    boss = staff(db, "sup", Role.SUPERVISOR)
    handler = staff(db, "handler")
    r = submit(db, cfg)
    with pytest.raises(InvalidInput):
        q.transition(boss, r.code, Status.NOT_ACCEPTED)  # no legal reason
    with pytest.raises(InvalidInput):
        q.transition(boss, r.code, Status.NOT_ACCEPTED, reason="denunciation_anonymous")  # reason of another kind
    with pytest.raises(InvalidInput):
        q.transition(boss, r.code, Status.TRANSFERRED)
    with pytest.raises(Forbidden):
        q.transition(handler, r.code, Status.ACCEPTED)  # not claimed by them
    q.claim(handler, r.code)
    q.transition(handler, r.code, Status.NOT_ACCEPTED, reason="time_limit_expired", note="Đơn quá thời hiệu.")
    seen = intake.status(db, r.code, secret=r.secret)
    assert seen["non_acceptance_reason"]["legal_basis"].endswith("Điều 141 (thời hiệu tại Điều 140 khoản 2)")
    assert "05 ngày làm việc" in seen["non_acceptance_reason"]["guidance"]
    with db.read() as s:
        sub = s.scalar(select(Submission).where(Submission.code == r.code))
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.submission_id == sub.id).order_by(AuditEvent.id)))
        outbox = list(s.scalars(select(OutboxMessage).where(OutboxMessage.submission_id == sub.id).order_by(OutboxMessage.id)))
    assert [e.action for e in events] == ["received", "claimed", "transition"]
    assert events[-1].actor_label == "handler" and events[-1].reason == "Đơn quá thời hiệu."
    assert [o.event for o in outbox] == ["received", "status:not_accepted"]
    assert "Thời hiệu khiếu nại đã hết" in outbox[-1].payload["text"]


def test_audit_log_is_append_only(db, cfg):
    submit(db, cfg)
    for stmt in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError):
            with db.write() as s:
                s.execute(text(stmt))


def test_merge_needs_another_item(db, cfg):
    q = StaffQueue(db, cfg)
    boss = staff(db, "sup", Role.SUPERVISOR)
    r = submit(db, cfg)
    with pytest.raises(InvalidInput):
        q.transition(boss, r.code, Status.MERGED, merged_into=r.code)
    target = submit(db, cfg, kind=Kind.COMPLAINT)
    assert q.transition(boss, r.code, Status.MERGED, merged_into=target.code)["status"] == Status.MERGED
