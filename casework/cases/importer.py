"""Parse and validate case files from the agency's case software (CSV or JSON; docs/case-import.md).

Validation is complete before anything is written: `parse_file` returns either records for every
case in the file or the list of row errors, never a mix, so the caller applies all or nothing.
Error messages are Vietnamese and never repeat an ID number, phone or birth date from the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from casework.cases.crypto import normalize_national_id, normalize_phone
from casework.cases.stages import (
    CLASSIFICATION_ALIASES,
    ROLE_ALIASES,
    STAGE_ALIASES,
    Classification,
    PartyRole,
    Stage,
)

CASE_FIELDS = ("case_number", "office", "decision_number", "obligation", "accepted_on", "decision_on", "notified_on",
               "stage", "stage_since", "classification", "amount_due", "amount_paid", "bailiff", "office_contact")
PARTY_FIELDS = ("party_role", "party_name", "party_key", "national_id", "phone", "birth_date")
CSV_COLUMNS = CASE_FIELDS + PARTY_FIELDS
REQUIRED_CSV = ("case_number", "office", "stage", "party_role", "party_name")
_MAX_LEN = {"case_number": 100, "office": 200, "decision_number": 100, "obligation": 500, "bailiff": 200, "office_contact": 500,
            "party_name": 200, "party_key": 100, "note": 2000}
_AMOUNT = re.compile(r"^\d{1,3}([.,  ]\d{3})+$|^\d+$")
# Dates in the registry mean: accepted_on = ngày thụ lý (step 1); decision_on = date of the enforcement
# decision; notified_on = date the decision was validly notified; stage_since = date the current stage began.
_DATE_EVENTS = (("accepted_on", Stage.RECEIVED), ("decision_on", Stage.DECISION_ISSUED), ("notified_on", Stage.NOTIFIED))


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, columns)."""


@dataclass(frozen=True)
class RowError:
    row: int  # CSV: line number in the file (header = 1); JSON: position of the case in the list (from 1)
    message: str
    field: str | None = None
    case_number: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "case_number": self.case_number, "message": self.message}


@dataclass
class PartyRecord:
    role: PartyRole
    name: str
    party_key: str | None = None
    national_id: str | None = None
    phone: str | None = None
    birth_date: date | None = None

    def canonical(self) -> dict[str, Any]:
        return {"role": self.role.value, "name": self.name, "party_key": self.party_key, "national_id": self.national_id,
                "phone": self.phone, "birth_date": self.birth_date.isoformat() if self.birth_date else None}


@dataclass
class EventRecord:
    on: date
    stage: Stage
    note: str | None = None


@dataclass
class CaseRecord:
    row: int
    case_number: str
    office: str
    stage: Stage
    decision_number: str | None = None
    obligation: str | None = None
    accepted_on: date | None = None
    stage_since: date | None = None
    classification: Classification | None = None
    amount_due: int | None = None
    amount_paid: int | None = None
    bailiff: str | None = None
    office_contact: str | None = None
    parties: list[PartyRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.office, case_number_key(self.case_number)

    def canonical(self) -> str:
        """Stable text of everything imported, for the keyed "unchanged" hash."""
        data = {k: getattr(self, k) for k in ("case_number", "office", "decision_number", "obligation", "accepted_on", "stage_since",
                                              "classification", "amount_due", "amount_paid", "bailiff", "office_contact", "stage")}
        data["parties"] = sorted((p.canonical() for p in self.parties), key=lambda p: json.dumps(p, sort_keys=True))
        data["events"] = sorted([e.on.isoformat(), e.stage.value, e.note or ""] for e in self.events)
        return json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)


def norm_text(value: Any) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def case_number_key(case_number: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", case_number)).upper()


def parse_date(raw: Any) -> date:
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("Ngày không hợp lệ (dùng YYYY-MM-DD hoặc DD/MM/YYYY).")


def parse_amount(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("Số tiền phải là số nguyên đồng.")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not _AMOUNT.match(text):
            raise ValueError("Số tiền phải là số nguyên đồng, ví dụ 15000000 hoặc 15.000.000.")
        value = int(re.sub(r"\D", "", text))
    if value < 0:
        raise ValueError("Số tiền không được âm.")
    return value


class _Row:
    """Collects errors for one input row while converting its fields."""

    def __init__(self, row: int, data: dict[str, Any], case_number: str | None) -> None:
        self.row, self.data, self.case_number = row, data, case_number
        self.errors: list[RowError] = []

    def err(self, field_name: str | None, message: str) -> None:
        self.errors.append(RowError(self.row, message, field_name, self.case_number))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = norm_text(self.data.get(name))
        if value is None and required:
            self.err(name, "Thiếu thông tin bắt buộc.")
        if value is not None and name in _MAX_LEN and len(value) > _MAX_LEN[name]:
            self.err(name, f"Quá dài (tối đa {_MAX_LEN[name]} ký tự).")
        return value

    def date(self, name: str, *, today: date) -> date | None:
        raw = norm_text(self.data.get(name))
        if raw is None:
            return None
        try:
            value = parse_date(raw)
        except ValueError as exc:
            self.err(name, str(exc))
            return None
        if value > today:
            self.err(name, "Ngày không được sau ngày hôm nay.")
        return value

    def choice(self, name: str, aliases: dict[str, Any], *, required: bool = False, label: str) -> Any:
        raw = self.text(name, required=required)
        if raw is None:
            return None
        value = aliases.get(raw.lower())
        if value is None:
            self.err(name, f"{label} \"{raw[:60]}\" không hợp lệ.")
        return value

    def amount(self, name: str) -> int | None:
        raw = self.data.get(name)
        if raw is None or norm_text(raw) is None:
            return None
        try:
            return parse_amount(raw)
        except ValueError as exc:
            self.err(name, str(exc))
            return None


def _case_fields(r: _Row, today: date) -> CaseRecord | None:
    number, office = r.text("case_number", required=True), r.text("office", required=True)
    stage = r.choice("stage", STAGE_ALIASES, required=True, label="Bước")
    rec = CaseRecord(
        row=r.row, case_number=number or "", office=office or "", stage=stage or Stage.RECEIVED,
        decision_number=r.text("decision_number"), obligation=r.text("obligation"), accepted_on=r.date("accepted_on", today=today),
        stage_since=r.date("stage_since", today=today),
        classification=r.choice("classification", CLASSIFICATION_ALIASES, label="Phân loại"),
        amount_due=r.amount("amount_due"), amount_paid=r.amount("amount_paid"), bailiff=r.text("bailiff"),
        office_contact=r.text("office_contact"),
    )
    if rec.amount_due is not None and rec.amount_paid is not None and rec.amount_paid > rec.amount_due:
        r.err("amount_paid", "Số tiền đã thi hành lớn hơn số tiền phải thi hành.")
    for name, stage_of in _DATE_EVENTS:
        on = r.date(name, today=today) if name != "accepted_on" else rec.accepted_on
        if on is not None:
            rec.events.append(EventRecord(on, stage_of))
    if rec.stage_since is not None:
        rec.events.append(EventRecord(rec.stage_since, rec.stage))
    return rec if number and office and stage else None


def _party(r: _Row, data: dict[str, Any], today: date, prefix: str = "party_") -> PartyRecord | None:
    sub = _Row(r.row, data, r.case_number)
    role = sub.choice(f"{prefix}role", ROLE_ALIASES, required=True, label="Vai trò")
    name = sub.text(f"{prefix}name", required=True)
    key = sub.text(f"{prefix}key")
    nid_raw, phone_raw = norm_text(data.get("national_id")), norm_text(data.get("phone"))
    nid = normalize_national_id(nid_raw) if nid_raw else None
    if nid_raw and nid is None:
        sub.err("national_id", "Số CMND/CCCD phải có 9 hoặc 12 chữ số.")
    phone = normalize_phone(phone_raw) if phone_raw else None
    if phone_raw and phone is None:
        sub.err("phone", "Số điện thoại không hợp lệ.")
    birth = sub.date("birth_date", today=today)
    r.errors += sub.errors
    if role is None or name is None or sub.errors:
        return None
    return PartyRecord(role, name, key, nid, phone, birth)


def _party_match(p: PartyRecord) -> str:
    if p.party_key:
        return f"key:{p.party_key}"
    if p.national_id:
        return f"id:{p.role.value}:{p.national_id}"
    return f"name:{p.role.value}:{p.name.lower()}"


def _check_parties(r: _Row, rec: CaseRecord) -> None:
    seen: set[str] = set()
    for p in rec.parties:
        key = _party_match(p)
        if key in seen:
            r.err("parties", "Một đương sự xuất hiện hai lần trong cùng hồ sơ.")
        seen.add(key)


def party_match_key(p: PartyRecord) -> str:
    """How a re-import finds the same party: the agency's party key, else role + ID, else role + name."""
    return _party_match(p)


# --- CSV -----------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("Tệp phải được mã hóa UTF-8.") from exc


def parse_csv(data: bytes, *, today: date) -> tuple[list[CaseRecord], list[RowError]]:
    text = _decode(data)
    header = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if not columns:
        raise ImportFileError("Tệp CSV trống hoặc thiếu dòng tiêu đề.")
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_CSV if c not in columns]
    if unknown or missing:
        parts = []
        if unknown:
            parts.append("cột không được hỗ trợ: " + ", ".join(unknown[:10]))
        if missing:
            parts.append("thiếu cột bắt buộc: " + ", ".join(missing))
        raise ImportFileError("Tiêu đề CSV không đúng (" + "; ".join(parts) + "). Xem docs/case-import.md.")
    reader.fieldnames = columns
    records: dict[tuple[str, str], CaseRecord] = {}
    first_row: dict[tuple[str, str], dict[str, Any]] = {}
    errors: list[RowError] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:  # more cells than columns
            errors.append(RowError(line, "Dòng có nhiều ô hơn số cột tiêu đề."))
            continue
        if not any((v or "").strip() for v in raw.values()):
            continue
        r = _Row(line, raw, norm_text(raw.get("case_number")))
        rec = _case_fields(r, today)
        party = _party(r, raw, today)
        if rec is not None and not r.errors:
            key = rec.key
            if key in records:
                prev = first_row[key]
                for name in CASE_FIELDS:
                    if norm_text(raw.get(name)) != norm_text(prev.get(name)):
                        r.err(name, f"Khác với dòng {records[key].row} của cùng hồ sơ (các cột của hồ sơ phải giống nhau trên mọi dòng).")
                if party is not None and not r.errors:
                    records[key].parties.append(party)
            else:
                if party is not None:
                    rec.parties.append(party)
                records[key], first_row[key] = rec, raw
        errors += r.errors
    for rec in records.values():
        r = _Row(rec.row, {}, rec.case_number)
        _check_parties(r, rec)
        errors += r.errors
    return list(records.values()), errors


# --- JSON ----------------------------------------------------------------------------------------


def parse_json(data: bytes, *, today: date) -> tuple[list[CaseRecord], list[RowError]]:
    try:
        doc = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"JSON không hợp lệ (dòng {exc.lineno}, cột {exc.colno}).") from exc
    items = doc.get("cases") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ImportFileError("JSON phải là một danh sách hồ sơ, hoặc một đối tượng có khóa \"cases\".")
    return parse_objects(items, today=today)


def parse_objects(items: list[Any], *, today: date) -> tuple[list[CaseRecord], list[RowError]]:
    """Validate case objects in the JSON schema (also what a `CaseConnector` yields)."""
    records: dict[tuple[str, str], CaseRecord] = {}
    errors: list[RowError] = []
    allowed = set(CASE_FIELDS) | {"parties", "events"}
    for pos, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(pos, "Mỗi hồ sơ phải là một đối tượng JSON."))
            continue
        r = _Row(pos, item, norm_text(item.get("case_number")))
        for name in sorted(set(item) - allowed):
            r.err(name[:60], "Trường này không được hỗ trợ.")
        rec = _case_fields(r, today)
        parties = item.get("parties") or []
        events = item.get("events") or []
        if not isinstance(parties, list) or not isinstance(events, list):
            r.err("parties", "\"parties\" và \"events\" phải là danh sách.")
            parties, events = [], []
        for p in parties:
            if not isinstance(p, dict) or set(p) - {"role", "name", "party_key", "national_id", "phone", "birth_date"}:
                r.err("parties", "Đương sự phải là đối tượng với các trường role, name, party_key, national_id, phone, birth_date.")
                continue
            party = _party(r, {"party_role": p.get("role"), "party_name": p.get("name"), "party_key": p.get("party_key"),
                               "national_id": p.get("national_id"), "phone": p.get("phone"), "birth_date": p.get("birth_date")}, today)
            if party is not None and rec is not None:
                rec.parties.append(party)
        for ev in events:
            if not isinstance(ev, dict):
                r.err("events", "Sự kiện phải là đối tượng với các trường date, stage, note.")
                continue
            er = _Row(pos, {"on": ev.get("date"), "stage": ev.get("stage"), "note": ev.get("note")}, r.case_number)
            on = er.date("on", today=today)
            if ev.get("date") is None:
                er.err("events", "Sự kiện thiếu ngày.")
            stage = er.choice("stage", STAGE_ALIASES, required=True, label="Bước")
            note = er.text("note")
            r.errors += er.errors
            if on is not None and stage is not None and not er.errors and rec is not None:
                rec.events.append(EventRecord(on, stage, note))
        if rec is not None:
            _check_parties(r, rec)
            if rec.key in records:
                r.err("case_number", f"Hồ sơ trùng với hồ sơ thứ {records[rec.key].row} trong cùng tệp.")
            elif not r.errors:
                records[rec.key] = rec
        errors += r.errors
    return list(records.values()), errors


def parse_file(data: bytes, *, fmt: str | None, filename: str | None, today: date, max_rows: int = 100_000
               ) -> tuple[list[CaseRecord], list[RowError]]:
    """Records for every case, or the row errors (then nothing may be applied)."""
    kind = (fmt or "").lower() or ("json" if (filename or "").lower().endswith(".json") else "csv"
                                   if (filename or "").lower().endswith(".csv") else "")
    if not kind:
        kind = "json" if data.lstrip()[:1] in (b"{", b"[") else "csv"
    if kind not in ("csv", "json"):
        raise ImportFileError("Chỉ hỗ trợ tệp CSV hoặc JSON.")
    records, errors = (parse_json if kind == "json" else parse_csv)(data, today=today)
    if len(records) > max_rows:
        raise ImportFileError(f"Tệp có quá nhiều hồ sơ (tối đa {max_rows}).")
    return records, errors
