"""Tables of the complaint queue (SQLAlchemy 2, typed). Timestamps are stored in UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both backends (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    office: Mapped[str | None] = mapped_column(String(200))  # None = every office
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSession(Base):
    """A login: the bearer token (API) or cookie (dashboard) is random; only its hash is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[StaffUser] = relationship(lazy="joined")


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_status_due", "status", "due_date"),
        Index("ix_submissions_office_status", "office", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    case_number: Mapped[str | None] = mapped_column(String(100))
    office: Mapped[str | None] = mapped_column(String(200))
    # What a complaint challenges and its level (1 first, 2 second): they select the legal limits.
    complaint_target: Mapped[str | None] = mapped_column(String(30))
    complaint_level: Mapped[int | None] = mapped_column(Integer)

    # Identity and contact: redacted for roles without the permission when the denouncer asked.
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    chat_id: Mapped[str | None] = mapped_column(String(64), index=True)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)

    secret_hash: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    # Triage (suggested at intake; staff may override).
    topic: Mapped[str] = mapped_column(String(40))
    priority: Mapped[str] = mapped_column(String(10))
    triage: Mapped[dict[str, Any]] = mapped_column(default=dict)  # why: rules hit, neighbours, flags
    triage_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    enriched_at: Mapped[datetime | None]  # embedding-based triage and near-duplicates done

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    accepted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    acceptance_due: Mapped[date | None] = mapped_column(Date)
    acceptance_rule: Mapped[str | None] = mapped_column(String(60))
    resolution_due: Mapped[date | None] = mapped_column(Date)
    resolution_rule: Mapped[str | None] = mapped_column(String(60))
    due_date: Mapped[date | None] = mapped_column(Date)  # the running limit of the current stage

    status_reason: Mapped[str | None] = mapped_column(String(60))  # non-acceptance reason code
    transfer_to: Mapped[str | None] = mapped_column(String(300))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    decision_summary: Mapped[str | None] = mapped_column(Text)
    public_note: Mapped[str | None] = mapped_column(Text)  # last message to the citizen

    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="submission", order_by="Attachment.id")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    storage_path: Mapped[str] = mapped_column(String(500))  # relative to the data dir
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="attachments")


class Consent(Base):
    """What the person agreed to, when, and through which channel (Law 91/2025 Điều 9; NĐ 356/2025)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    chat_id: Mapped[str | None] = mapped_column(String(64), index=True)
    notice_version: Mapped[str] = mapped_column(String(20))
    purposes: Mapped[list[Any]] = mapped_column(default=list)
    data_types: Mapped[list[Any]] = mapped_column(default=list)
    channel: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class SubmissionVector(Base):
    """Content embedding for triage neighbours and near-duplicates. Never part of the public index."""

    __tablename__ = "submission_vectors"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String(100))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class DuplicateCandidate(Base):
    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("submission_id", "candidate_id", name="uq_duplicate_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"))
    reason: Mapped[str] = mapped_column(String(40))  # same_citizen_case | similar_content
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TriageExample(Base):
    """A labelled text: handler overrides become examples for the nearest-neighbour vote."""

    __tablename__ = "triage_examples"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(20))
    topic: Mapped[str | None] = mapped_column(String(40))
    priority: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))  # override
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    model: Mapped[str | None] = mapped_column(String(100))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)


class Note(Base):
    """Internal staff note; never shown to the citizen."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[StaffUser] = relationship(lazy="joined")


class AuditEvent(Base):
    """Append-only (database triggers refuse UPDATE and DELETE): who, when, what, why."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_type: Mapped[str] = mapped_column(String(20))  # staff | citizen | system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxMessage(Base):
    """A notification written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_key: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class ApprovedAnswer(Base):
    """A staff-written answer tied to its sources. The assistant gives it (marked as confirmed by staff)
    for matching questions while every source document still has the content hash stored here."""

    __tablename__ = "approved_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    question_key: Mapped[str] = mapped_column(String(500), index=True)  # normalised, for exact matches
    answer: Mapped[str] = mapped_column(Text)
    # [{doc_id, chunk_id, title, section, citation, quote, in_force, validity, content_hash, chunk_hash}]
    sources: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | needs_review | retired
    review_reason: Mapped[str | None] = mapped_column(Text)
    origin_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    origin_feedback_id: Mapped[int | None] = mapped_column(Integer)  # the bot's 👎 feedback row, when any
    created_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    flagged_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[StaffUser] = relationship(foreign_keys=[created_by], lazy="joined")


class ChatAnswer(Base):
    """An answer a chat received, with the person's 👍/👎 (the feedback row staff review).
    The question is stored with phones, ID numbers and e-mails masked."""

    __tablename__ = "chat_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # referenced by chat buttons
    chat_id: Mapped[str] = mapped_column(String(64), index=True)
    question: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(20))
    abstained: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    citations: Mapped[list[Any]] = mapped_column(default=list)  # public citation dicts, quotes included
    rating: Mapped[int | None] = mapped_column(Integer)  # 1 = 👍, -1 = 👎
    rated_at: Mapped[datetime | None]
    escalated_code: Mapped[str | None] = mapped_column(String(20))  # the question sent to staff
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class InboundUpdate(Base):
    """Inbound deliveries already taken (Telegram update_id): a redelivery is dropped, durably."""

    __tablename__ = "inbound_updates"
    __table_args__ = (UniqueConstraint("source", "update_id", name="uq_inbound_updates_source_update"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    update_id: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
