"""`CaseService`: the registry's one entry point for the API, the bot, the dashboard and the CLI.

Citizens are identified by a `Citizen` (a Telegram chat, or an API token issued at link time) and
see only cases they have proven they are a party to; everything else is the same NotFound.
Staff calls take a `Principal` and are scoped to the principal's office, as in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import hmac

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sa_case
from sqlalchemy.orm import Session, selectinload

from casework import audit
from casework.cases import crypto, throttle
from casework.cases.config import CaseConfig
from casework.cases.explain import explain_case, explain_stage, fmt_date, summary
from casework.cases.importer import (
    CaseRecord,
    EventRecord,
    ImportFileError,
    RowError,
    case_number_key,
    norm_text,
    parse_file,
    parse_objects,
    party_match_key,
)
from casework.cases.models import CaseEvent, CaseLink, CaseParty, EnforcementCase
from casework.cases.stages import (
    CLASSIFICATION_LABELS,
    CLOSED_STAGES,
    ROLE_LABELS,
    STAGE_LABELS,
    Classification,
    PartyRole,
    Stage,
    stage_info,
)
from casework.db import Database
from casework.deadlines import today_local
from casework.errors import CaseworkError, Forbidden, InvalidInput, NotFound
from casework.models import OutboxMessage, utcnow
from casework.privacy import Permission, Principal

CASE_NOT_FOUND = "Không tìm thấy hồ sơ thi hành án."
NO_MATCH = "Không tìm thấy hồ sơ khớp với thông tin đã nhập. Vui lòng kiểm tra số hồ sơ, 4 số cuối CCCD và ngày sinh."
BAD_CODE = "Mã liên kết không hợp lệ. Vui lòng kiểm tra lại mã in trên thông báo."
AGE_YEARS = (1, 3, 5, 10)


class LookupLocked(CaseworkError):
    """Too many failed link attempts from this chat / client (or against this case number)."""

    status = 429

    def __init__(self, retry_after: float) -> None:
        minutes = max(1, int(retry_after // 60) + (1 if retry_after % 60 else 0))
        super().__init__(f"Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.")
        self.retry_after = retry_after


class LinkExpired(CaseworkError):
    status = 410


@dataclass(frozen=True)
class Citizen:
    """Who is asking. The bot passes `Citizen.telegram(chat_id)`; API clients hold a token."""

    kind: str  # telegram | token
    subject: str

    @classmethod
    def telegram(cls, chat_id: int | str) -> Citizen:
        return cls("telegram", str(int(chat_id)))

    @classmethod
    def from_token(cls, token: str) -> Citizen:
        return cls("token", crypto.token_subject(token))

    @property
    def throttle_label(self) -> str:
        return f"{self.kind}:{self.subject}"


@dataclass(frozen=True)
class LinkResult:
    cases: list[dict[str, Any]]
    created: bool  # False when this citizen was already linked


@dataclass
class ImportReport:
    ok: bool
    applied: bool
    dry_run: bool
    cases: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stage_changes: int = 0
    notifications: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "applied": self.applied, "dry_run": self.dry_run, "cases": self.cases, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "stage_changes": self.stage_changes,
                "notifications": self.notifications, "file_error": self.file_error,
                "errors": [e.to_dict() for e in self.errors]}


def _require(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise Forbidden("Tài khoản của bạn không có quyền thực hiện thao tác này.")


def _scoped(principal: Principal | None, query):
    return query if principal is None or principal.office is None else query.where(EnforcementCase.office == principal.office)


def _age_key(years: int) -> str:
    return f"over_{years}_year" + ("s" if years > 1 else "")


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass
class CaseService:
    db: Database
    cfg: CaseConfig

    def __post_init__(self) -> None:
        self._pii_key = crypto.subkey(self.cfg.signing_key, "pii")
        self._link_key = crypto.subkey(self.cfg.signing_key, "link")
        self._throttle_key = crypto.subkey(self.cfg.signing_key, "throttle")

    # --- hashing ----------------------------------------------------------------------------------

    def _hash(self, label: str, value: str) -> str:
        return crypto.keyed_hash(self._pii_key, label, value)

    def _tkey(self, label: str) -> str:
        return crypto.keyed_hash(self._throttle_key, "throttle", label)

    # --- import -----------------------------------------------------------------------------------

    def import_file(self, data: bytes, *, filename: str | None = None, fmt: str | None = None, principal: Principal | None = None,
                    dry_run: bool = False, source: str = "import") -> ImportReport:
        """Validate the whole file, then apply every case in one transaction, or nothing.
        `principal` None means a trusted caller (CLI, connector): every office."""
        if principal is not None:
            _require(principal, Permission.CASES_WRITE)
        if len(data) > self.cfg.max_import_bytes:
            return ImportReport(False, False, dry_run, file_error=f"Tệp quá lớn (tối đa {self.cfg.max_import_bytes // (1024 * 1024)} MB).")
        try:
            records, errors = parse_file(data, fmt=fmt, filename=filename, today=today_local(), max_rows=self.cfg.max_import_rows)
        except ImportFileError as exc:
            return ImportReport(False, False, dry_run, file_error=str(exc))
        return self.apply_records(records, errors, principal=principal, dry_run=dry_run, source=source)

    def import_objects(self, items: list[dict[str, Any]], *, source: str, dry_run: bool = False) -> ImportReport:
        """Case objects in the JSON schema (what a `CaseConnector` yields), all or nothing."""
        records, errors = parse_objects(items, today=today_local())
        return self.apply_records(records, errors, principal=None, dry_run=dry_run, source=source)

    def apply_records(self, records: list[CaseRecord], errors: list[RowError], *, principal: Principal | None, dry_run: bool,
                      source: str) -> ImportReport:
        if principal is not None and principal.office is not None:
            errors = errors + [RowError(r.row, "Bạn chỉ được nhập hồ sơ của cơ quan mình.", "office", r.case_number)
                               for r in records if r.office != principal.office]
        report = ImportReport(ok=not errors, applied=False, dry_run=dry_run, cases=len(records), errors=sorted(errors, key=lambda e: e.row))
        if errors or dry_run:
            return report
        now = utcnow()
        with self.db.write() as s:
            for rec in records:
                outcome, notified = self._upsert(s, rec, source=source, principal=principal, now=now)
                setattr(report, outcome, getattr(report, outcome) + 1)
                report.stage_changes += notified is not None
                report.notifications += notified or 0
            audit.record(s, action="case_import", submission=None, principal=principal, actor_type=None if principal else "system",
                         details={"source": source[:60], "cases": report.cases, "created": report.created, "updated": report.updated,
                                  "unchanged": report.unchanged})
        report.applied = True
        return report

    def _find(self, s: Session, office: str, number: str) -> EnforcementCase | None:
        query = select(EnforcementCase).where(EnforcementCase.office == office, EnforcementCase.case_number_key == case_number_key(number))
        if self.db.is_postgres:
            query = query.with_for_update()
        return s.scalar(query.options(selectinload(EnforcementCase.parties), selectinload(EnforcementCase.events)))

    def _upsert(self, s: Session, rec: CaseRecord, *, source: str, principal: Principal | None, now: datetime) -> tuple[str, int | None]:
        digest = self._hash("record", rec.canonical())
        case = self._find(s, rec.office, rec.case_number)
        if case is not None and case.content_hash == digest:
            return "unchanged", None
        created = case is None
        if created:
            case = EnforcementCase(ref=crypto.new_ref(), office=rec.office, case_number=rec.case_number, source=source[:60],
                                   stage=rec.stage.value, case_number_key=case_number_key(rec.case_number), content_hash=digest)
            s.add(case)
        old_stage, old_class = (None, None) if created else (case.stage, case.classification)
        case.case_number, case.content_hash, case.source = rec.case_number, digest, source[:60]
        for name in ("decision_number", "obligation", "accepted_on", "stage_since", "amount_due", "amount_paid", "bailiff", "office_contact"):
            setattr(case, name, getattr(rec, name))
        case.stage = rec.stage.value
        case.classification = rec.classification.value if rec.classification else None
        case.updated_at = now
        self._sync_parties(s, case, rec)
        self._sync_events(s, case, rec.events, source="import" if source == "import" else "connector")
        s.flush()
        if created or (old_stage == case.stage and old_class == case.classification):
            return ("created" if created else "updated"), None
        sent = self._stage_changed(s, case, old_stage, principal=principal, now=now)
        return "updated", sent

    def _sync_parties(self, s: Session, case: EnforcementCase, rec: CaseRecord) -> None:
        existing = {p.match_key: p for p in case.parties}
        wanted: set[str] = set()
        for p in rec.parties:
            key = self._hash("party", party_match_key(p))
            wanted.add(key)
            party = existing.get(key)
            if party is None:
                party = CaseParty(ref=crypto.new_ref(), match_key=key, role=p.role.value, name=p.name, link_epoch=0)
                case.parties.append(party)
            party.role, party.name = p.role.value, p.name
            party.national_id_hmac = self._hash("national_id", p.national_id) if p.national_id else None
            party.phone_hmac = self._hash("phone", p.phone) if p.phone else None
            if p.national_id and p.birth_date:
                salt = party.verifier_salt or crypto.new_salt()
                party.verifier_salt = salt
                party.verifier_hmac = crypto.verifier(self._pii_key, salt, p.national_id[-4:], p.birth_date)
            else:
                party.verifier_salt = party.verifier_hmac = None
        for key, party in existing.items():
            if key not in wanted:  # no longer a party: its links go with it (ON DELETE CASCADE)
                case.parties.remove(party)

    def _sync_events(self, s: Session, case: EnforcementCase, events: list[EventRecord], *, source: str) -> None:
        have = {(e.on, e.stage, e.note or "") for e in case.events}
        for ev in events:
            key = (ev.on, ev.stage.value, ev.note or "")
            if key not in have:
                case.events.append(CaseEvent(on=ev.on, stage=ev.stage.value, note=ev.note, source=source))
                have.add(key)

    # --- stage changes and notifications ------------------------------------------------------------

    def _stage_changed(self, s: Session, case: EnforcementCase, old_stage: str | None, *, principal: Principal | None,
                       now: datetime) -> int:
        audit.record(s, action="case_stage_changed", submission=None, principal=principal, actor_type=None if principal else "system",
                     details={"case_ref": case.ref, "from": old_stage, "to": case.stage, "classification": case.classification})
        return self._notify(s, case, now=now)

    def _notify(self, s: Session, case: EnforcementCase, *, now: datetime) -> int:
        """An outbox row per linked Telegram chat, in the caller's transaction (delivered by the worker)."""
        info = stage_info(case.stage, case.classification)
        since = f" từ ngày {fmt_date(case.stage_since)}" if case.stage_since else ""
        text = (f"Hồ sơ thi hành án số {case.case_number} ({case.office}) đã chuyển sang bước: {info.label}{since}. "
                f"{info.meaning[0].sentence()} Bước tiếp theo: {info.next_step} "
                "Mở mục \"Hồ sơ thi hành án của tôi\" để xem giải thích đầy đủ.")
        links = s.scalars(select(CaseLink).where(CaseLink.case_id == case.id, CaseLink.subject_kind == "telegram",
                                                 CaseLink.notify.is_(True)))
        chats = sorted({link.subject for link in links})
        stamp = now.strftime("%Y%m%d%H%M%S%f")
        for chat in chats:  # one message per chat even when it holds two parties of the case
            s.add(OutboxMessage(delivery_key=f"case:{case.ref}:{case.stage}:{stamp}:{chat}"[:100], channel="telegram",
                                recipient=chat, event="case_stage", submission_id=None,
                                payload={"text": text, "case_ref": case.ref, "stage": case.stage}))
        return len(chats)

    def record_stage(self, principal: Principal | None, ref: str, stage: Stage | str, *, on: date | None = None,
                     note: str | None = None, classification: Classification | str | None = None) -> dict[str, Any]:
        """A staff (or live-feed) stage change: event, audit and citizen notifications in one transaction."""
        if principal is not None:
            _require(principal, Permission.CASES_WRITE)
        stage = Stage(stage)
        on = on or today_local()
        if on > today_local():
            raise InvalidInput("Ngày không được sau ngày hôm nay.", field="on")
        now = utcnow()
        with self.db.write() as s:
            case = self._staff_get(s, principal, ref)
            old = case.stage
            case.stage, case.stage_since, case.updated_at = stage.value, on, now
            if classification is not None:
                case.classification = Classification(classification).value
            case.content_hash = "staff-edit"  # the next import of this case is applied, not skipped
            case.events.append(CaseEvent(on=on, stage=stage.value, note=norm_text(note), source="staff"))
            s.flush()
            self._stage_changed(s, case, old, principal=principal, now=now)
            return self._staff_dict(case, detail=True)

    # --- citizens: linking ----------------------------------------------------------------------------

    def _charge(self, labels: list[tuple[str, throttle.ThrottlePolicy]], now: datetime) -> None:
        with self.db.write() as s:
            waits = [throttle.charge(s, self._tkey(label), policy, now) for label, policy in labels]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise LookupLocked(wait)

    def _refund(self, s: Session, labels: list[str]) -> None:
        for label in labels:
            throttle.refund(s, self._tkey(label))

    def _link(self, s: Session, citizen: Citizen, party: CaseParty, method: str) -> bool:
        exists = s.scalar(select(CaseLink.id).where(CaseLink.party_id == party.id, CaseLink.subject_kind == citizen.kind,
                                                    CaseLink.subject == citizen.subject))
        if exists is not None:
            return False
        s.add(CaseLink(case_id=party.case_id, party_id=party.id, subject_kind=citizen.kind, subject=citizen.subject, method=method))
        audit.record(s, action="case_linked", submission=None, actor_type="citizen",
                     details={"case_ref": party.case.ref, "party_ref": party.ref, "method": method, "channel": citizen.kind})
        return True

    def link_with_code(self, citizen: Citizen, code: str, *, client: str | None = None, now: datetime | None = None) -> LinkResult:
        """Link by the signed code printed on a notice (Telegram: `/start <code>`)."""
        now = now or utcnow()
        label = client or citizen.throttle_label
        self._charge([(label, self.cfg.client_policy())], now)
        try:
            claim = crypto.read_link_code(self._link_key, code, now=now)
        except crypto.LinkCodeError as exc:
            if exc.expired:  # genuine, only old: not a guess
                with self.db.write() as s:
                    self._refund(s, [label])
                raise LinkExpired(str(exc)) from exc
            raise NotFound(BAD_CODE) from exc
        with self.db.write() as s:
            party = s.get(CaseParty, claim.party_id)
            self._refund(s, [label])  # a valid signature is never a guess
            if party is None or (party.link_epoch & 0xFFFF) != claim.epoch:
                raise LinkExpired("Mã liên kết này không còn hiệu lực. Vui lòng liên hệ cơ quan thi hành án hoặc tra cứu bằng số hồ sơ.")
            created = self._link(s, citizen, party, "code")
            s.flush()
            return LinkResult([summary(party.case, party)], created)

    def link_with_identity(self, citizen: Citizen, case_number: str, id_last4: str, birth_date: date, *, office: str | None = None,
                           client: str | None = None, now: datetime | None = None) -> LinkResult:
        """Link by case number + last 4 digits of the national ID + date of birth (compared with hashes)."""
        number = norm_text(case_number)
        last4 = (id_last4 or "").strip()
        if not number or len(number) > 100:
            raise InvalidInput("Vui lòng nhập số hồ sơ thi hành án.", field="case_number")
        if not (len(last4) == 4 and last4.isdigit()):
            raise InvalidInput("Vui lòng nhập đúng 4 chữ số cuối của số CCCD.", field="id_last4")
        now = now or utcnow()
        key = case_number_key(number)
        labels = [client or citizen.throttle_label, f"case:{key}"]
        self._charge([(labels[0], self.cfg.client_policy()), (labels[1], self.cfg.case_policy())], now)
        with self.db.write() as s:
            query = select(EnforcementCase).where(EnforcementCase.case_number_key == key).options(selectinload(EnforcementCase.parties))
            if office:
                query = query.where(EnforcementCase.office == norm_text(office))
            matches = [p for case in s.scalars(query) for p in case.parties
                       if p.verifier_hmac and hmac.compare_digest(
                           p.verifier_hmac, crypto.verifier(self._pii_key, p.verifier_salt or "", last4, birth_date))]
            if not matches:
                failed = True
            else:
                failed = False
                self._refund(s, labels)
                created = any([self._link(s, citizen, p, "identity") for p in matches])
                s.flush()
                result = LinkResult([summary(p.case, p) for p in matches], created)
        if failed:
            raise NotFound(NO_MATCH)
        return result

    # --- citizens: reading ----------------------------------------------------------------------------

    def _links(self, s: Session, citizen: Citizen) -> list[CaseLink]:
        return list(s.scalars(select(CaseLink).where(CaseLink.subject_kind == citizen.kind, CaseLink.subject == citizen.subject)
                              .order_by(CaseLink.id)))

    def my_cases(self, citizen: Citizen) -> list[dict[str, Any]]:
        with self.db.read() as s:
            return [summary(link.party.case, link.party) for link in self._links(s, citizen)]

    def _own(self, s: Session, citizen: Citizen, ref: str) -> CaseLink:
        link = s.scalar(select(CaseLink).join(EnforcementCase, CaseLink.case_id == EnforcementCase.id)
                        .where(EnforcementCase.ref == ref, CaseLink.subject_kind == citizen.kind, CaseLink.subject == citizen.subject)
                        .order_by(CaseLink.id).limit(1))
        if link is None:
            raise NotFound(CASE_NOT_FOUND)
        return link

    def case_status(self, citizen: Citizen, ref: str, *, today: date | None = None) -> dict[str, Any]:
        """The full plain-language explanation of one of the citizen's own cases."""
        with self.db.read() as s:
            link = self._own(s, citizen, ref)
            return explain_case(link.party.case, link.party, today=today or today_local(), notify=link.notify)

    def set_notifications(self, citizen: Citizen, ref: str, on: bool) -> None:
        with self.db.write() as s:
            self._own(s, citizen, ref)
            for link in self._links(s, citizen):
                if link.party.case.ref == ref:
                    link.notify = on

    def unlink(self, citizen: Citizen, ref: str) -> None:
        with self.db.write() as s:
            self._own(s, citizen, ref)
            for link in self._links(s, citizen):
                if link.party.case.ref == ref:
                    s.delete(link)

    # --- staff --------------------------------------------------------------------------------------

    def _staff_get(self, s: Session, principal: Principal | None, ref: str) -> EnforcementCase:
        query = _scoped(principal, select(EnforcementCase).where(EnforcementCase.ref == ref))
        if self.db.is_postgres:
            query = query.with_for_update(of=EnforcementCase)
        case = s.scalar(query)
        if case is None:
            raise NotFound(CASE_NOT_FOUND)
        return case

    def _staff_dict(self, case: EnforcementCase, *, detail: bool) -> dict[str, Any]:
        info = stage_info(case.stage, case.classification)
        out: dict[str, Any] = {
            "ref": case.ref, "case_number": case.case_number, "decision_number": case.decision_number, "office": case.office,
            "obligation": case.obligation, "accepted_on": case.accepted_on, "stage": case.stage, "stage_label": info.label,
            "stage_since": case.stage_since, "classification": case.classification,
            "classification_label": CLASSIFICATION_LABELS[Classification(case.classification)] if case.classification else None,
            "amount_due": case.amount_due, "amount_paid": case.amount_paid, "bailiff": case.bailiff,
            "closed": Stage(case.stage) in CLOSED_STAGES, "source": case.source, "updated_at": case.updated_at,
        }
        if detail:
            out["office_contact"] = case.office_contact
            # Identifiers exist only as hashes: staff see whether one is on file, never a value.
            out["parties"] = [{"ref": p.ref, "role": p.role, "role_label": ROLE_LABELS[PartyRole(p.role)], "name": p.name,
                               "has_national_id": p.national_id_hmac is not None, "has_phone": p.phone_hmac is not None,
                               "can_verify": p.verifier_hmac is not None} for p in case.parties]
            out["events"] = [{"date": e.on, "stage": e.stage, "stage_label": STAGE_LABELS[Stage(e.stage)], "note": e.note,
                              "source": e.source} for e in sorted(case.events, key=lambda e: (e.on, e.id))]
            out["explanation"] = explain_stage(info, role=None, dates={}, today=today_local())["text"]
        return out

    def search(self, principal: Principal, *, q: str | None = None, office: str | None = None, stage: str | None = None,
               classification: str | None = None, open_only: bool = False, page: int = 1, per_page: int = 50
               ) -> tuple[list[dict[str, Any]], int]:
        """Case number, decision number, bailiff or party name (substring, case-insensitive)."""
        _require(principal, Permission.CASES_READ)
        query = _scoped(principal, select(EnforcementCase))
        if office:
            query = query.where(EnforcementCase.office == norm_text(office))
        if stage:
            query = query.where(EnforcementCase.stage == Stage(stage).value)
        if classification:
            query = query.where(EnforcementCase.classification == Classification(classification).value)
        if open_only:
            query = query.where(EnforcementCase.stage.not_in([s.value for s in CLOSED_STAGES]))
        if q and q.strip():
            like = f"%{q.strip().lower()}%"
            key_like = f"%{case_number_key(q)}%"
            names = select(CaseParty.case_id).where(func.lower(CaseParty.name).like(like))
            query = query.where(or_(EnforcementCase.case_number_key.like(key_like), func.lower(func.coalesce(EnforcementCase.decision_number, "")).like(like),
                                    func.lower(func.coalesce(EnforcementCase.bailiff, "")).like(like), EnforcementCase.id.in_(names)))
        with self.db.read() as s:
            total = int(s.scalar(select(func.count()).select_from(query.subquery())) or 0)
            rows = s.scalars(query.order_by(EnforcementCase.accepted_on.is_(None), EnforcementCase.accepted_on, EnforcementCase.id)
                             .offset((page - 1) * per_page).limit(per_page))
            return [self._staff_dict(c, detail=False) for c in rows], total

    def view(self, principal: Principal, ref: str) -> dict[str, Any]:
        _require(principal, Permission.CASES_READ)
        with self.db.read() as s:
            return self._staff_dict(self._staff_get(s, principal, ref), detail=True)

    def issue_link_code(self, principal: Principal | None, ref: str, party_ref: str, *, now: datetime | None = None) -> dict[str, Any]:
        """A signed code for one party, to print on a notice (valid `link_code_days`)."""
        if principal is not None:
            _require(principal, Permission.CASES_WRITE)
        now = now or utcnow()
        with self.db.write() as s:
            case = self._staff_get(s, principal, ref)
            party = next((p for p in case.parties if p.ref == party_ref), None)
            if party is None:
                raise NotFound("Không tìm thấy đương sự trong hồ sơ.")
            expires = now + timedelta(days=self.cfg.link_code_days)
            code = crypto.make_link_code(self._link_key, party.id, party.link_epoch, expires)
            audit.record(s, action="case_link_code_issued", submission=None, principal=principal,
                         actor_type=None if principal else "system", details={"case_ref": case.ref, "party_ref": party.ref})
            return {"code": code, "party_ref": party.ref, "expires_at": expires, "telegram_start": f"/start {code}"}

    def revoke_link_codes(self, principal: Principal | None, ref: str, party_ref: str) -> None:
        """Invalidate every code printed so far for this party (links already made stay)."""
        if principal is not None:
            _require(principal, Permission.CASES_WRITE)
        with self.db.write() as s:
            case = self._staff_get(s, principal, ref)
            party = next((p for p in case.parties if p.ref == party_ref), None)
            if party is None:
                raise NotFound("Không tìm thấy đương sự trong hồ sơ.")
            party.link_epoch += 1
            audit.record(s, action="case_link_codes_revoked", submission=None, principal=principal,
                         actor_type=None if principal else "system", details={"case_ref": case.ref, "party_ref": party.ref})

    def analytics(self, principal: Principal, *, today: date | None = None) -> dict[str, Any]:
        """Open cases by age since acceptance (over 1, 3, 5, 10 years), by classification, by stage, per office."""
        _require(principal, Permission.CASES_READ)
        today = today or today_local()
        closed = [s.value for s in CLOSED_STAGES]
        is_open = EnforcementCase.stage.not_in(closed)
        cutoffs = {n: _years_before(today, n) for n in AGE_YEARS}
        age_cols = [func.sum(sa_case((and_(is_open, EnforcementCase.accepted_on < cutoffs[n]), 1), else_=0)).label(_age_key(n))
                    for n in AGE_YEARS]

        def per_group(s: Session, column) -> list[Any]:
            q = select(column, func.count(), func.sum(sa_case((is_open, 1), else_=0)), *age_cols).group_by(column)
            return list(s.execute(_scoped(principal, q.select_from(EnforcementCase))))

        with self.db.read() as s:
            offices = per_group(s, EnforcementCase.office)
            stages = dict(s.execute(_scoped(principal, select(EnforcementCase.stage, func.count()).group_by(EnforcementCase.stage))).all())
            classes = per_group(s, EnforcementCase.classification)
            unknown_age = int(s.scalar(_scoped(principal, select(func.count()).select_from(EnforcementCase)
                                                .where(is_open, EnforcementCase.accepted_on.is_(None)))) or 0)

        def ages(row) -> dict[str, int]:
            return {_age_key(n): int(row[3 + i] or 0) for i, n in enumerate(AGE_YEARS)}

        return {
            "as_of": today,
            "total": sum(int(r[1]) for r in offices),
            "open": sum(int(r[2] or 0) for r in offices),
            "open_by_age": {key: sum(ages(r)[key] for r in offices) for key in map(_age_key, AGE_YEARS)},
            "open_without_acceptance_date": unknown_age,
            "by_stage": {stage: {"label": STAGE_LABELS[Stage(stage)], "count": int(n)} for stage, n in sorted(stages.items())},
            "by_classification": {(r[0] or "unclassified"): {"label": CLASSIFICATION_LABELS[Classification(r[0])] if r[0] else "Chưa phân loại",
                                                             "total": int(r[1]), "open": int(r[2] or 0), **ages(r)} for r in classes},
            "by_office": [{"office": r[0], "total": int(r[1]), "open": int(r[2] or 0), **ages(r)} for r in sorted(offices, key=lambda r: r[0])],
            "age_note": "Tuổi hồ sơ tính từ ngày thụ lý; chỉ đếm hồ sơ chưa thi hành xong hoặc chưa đình chỉ.",
        }
