"""Citizen side of the queue: idempotent intake, status by code and secret (or by the filing chat),
withdrawal. Every change writes its audit event and outbox row in the same transaction."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import audit, codes, consent
from casework.attachments import StoredFile
from casework.config import QueueConfig
from casework.db import Database
from casework.deadlines import ComplaintTarget, Phase, compute_due, find_rule, local_date, rule_by_code
from casework.errors import Conflict, InvalidInput, NotFound
from casework.messages import receipt_text, status_text
from casework.models import Attachment, AuditEvent, Consent, DuplicateCandidate, Submission, utcnow
from casework.outbox import enqueue
from casework.states import OPEN_STATUSES, Channel, Kind, Status, citizen_can_withdraw
from casework.triage import route_office, triage_rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    chat_id: str | None = None

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass(frozen=True)
class IntakeRequest:
    kind: Kind
    content: str
    channel: Channel
    contact: Contact = field(default_factory=Contact)
    consent_version: str | None = None  # the notice version the citizen explicitly accepted
    office: str | None = None
    case_number: str | None = None
    complaint_target: ComplaintTarget | None = None
    complaint_level: int | None = None
    confidential: bool | None = None  # denunciations: default True
    anonymous: bool = False
    idempotency_key: str | None = None
    attachments: tuple[StoredFile, ...] = ()

    def fingerprint(self) -> str:
        """What makes two requests 'the same' for idempotency (everything but the key)."""
        body = asdict(self)
        body.pop("idempotency_key")
        body["attachments"] = sorted(a.sha256 for a in self.attachments)
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    code: str
    secret: str | None  # None for anonymous tips (receipt code only)
    kind: Kind
    status: Status
    received_on: date
    due_date: date | None
    message: str
    created: bool


def validate(req: IntakeRequest, cfg: QueueConfig) -> None:
    """Rules that need no database; raises InvalidInput with the offending field."""
    if not req.content.strip():
        raise InvalidInput("Nội dung đơn không được để trống.", field="content")
    if len(req.content) > cfg.content_max_chars:
        raise InvalidInput(f"Nội dung đơn quá dài (tối đa {cfg.content_max_chars} ký tự).", field="content")
    if len(req.attachments) > cfg.attachment_max_count:
        raise InvalidInput(f"Chỉ được gửi tối đa {cfg.attachment_max_count} tệp.", field="attachments")
    if req.anonymous:
        if req.kind != Kind.DENUNCIATION:
            raise InvalidInput("Chỉ tin báo tố cáo mới được gửi không ghi danh.", field="anonymous")
        if not req.contact.is_empty():
            raise InvalidInput("Tin báo không ghi danh không được kèm thông tin liên hệ.", field="contact")
        return
    if req.consent_version != consent.NOTICE_VERSION:
        raise InvalidInput(
            "Bạn cần đọc và chủ động đồng ý với thông báo xử lý dữ liệu cá nhân (phiên bản hiện hành) trước khi gửi đơn.",
            field="consent",
        )
    if req.kind != Kind.COMPLAINT and (req.complaint_target or req.complaint_level):
        raise InvalidInput("Đối tượng và lần khiếu nại chỉ áp dụng cho đơn khiếu nại.", field="complaint_target")


def _existing(session: Session, key: str) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.idempotency_key == key))


def _receipt_for(sub: Submission, secret: str | None, created: bool) -> Receipt:
    rule = rule_by_code(sub.acceptance_rule)
    received = local_date(sub.received_at)
    message = receipt_text(sub.code, Kind(sub.kind), received, sub.acceptance_due, rule, sub.anonymous)
    return Receipt(sub.code, secret, Kind(sub.kind), Status(sub.status), received, sub.due_date, message, created)


def _replay(sub: Submission, req: IntakeRequest, cfg: QueueConfig) -> Receipt:
    if sub.request_fingerprint != req.fingerprint():
        raise InvalidInput("Khóa chống gửi trùng (Idempotency-Key) đã được dùng cho một đơn khác.", field="idempotency_key")
    secret = None if sub.anonymous else codes.derive_secret(cfg.signing_key, req.idempotency_key or "")
    return _receipt_for(sub, secret, created=False)


def _new_submission(req: IntakeRequest, cfg: QueueConfig, secret: str | None) -> Submission:
    now = utcnow()
    result = triage_rules(req.content, req.kind, req.complaint_target)
    office, office_source = route_office(req.office, cfg.default_office)
    level = (req.complaint_level or 1) if req.kind == Kind.COMPLAINT else None
    rule = find_rule(Phase.ACCEPTANCE, req.kind, level, result.complaint_target)
    due = compute_due(local_date(now), rule) if rule else None
    contact = Contact() if req.anonymous else req.contact
    return Submission(
        code=codes.make_code(req.kind, local_date(now).year),
        kind=req.kind.value,
        status=Status.RECEIVED.value,
        channel=req.channel.value,
        content=req.content.strip(),
        case_number=(req.case_number or "").strip() or None,
        office=office,
        complaint_target=result.complaint_target.value if result.complaint_target else None,
        complaint_level=level,
        citizen_name=contact.name,
        phone=contact.phone,
        email=contact.email,
        address=contact.address,
        chat_id=contact.chat_id,
        confidential=req.kind == Kind.DENUNCIATION and (req.anonymous or req.confidential is not False),
        anonymous=req.anonymous,
        secret_hash=codes.hash_secret(secret) if secret else None,
        idempotency_key=req.idempotency_key,
        request_fingerprint=req.fingerprint(),
        topic=result.topic.value,
        priority=result.priority.value,
        triage={**result.explanation, "office_source": office_source},
        received_at=now,
        acceptance_due=due,
        acceptance_rule=rule.code if rule else None,
        due_date=due,
    )


def _same_citizen_case(session: Session, sub: Submission) -> list[Submission]:
    """Open items from the same chat or phone about the same case: merge candidates for staff."""
    if not sub.case_number or not (sub.chat_id or sub.phone):
        return []
    who = [c for c in (Submission.chat_id == sub.chat_id if sub.chat_id else None,
                       Submission.phone == sub.phone if sub.phone else None) if c is not None]
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.case_number == sub.case_number, or_(*who))
            .where(Submission.status.in_([s.value for s in OPEN_STATUSES]))
            .limit(20)
        )
    )


def _insert(session: Session, req: IntakeRequest, cfg: QueueConfig, secret: str | None) -> Submission:
    """One INSERT for the submission (its id is needed), the rest flushed together at commit."""
    sub = _new_submission(req, cfg, secret)
    earlier = _same_citizen_case(session, sub)  # before the insert: nothing of ours to exclude yet
    session.add(sub)
    session.flush()
    for f in req.attachments:
        session.add(Attachment(submission_id=sub.id, sha256=f.sha256, size=f.size, content_type=f.content_type,
                               filename=f.filename, storage_path=f.storage_path))
    if not req.anonymous:
        session.add(Consent(submission_id=sub.id, chat_id=sub.chat_id, notice_version=consent.NOTICE_VERSION,
                            purposes=list(consent.PURPOSES), data_types=list(consent.DATA_TYPES), channel=req.channel.value))
    for other in earlier:
        session.add(DuplicateCandidate(submission_id=sub.id, candidate_id=other.id, reason="same_citizen_case"))
    audit.record(session, action="received", submission=sub, actor_type="citizen", to_status=Status.RECEIVED.value,
                 details={"channel": req.channel.value, "attachments": len(req.attachments)})
    enqueue(session, submission=sub, event="received", text=_receipt_for(sub, secret, True).message)
    return sub


def submit(db: Database, req: IntakeRequest, cfg: QueueConfig) -> Receipt:
    """Create a submission, or return the one already made with the same idempotency key."""
    validate(req, cfg)
    secret = None
    if not req.anonymous:
        secret = codes.derive_secret(cfg.signing_key, req.idempotency_key) if req.idempotency_key else codes.make_secret()
    for _attempt in range(5):
        try:
            with db.write() as s:
                # SQLite: writers are serialised, so looking first is cheap and exact. PostgreSQL: skip the
                # extra round trip; a repeat hits the unique constraint and is answered below.
                if req.idempotency_key and not db.is_postgres and (found := _existing(s, req.idempotency_key)) is not None:
                    return _replay(found, req, cfg)
                sub = _insert(s, req, cfg, secret)
                receipt = _receipt_for(sub, secret, True)
            log.info("intake %s kind=%s channel=%s", receipt.code, req.kind.value, req.channel.value)
            return receipt
        except IntegrityError:
            # Either a concurrent request with the same key won (return its submission) or the random
            # code collided (try a new one).
            if req.idempotency_key:
                with db.read() as s:
                    if (found := _existing(s, req.idempotency_key)) is not None:
                        return _replay(found, req, cfg)
    raise Conflict("Hệ thống đang bận, vui lòng gửi lại sau ít phút.")


# --- status and withdrawal ---------------------------------------------------------------------


def _load_for_citizen(s: Session, code: str, secret: str | None = None, chat_id: str | None = None) -> Submission:
    """The item, if the caller proves it is theirs; otherwise the same NotFound as a missing code."""
    code = codes.normalize_code(code)
    if not codes.is_valid_code(code):
        raise NotFound("Mã hồ sơ không đúng. Vui lòng kiểm tra lại mã (ví dụ: KN-2026-7H3K9Q).")
    sub = s.scalar(select(Submission).where(Submission.code == code))
    owned = sub is not None and not sub.anonymous and (
        (secret is not None and codes.verify_secret(secret, sub.secret_hash))
        or (chat_id is not None and sub.chat_id is not None and sub.chat_id == str(chat_id))
    )
    if not owned:
        raise NotFound("Không tìm thấy hồ sơ với mã và mã bí mật đã nhập.")
    return sub


def citizen_view(s: Session, sub: Submission, *, today: date, due_soon_days: int) -> dict:
    """What the citizen may see: no staff names, no internal notes, no other person's data."""
    from casework.views import citizen_dict  # views imports intake types; keep the cycle lazy

    history = list(
        s.scalars(select(AuditEvent).where(AuditEvent.submission_id == sub.id, AuditEvent.to_status.is_not(None)).order_by(AuditEvent.id))
    )
    return citizen_dict(sub, history, today=today, due_soon_days=due_soon_days)


def status(db: Database, code: str, *, secret: str | None = None, chat_id: str | None = None, due_soon_days: int = 3) -> dict:
    with db.read() as s:
        sub = _load_for_citizen(s, code, secret, chat_id)
        return citizen_view(s, sub, today=local_date(utcnow()), due_soon_days=due_soon_days)


def list_for_chat(db: Database, chat_id: str, *, due_soon_days: int = 3) -> list[dict]:
    """A chat's own submissions (the bot's "Theo dõi đơn đã gửi")."""
    with db.read() as s:
        subs = s.scalars(select(Submission).where(Submission.chat_id == str(chat_id)).order_by(Submission.id.desc()).limit(50))
        today = local_date(utcnow())
        return [citizen_view(s, sub, today=today, due_soon_days=due_soon_days) for sub in subs]


def withdraw(db: Database, code: str, *, secret: str | None = None, chat_id: str | None = None, reason: str | None = None,
             due_soon_days: int = 3) -> dict:
    with db.write() as s:
        sub = _load_for_citizen(s, code, secret, chat_id)
        src = Status(sub.status)
        if not citizen_can_withdraw(src):
            raise Conflict("Hồ sơ đã kết thúc xử lý nên không thể rút đơn.")
        sub.status, sub.due_date, sub.closed_at = Status.WITHDRAWN.value, None, utcnow()
        audit.record(s, action="withdrawn", submission=sub, actor_type="citizen", from_status=src.value,
                             to_status=Status.WITHDRAWN.value, reason=reason)
        enqueue(s, submission=sub, event="withdrawn", text=status_text(sub.code, Status.WITHDRAWN))
        s.flush()
        return citizen_view(s, sub, today=local_date(utcnow()), due_soon_days=due_soon_days)
