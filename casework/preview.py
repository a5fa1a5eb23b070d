"""What the citizen will be told if a transition is made now: the queue's own checks and field
changes run inside a transaction that is always rolled back, and the text is built the way
`StaffQueue.transition` builds the outbox row (tests compare the two)."""

from __future__ import annotations

from dataclasses import dataclass

from casework.deadlines import Phase, find_rule
from casework.errors import Conflict
from casework.messages import status_text
from casework.queue import StaffQueue, _require, _target
from casework.privacy import Permission, Principal
from casework.states import STATUS_LABELS, Kind, Status, staff_can_move


@dataclass(frozen=True)
class Preview:
    to: Status
    text: str | None  # None: the citizen gets no message (anonymous tip, or no contact channel)
    why_silent: str | None = None


class _Rollback(Exception):
    def __init__(self, preview: Preview) -> None:
        self.preview = preview


def preview_transition(queue: StaffQueue, principal: Principal, code: str, to: Status, *, note: str | None = None,
                       reason: str | None = None, transfer_to: str | None = None, merged_into: str | None = None,
                       decision_summary: str | None = None) -> Preview:
    """Raises the same errors the transition would (missing reason, invalid move, not yours…)."""
    _require(principal, Permission.QUEUE_WORK)
    try:
        with queue.db.write() as s:
            sub = queue._get(s, principal, code)
            queue._check_actor(principal, sub)
            src = Status(sub.status)
            if not staff_can_move(src, to):
                raise Conflict(f"Không thể chuyển từ “{STATUS_LABELS[src]}” sang “{STATUS_LABELS[to]}”.")
            queue._apply_transition(s, sub, to, reason, transfer_to, merged_into, decision_summary, principal)
            if note:
                sub.public_note = note
            if sub.anonymous or not sub.chat_id:
                why = ("Tin báo không ghi danh: người gửi không nhận thông báo." if sub.anonymous
                       else "Người gửi không để lại kênh nhận thông báo: không có tin nhắn nào được gửi.")
                raise _Rollback(Preview(to, None, why))
            text = status_text(sub.code, to, note=note, reason_code=sub.status_reason, transfer_to=sub.transfer_to,
                               decision_summary=sub.decision_summary, due=sub.due_date,
                               rule=find_rule(Phase.RESOLUTION, Kind(sub.kind), sub.complaint_level, _target(sub)))
            raise _Rollback(Preview(to, text))
    except _Rollback as done:
        return done.preview
    raise AssertionError("unreachable")  # pragma: no cover
