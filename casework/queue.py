"""Staff side of the queue: list and filter, claim (race-free), assign, transition, notes, triage
edits, CSV export and stats. Items outside a staff member's office are NotFound, never Forbidden."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from casework import audit, codes
from casework.config import QueueConfig
from casework.db import Database
from casework.deadlines import ComplaintTarget, Phase, compute_due, find_rule, local_date, today_local
from casework.errors import Conflict, Forbidden, InvalidInput, NotFound
from casework.messages import status_text
from casework.models import (
    Attachment,
    AuditEvent,
    DuplicateCandidate,
    Note,
    StaffUser,
    Submission,
    SubmissionVector,
    TriageExample,
    utcnow,
)
from casework.outbox import backlog, enqueue
from casework.privacy import Permission, Principal
from casework.regulations import RegulationSearch, related_regulations
from casework.states import (
    NON_ACCEPTANCE_REASONS,
    OPEN_STATUSES,
    STATUS_LABELS,
    TOPIC_LABELS,
    Kind,
    Priority,
    Status,
    Topic,
    staff_can_move,
)
from casework.views import LIST_FIELDS, attachment_visible, staff_dict

OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True)
class Filters:
    kind: Kind | None = None
    status: Status | None = None
    office: str | None = None
    assignee: str | None = None  # username, or "me", or "none"
    overdue: bool = False
    due_soon: bool = False
    priority: Priority | None = None
    text: str | None = None


def _require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise Forbidden("Tài khoản của bạn không có quyền thực hiện thao tác này.")


def _scoped(principal: Principal, query: Select) -> Select:
    return query if principal.office is None else query.where(Submission.office == principal.office)


def _apply(query: Select, f: Filters, principal: Principal, today: date, due_soon_days: int) -> Select:
    if f.kind:
        query = query.where(Submission.kind == f.kind.value)
    if f.status:
        query = query.where(Submission.status == f.status.value)
    if f.office:
        query = query.where(Submission.office == f.office)
    if f.priority:
        query = query.where(Submission.priority == f.priority.value)
    if f.assignee == "none":
        query = query.where(Submission.assignee_id.is_(None))
    elif f.assignee == "me":
        query = query.where(Submission.assignee_id == principal.user_id)
    elif f.assignee:
        query = query.join(StaffUser, Submission.assignee_id == StaffUser.id).where(StaffUser.username == f.assignee.lower())
    if f.overdue:
        query = query.where(Submission.status.in_(OPEN), Submission.due_date < today)
    if f.due_soon:
        query = query.where(Submission.status.in_(OPEN), Submission.due_date >= today,
                            Submission.due_date <= today + timedelta(days=due_soon_days))
    if f.text and f.text.strip():
        needle = f.text.strip()
        code = codes.normalize_code(needle)
        like = f"%{needle.lower()}%"
        # Identity fields are deliberately not searchable: a search hit would reveal a denouncer.
        query = query.where(or_(Submission.code == code, func.lower(Submission.content).like(like),
                                func.lower(func.coalesce(Submission.case_number, "")).like(like)))
    return query


@dataclass
class StaffQueue:
    db: Database
    cfg: QueueConfig
    regulations: RegulationSearch | None = None

    # --- reading --------------------------------------------------------------------------------

    def _get(self, s: Session, principal: Principal, code: str, *, lock: bool = False) -> Submission:
        code = codes.normalize_code(code)
        query = _scoped(principal, select(Submission).where(Submission.code == code))
        if lock and self.db.is_postgres:
            query = query.with_for_update(of=Submission)
        sub = s.scalar(query)
        if sub is None:
            raise NotFound()
        return sub

    def list(self, principal: Principal, f: Filters, *, page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
        _require(principal, Permission.QUEUE_READ)
        today = today_local()
        base = _apply(_scoped(principal, select(Submission)), f, principal, today, self.cfg.due_soon_days)
        with self.db.read() as s:
            total = int(s.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0)
            rows = s.scalars(
                base.order_by(Submission.due_date.is_(None), Submission.due_date, Submission.id)
                .offset((page - 1) * per_page).limit(per_page)
            ).unique()
            # Lists never carry identity (fields=LIST_FIELDS, citizen_name redacted or not): no reveal.
            items = [self._present(s, principal, sub, fields=LIST_FIELDS, today=today) for sub in rows]
        return items, total

    def _present(self, s: Session, principal: Principal, sub: Submission, *, fields: tuple[str, ...] | None, today: date,
                 purpose: str = "view") -> dict[str, Any]:
        return staff_dict(s, sub, principal, today=today, due_soon_days=self.cfg.due_soon_days, fields=fields, purpose=purpose)

    def detail(self, principal: Principal, code: str, *, with_regulations: bool = True) -> dict[str, Any]:
        """The item page: the item, attachments, notes, timeline, duplicates, related regulations."""
        _require(principal, Permission.QUEUE_READ)
        with self.db.write() as s:  # may audit an identity reading
            sub = self._get(s, principal, code)
            record = self._present(s, principal, sub, fields=None, today=today_local())
            record["attachments"] = [
                {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                 "downloadable": attachment_visible(sub, principal)}
                for a in sub.attachments
            ]
            record["notes"] = [
                {"id": n.id, "author": n.author.username, "body": n.body, "created_at": n.created_at}
                for n in s.scalars(select(Note).where(Note.submission_id == sub.id).order_by(Note.id))
            ]
            record["timeline"] = [
                {"at": e.at, "actor": e.actor_label, "action": e.action, "from_status": e.from_status,
                 "to_status": e.to_status, "reason": e.reason}
                for e in s.scalars(select(AuditEvent).where(AuditEvent.submission_id == sub.id).order_by(AuditEvent.id))
            ]
            record["duplicates"] = self._duplicates(s, principal, sub)
        if with_regulations:
            record["related_regulations"] = related_regulations(
                self.regulations, record["content"], TOPIC_LABELS[Topic(record["topic"])]
            )
        return record

    def _duplicates(self, s: Session, principal: Principal, sub: Submission) -> list[dict[str, Any]]:
        rows = s.execute(
            select(DuplicateCandidate, Submission)
            .join(Submission, Submission.id == DuplicateCandidate.candidate_id)
            .where(DuplicateCandidate.submission_id == sub.id)
        ).all()
        return [
            {"code": other.code, "reason": dup.reason, "score": dup.score, "status": other.status}
            for dup, other in rows
            if principal.sees_office(other.office)
        ]

    def attachment(self, principal: Principal, code: str, attachment_id: int) -> Attachment:
        _require(principal, Permission.QUEUE_READ)
        with self.db.write() as s:
            sub = self._get(s, principal, code)
            att = s.get(Attachment, attachment_id)
            if att is None or att.submission_id != sub.id or not attachment_visible(sub, principal):
                raise NotFound("Không tìm thấy tệp.")
            if sub.confidential:
                audit.record(s, action="identity_viewed", submission=sub, principal=principal,
                             reason="Tải tệp đính kèm của đơn tố cáo được bảo mật")
            return att

    # --- claiming and assignment ------------------------------------------------------------------

    def claim(self, principal: Principal, code: str) -> dict[str, Any]:
        """Take an unassigned item. One winner under concurrency: on PostgreSQL the row is locked with
        FOR UPDATE SKIP LOCKED (a concurrent claimer skips it), on SQLite the UPDATE is conditional."""
        _require(principal, Permission.QUEUE_CLAIM)
        with self.db.write() as s:
            sub = self._get(s, principal, code)
            if sub.assignee_id == principal.user_id:
                return self._present(s, principal, sub, fields=LIST_FIELDS, today=today_local())
            if not self._take(s, sub.id, principal.user_id):
                raise Conflict("Hồ sơ đã được cán bộ khác nhận xử lý.")
            s.expire(sub)
            audit.record(s, action="claimed", submission=sub, principal=principal)
            return self._present(s, principal, sub, fields=LIST_FIELDS, today=today_local())

    def _take(self, s: Session, sub_id: int, user_id: int) -> bool:
        if self.db.is_postgres:
            locked = s.scalar(
                select(Submission.id)
                .where(Submission.id == sub_id, Submission.assignee_id.is_(None))
                .with_for_update(skip_locked=True)
            )
            if locked is None:
                return False
        result = s.execute(
            update(Submission)
            .where(Submission.id == sub_id, Submission.assignee_id.is_(None))
            .values(assignee_id=user_id, version=Submission.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def claim_next(self, principal: Principal, f: Filters = Filters()) -> dict[str, Any] | None:
        """The most urgent unassigned open item in scope, claimed; None when the queue is empty."""
        _require(principal, Permission.QUEUE_CLAIM)
        today = today_local()
        with self.db.write() as s:
            query = _apply(_scoped(principal, select(Submission.id)), f, principal, today, self.cfg.due_soon_days)
            query = query.where(Submission.assignee_id.is_(None), Submission.status.in_(OPEN)).order_by(
                Submission.due_date.is_(None), Submission.due_date, Submission.id).limit(1)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True, of=Submission)
            for sub_id in list(s.scalars(query)):
                if self._take(s, sub_id, principal.user_id):
                    sub = s.get(Submission, sub_id)
                    s.refresh(sub)
                    audit.record(s, action="claimed", submission=sub, principal=principal)
                    return self._present(s, principal, sub, fields=LIST_FIELDS, today=today)
        return None

    def assign(self, principal: Principal, code: str, username: str | None, *, note: str | None = None) -> dict[str, Any]:
        _require(principal, Permission.QUEUE_ASSIGN)
        with self.db.write() as s:
            sub = self._get(s, principal, code, lock=True)
            user = None
            if username:
                user = s.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower(), StaffUser.active.is_(True)))
                if user is None or (user.office is not None and user.office != sub.office):
                    raise InvalidInput("Không tìm thấy cán bộ phù hợp để giao hồ sơ.", field="username")
            before = sub.assignee.username if sub.assignee else None
            sub.assignee_id = user.id if user else None
            s.flush()
            audit.record(s, action="assigned", submission=sub, principal=principal, reason=note,
                         details={"from": before, "to": user.username if user else None})
            s.refresh(sub)
            return self._present(s, principal, sub, fields=LIST_FIELDS, today=today_local())

    # --- lifecycle ----------------------------------------------------------------------------------

    def transition(
        self,
        principal: Principal,
        code: str,
        to: Status,
        *,
        note: str | None = None,
        reason: str | None = None,
        transfer_to: str | None = None,
        merged_into: str | None = None,
        decision_summary: str | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Move an item along the state machine; the citizen hears about it through the outbox."""
        _require(principal, Permission.QUEUE_WORK)
        try:
            with self.db.write() as s:
                sub = self._get(s, principal, code, lock=True)
                self._check_actor(principal, sub)
                if expected_version is not None and expected_version != sub.version:
                    raise Conflict("Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại.")
                src = Status(sub.status)
                if not staff_can_move(src, to):
                    raise Conflict(f"Không thể chuyển từ “{STATUS_LABELS[src]}” sang “{STATUS_LABELS[to]}”.")
                self._apply_transition(s, sub, to, reason, transfer_to, merged_into, decision_summary, principal)
                sub.status = to.value
                if note:
                    sub.public_note = note
                s.flush()
                audit.record(s, action="transition", submission=sub, principal=principal, from_status=src.value,
                                     to_status=to.value, reason=note,
                                     details={k: v for k, v in {"reason": reason, "transfer_to": transfer_to,
                                                                "merged_into": merged_into}.items() if v})
                text = status_text(sub.code, to, note=note, reason_code=sub.status_reason, transfer_to=sub.transfer_to,
                                   decision_summary=sub.decision_summary, due=sub.due_date,
                                   rule=find_rule(Phase.RESOLUTION, Kind(sub.kind), sub.complaint_level, _target(sub)))
                enqueue(s, submission=sub, event=f"status:{to.value}", text=text)
                return self._present(s, principal, sub, fields=None, today=today_local(), purpose="transition")
        except StaleDataError as exc:
            raise Conflict("Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại.") from exc

    def _check_actor(self, principal: Principal, sub: Submission) -> None:
        if sub.assignee_id != principal.user_id and not principal.can(Permission.QUEUE_TRANSITION_ANY):
            raise Forbidden("Bạn cần nhận xử lý hồ sơ này trước khi thao tác.")

    def _apply_transition(self, s: Session, sub: Submission, to: Status, reason: str | None, transfer_to: str | None,
                          merged_into: str | None, decision_summary: str | None, principal: Principal) -> None:
        now = utcnow()
        kind = Kind(sub.kind)
        if to == Status.NOT_ACCEPTED:
            r = NON_ACCEPTANCE_REASONS.get(reason or "")
            if r is None or kind not in r.kinds:
                raise InvalidInput("Cần chọn một lý do không thụ lý hợp lệ theo quy định cho loại đơn này.", field="reason")
            sub.status_reason = r.code
        if to == Status.TRANSFERRED:
            if not (transfer_to and transfer_to.strip()):
                raise InvalidInput("Cần ghi rõ cơ quan có thẩm quyền nhận đơn chuyển.", field="transfer_to")
            sub.transfer_to = transfer_to.strip()
        if to == Status.MERGED:
            target = s.scalar(_scoped(principal, select(Submission).where(Submission.code == codes.normalize_code(merged_into or ""))))
            if target is None or target.id == sub.id or target.status == Status.MERGED:
                raise InvalidInput("Không tìm thấy hồ sơ hợp lệ để gộp vào.", field="merged_into")
            sub.merged_into_id = target.id
        if to == Status.RESOLVED:
            if not (decision_summary and decision_summary.strip()):
                raise InvalidInput("Cần tóm tắt kết quả giải quyết.", field="decision_summary")
            sub.decision_summary, sub.resolved_at = decision_summary.strip(), now
        if to == Status.ACCEPTED:
            sub.accepted_at = now
            rule = find_rule(Phase.RESOLUTION, kind, sub.complaint_level, _target(sub))
            sub.resolution_rule = rule.code if rule else None
            sub.resolution_due = compute_due(local_date(now), rule) if rule else None
        if to == Status.CLOSED:
            sub.closed_at = now
        sub.due_date = sub.resolution_due if to in (Status.ACCEPTED, Status.IN_PROGRESS) else None

    def add_note(self, principal: Principal, code: str, body: str) -> dict[str, Any]:
        _require(principal, Permission.QUEUE_WORK)
        if not body.strip():
            raise InvalidInput("Ghi chú không được để trống.", field="body")
        with self.db.write() as s:
            sub = self._get(s, principal, code)
            note = Note(submission_id=sub.id, author_id=principal.user_id, body=body.strip())
            s.add(note)
            s.flush()
            audit.record(s, action="note_added", submission=sub, principal=principal, details={"note_id": note.id})
            return {"id": note.id, "author": principal.username, "body": note.body, "created_at": note.created_at}

    def update_triage(self, principal: Principal, code: str, changes: dict[str, Any], *, note: str | None = None) -> dict[str, Any]:
        """Override triage fields; deadlines follow; the corrected labels become a triage example."""
        _require(principal, Permission.QUEUE_WORK)
        allowed = {"kind", "topic", "priority", "office", "complaint_target", "complaint_level"}
        changes = {k: v for k, v in changes.items() if k in allowed and v is not None}
        if not changes:
            raise InvalidInput("Không có trường phân loại nào được thay đổi.", field="body")
        try:
            with self.db.write() as s:
                sub = self._get(s, principal, code, lock=True)
                before = {k: getattr(sub, k) for k in changes}
                for key, value in changes.items():
                    setattr(sub, key, value.value if hasattr(value, "value") else value)
                if sub.kind != Kind.COMPLAINT:
                    sub.complaint_target, sub.complaint_level = None, None
                elif sub.complaint_target is None:
                    sub.complaint_target, sub.complaint_level = ComplaintTarget.PRE_MEASURE.value, sub.complaint_level or 1
                self._recompute_deadlines(sub)
                sub.triage_overridden = True
                s.flush()
                self._learn(s, sub, principal, changes)
                audit.record(s, action="triage_updated", submission=sub, principal=principal, reason=note,
                             details={"before": {k: _plain(v) for k, v in before.items()},
                                      "after": {k: _plain(getattr(sub, k)) for k in changes}})
                if not principal.sees_office(sub.office):
                    return {"code": sub.code, "office": sub.office, "moved_out_of_scope": True}
                return self._present(s, principal, sub, fields=None, today=today_local(), purpose="triage")
        except StaleDataError as exc:
            raise Conflict("Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại.") from exc

    def _recompute_deadlines(self, sub: Submission) -> None:
        kind, target = Kind(sub.kind), _target(sub)
        acc = find_rule(Phase.ACCEPTANCE, kind, sub.complaint_level, target)
        sub.acceptance_rule = acc.code if acc else None
        sub.acceptance_due = compute_due(local_date(sub.received_at), acc) if acc else None
        res = find_rule(Phase.RESOLUTION, kind, sub.complaint_level, target)
        sub.resolution_rule = res.code if res else None
        sub.resolution_due = compute_due(local_date(sub.accepted_at), res) if res and sub.accepted_at else None
        if sub.status == Status.RECEIVED:
            sub.due_date = sub.acceptance_due
        elif sub.status in (Status.ACCEPTED, Status.IN_PROGRESS):
            sub.due_date = sub.resolution_due

    def _learn(self, s: Session, sub: Submission, principal: Principal, changes: dict[str, Any]) -> None:
        if not {"kind", "topic", "priority"} & set(changes):
            return
        vec = s.get(SubmissionVector, sub.id)
        s.add(TriageExample(text=sub.content, kind=sub.kind, topic=sub.topic, priority=sub.priority, source="override",
                            submission_id=sub.id, created_by=principal.user_id,
                            model=vec.model if vec else None, vector=vec.vector if vec else None))

    # --- reports --------------------------------------------------------------------------------------

    def export_csv(self, principal: Principal, f: Filters) -> str:
        """CSV (UTF-8 with BOM for Excel) through the same redaction as every response."""
        _require(principal, Permission.EXPORT)
        today = today_local()
        columns = ["code", "kind_label", "status_label", "topic_label", "priority_label", "office", "case_number",
                   "received_at", "due_date", "days_left", "overdue", "assignee", "citizen_name", "phone", "email",
                   "address", "content"]
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(columns)
        query = _apply(_scoped(principal, select(Submission)), f, principal, today, self.cfg.due_soon_days).order_by(Submission.id)
        with self.db.write() as s:  # may audit identity readings
            for sub in s.scalars(query).unique():
                rec = self._present(s, principal, sub, fields=None, today=today, purpose="export")
                rec = {**rec, "due_date": rec["deadline"]["due_date"], "days_left": rec["deadline"]["days_left"],
                       "overdue": rec["deadline"]["overdue"]}
                writer.writerow([_csv_cell(rec.get(c)) for c in columns])
        return out.getvalue()

    def stats(self, principal: Principal) -> dict[str, Any]:
        _require(principal, Permission.STATS)
        today = today_local()
        with self.db.read() as s:
            def grouped(column) -> dict[str, int]:
                rows = s.execute(_scoped(principal, select(column, func.count()).select_from(Submission)).group_by(column)).all()
                return {str(k): int(n) for k, n in rows}

            def count(*conds) -> int:
                q = _scoped(principal, select(func.count()).select_from(Submission).where(and_(*conds)))
                return int(s.scalar(q) or 0)

            return {
                "total": count(),
                "by_status": grouped(Submission.status),
                "by_kind": grouped(Submission.kind),
                "by_office": grouped(Submission.office),
                "by_topic": grouped(Submission.topic),
                "open": count(Submission.status.in_(OPEN)),
                "overdue": count(Submission.status.in_(OPEN), Submission.due_date < today),
                "due_soon": count(Submission.status.in_(OPEN), Submission.due_date >= today,
                                  Submission.due_date <= today + timedelta(days=self.cfg.due_soon_days)),
                "unassigned_open": count(Submission.status.in_(OPEN), Submission.assignee_id.is_(None)),
                "outbox": backlog(s) if principal.office is None else {},
            }


def _target(sub: Submission) -> ComplaintTarget | None:
    return ComplaintTarget(sub.complaint_target) if sub.complaint_target else None


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _csv_cell(value: Any) -> str:
    """Stringify; neutralise spreadsheet formulas (CSV injection) in citizen-supplied text."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
