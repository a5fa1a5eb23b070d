"""Tables of the enforcement-case registry, on the same `Base` (one metadata, one migration chain).

Personal identifiers never appear in clear: a party's national ID and phone are kept only as HMACs
with a key derived from the server signing key, and the "last 4 digits of the ID + date of birth"
verifier is an HMAC with that key *and* a random per-party salt (equal inputs give unequal rows).
Names are kept (staff need them); citizens never see another party's name.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models import Base, utcnow


class EnforcementCase(Base):
    __tablename__ = "enforcement_cases"
    __table_args__ = (
        UniqueConstraint("office", "case_number_key", name="uq_enforcement_cases_office_number"),
        Index("ix_enforcement_cases_office_stage", "office", "stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True)  # opaque public id used in URLs
    case_number: Mapped[str] = mapped_column(String(100))  # số thụ lý / số quyết định thi hành án
    case_number_key: Mapped[str] = mapped_column(String(100), index=True)  # normalised: the match key
    decision_number: Mapped[str | None] = mapped_column(String(100))
    office: Mapped[str] = mapped_column(String(200))
    office_contact: Mapped[str | None] = mapped_column(String(500))  # the agency's address / phone (public)
    obligation: Mapped[str | None] = mapped_column(String(500))  # kind of obligation, as the agency words it
    accepted_on: Mapped[date | None] = mapped_column(Date, index=True)  # ngày thụ lý: the age of a case
    stage: Mapped[str] = mapped_column(String(20))
    stage_since: Mapped[date | None] = mapped_column(Date)
    classification: Mapped[str | None] = mapped_column(String(20), index=True)  # co_dieu_kien | chua_co_dieu_kien
    amount_due: Mapped[int | None] = mapped_column(BigInteger)  # VND
    amount_paid: Mapped[int | None] = mapped_column(BigInteger)  # VND
    bailiff: Mapped[str | None] = mapped_column(String(200))  # Chấp hành viên phụ trách
    source: Mapped[str] = mapped_column(String(60), default="import")
    content_hash: Mapped[str] = mapped_column(String(64))  # keyed hash of the last imported record
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parties: Mapped[list[CaseParty]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True, order_by="CaseParty.id"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", passive_deletes=True, order_by="CaseEvent.id"
    )


class CaseParty(Base):
    __tablename__ = "case_parties"
    __table_args__ = (UniqueConstraint("case_id", "match_key", name="uq_case_parties_case_match"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # creditor | debtor | related
    name: Mapped[str] = mapped_column(String(200))
    match_key: Mapped[str] = mapped_column(String(64))  # keyed hash: agency party key, else ID, else role+name
    national_id_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hmac: Mapped[str | None] = mapped_column(String(64), index=True)
    verifier_salt: Mapped[str | None] = mapped_column(String(32))
    verifier_hmac: Mapped[str | None] = mapped_column(String(64))  # HMAC(key, salt | ID last 4 | birth date)
    link_epoch: Mapped[int] = mapped_column(Integer, default=0)  # bump to invalidate printed link codes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[EnforcementCase] = relationship(back_populates="parties")


class CaseEvent(Base):
    """A dated step of the case as the registry knows it (shown to the case's own parties)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id", ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column("event_date", Date)  # "on" is an SQL keyword
    stage: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)  # public wording only; no internal remarks
    source: Mapped[str] = mapped_column(String(20))  # import | staff | connector
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[EnforcementCase] = relationship(back_populates="events")


class CaseLink(Base):
    """A citizen (a Telegram chat, or the hash of an API citizen token) proven to be a party."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("party_id", "subject_kind", "subject", name="uq_case_links_party_subject"),
                      Index("ix_case_links_subject", "subject_kind", "subject"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("case_parties.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))  # telegram | token
    subject: Mapped[str] = mapped_column(String(100))  # chat id, or SHA-256 of the token
    method: Mapped[str] = mapped_column(String(10))  # code | identity
    notify: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    party: Mapped[CaseParty] = relationship(lazy="joined")


class LookupThrottle(Base):
    """Failed link attempts per chat / client / case number, shared by every process (lockout)."""

    __tablename__ = "case_lookup_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # keyed hash of "tg:…", "ip:…", "case:…"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(index=True)
    locked_until: Mapped[datetime | None]
