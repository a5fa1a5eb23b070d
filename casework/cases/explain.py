"""The citizen's view of a case: the current stage in plain Vietnamese, what happens next and by
when, amounts, the office, and what the citizen can do now.

Built only from registry fields and `stages` (which cites the procedure guides). It never names
another party: the only person in it is the reader, by role.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from casework.cases.models import CaseParty, EnforcementCase
from casework.cases.stages import (
    CLASSIFICATION_LABELS,
    CLOSED_STAGES,
    GUIDE_TITLES,
    NEW_LAW_EFFECTIVE,
    NEW_LAW_NOTE,
    OFFICE_NOTE,
    ROLE_LABELS,
    Cited,
    Classification,
    LimitUnit,
    PartyRole,
    Stage,
    StageInfo,
    stage_info,
)
from casework.deadlines import CALENDAR

STEPS_TOTAL = 10


def fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def fmt_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _add(start: date, amount: int, unit: LimitUnit) -> date:
    if unit is LimitUnit.WORKING_DAYS:
        return CALENDAR.add_working_days(start, amount)
    return start + timedelta(days=amount)


def due_date_for(limit: Cited, dates: dict[Stage, date]) -> date | None:
    """The old-law due date counted from the registry date of `limit.start`, or None when there is
    no such date, the unit is not a day count, or the count starts under Law 106/2025 (whose
    corresponding limits are unconfirmed: no date is computed from the old figure)."""
    if limit.start is None or limit.amount is None or limit.unit not in (LimitUnit.DAYS, LimitUnit.WORKING_DAYS):
        return None
    start = dates.get(limit.start)
    if start is None or start >= NEW_LAW_EFFECTIVE:
        return None
    for amount, unit in limit.after:
        start = _add(start, amount, unit)
    return _add(start, limit.amount, limit.unit)


def _due_note(limit: Cited, dates: dict[Stage, date], due: date | None) -> str | None:
    if limit.start is None or dates.get(limit.start) is None:
        return None
    began = dates[limit.start]
    if due is None and began >= NEW_LAW_EFFECTIVE:
        return (f"Bước này bắt đầu ngày {fmt_date(began)}, khi Luật THADS 2025 đã có hiệu lực; thời hạn tương ứng theo luật mới "
                "chưa được xác nhận — hãy hỏi cơ quan thi hành án.")
    if due is not None and limit.old_regime:
        return (f"Tính từ ngày {fmt_date(began)} theo thời hạn của văn bản cũ; thời hạn tương ứng theo Luật THADS 2025 "
                "chưa được xác nhận.")
    return None


def _item(c: Cited) -> dict[str, Any]:
    return {"text": c.sentence(), "figure": c.figure, "citation": c.citation, "old_regime": c.old_regime,
            "confirmed": c.confirmed, "note": c.note, "guide": c.guide}


def _for_role(items: tuple[Cited, ...], role: PartyRole | None) -> list[Cited]:
    return [c for c in items if role is None or role in c.roles]


def explain_stage(info: StageInfo, *, role: PartyRole | None, dates: dict[Stage, date], today: date) -> dict[str, Any]:
    limits = []
    for limit in info.limits:
        due = due_date_for(limit, dates)
        limits.append({**_item(limit), "due_date": due, "days_left": (due - today).days if due else None,
                       "due_note": _due_note(limit, dates, due)})
    actions = [_item(c) for c in _for_role(info.actions, role)]
    facts = [_item(c) for c in _for_role(info.facts, role)]
    meaning = [c.sentence() for c in info.meaning]
    out: dict[str, Any] = {
        "stage": info.stage.value,
        "stage_label": info.label,
        "step": info.step,
        "steps_total": STEPS_TOTAL,
        "meaning": meaning,
        "next_step": info.next_step,
        "next_limits": limits,
        "facts": facts,
        "actions": actions,
        "notes": list(info.notes),
        "guides": [{"topic": g, "title": GUIDE_TITLES[g]} for g in info.guides],
        "legal_notice": NEW_LAW_NOTE,
    }
    out["text"] = _stage_text(out)
    return out


def _stage_text(out: dict[str, Any]) -> str:
    step = f" (bước {out['step']}/{out['steps_total']})" if out["step"] else ""
    lines = [f"Tình trạng: {out['stage_label']}{step}.", *out["meaning"], f"Bước tiếp theo: {out['next_step']}"]
    for limit in out["next_limits"]:
        line = f"- {limit['text']}"
        if limit["due_date"]:
            line += f" Hạn dự kiến: {fmt_date(limit['due_date'])}."
        if limit["due_note"]:
            line += f" {limit['due_note']}"
        lines.append(line)
    if out["facts"]:
        lines.append("Bạn nên biết:")
        lines += [f"- {f['text']}" for f in out["facts"]]
    if out["actions"]:
        lines.append("Bạn có thể làm gì bây giờ:")
        lines += [f"- {a['text']}" + (f" {a['note']}" if a["note"] else "") for a in out["actions"]]
    lines += [f"Lưu ý: {n}" for n in out["notes"]]
    lines.append(out["legal_notice"])
    return "\n".join(lines)


def stage_dates(case: EnforcementCase) -> dict[Stage, date]:
    """The latest registry date for each stage the case went through; the current stage's date wins."""
    dates: dict[Stage, date] = {}
    for ev in sorted(case.events, key=lambda e: (e.on, e.id or 0)):
        dates[Stage(ev.stage)] = ev.on
    if case.stage_since:
        dates[Stage(case.stage)] = case.stage_since
    return dates


def amounts(case: EnforcementCase) -> dict[str, Any] | None:
    if case.amount_due is None and case.amount_paid is None:
        return None
    due, paid = case.amount_due, case.amount_paid or 0
    remaining = max(due - paid, 0) if due is not None else None
    parts = []
    if due is not None:
        parts.append(f"Số tiền phải thi hành: {fmt_vnd(due)}")
    parts.append(f"đã thi hành: {fmt_vnd(paid)}")
    if remaining is not None:
        parts.append(f"còn lại: {fmt_vnd(remaining)}")
    return {"due": due, "paid": paid, "remaining": remaining, "currency": "VND", "text": "; ".join(parts) + "."}


def summary(case: EnforcementCase, party: CaseParty) -> dict[str, Any]:
    """A short line per case for "my cases" lists."""
    info = stage_info(case.stage, case.classification)
    return {"ref": case.ref, "case_number": case.case_number, "office": case.office, "your_role": party.role,
            "your_role_label": ROLE_LABELS[PartyRole(party.role)], "stage": case.stage, "stage_label": info.label,
            "stage_since": case.stage_since, "closed": Stage(case.stage) in CLOSED_STAGES}


def explain_case(case: EnforcementCase, party: CaseParty, *, today: date, notify: bool | None = None) -> dict[str, Any]:
    """Everything the party may see about their own case."""
    role = PartyRole(party.role)
    info = stage_info(case.stage, case.classification)
    body = explain_stage(info, role=role, dates=stage_dates(case), today=today)
    money = amounts(case)
    classification = Classification(case.classification) if case.classification else None
    history = [{"date": ev.on, "stage": ev.stage, "stage_label": stage_info(ev.stage, None).label, "note": ev.note}
               for ev in sorted(case.events, key=lambda e: (e.on, e.id or 0))]
    head = [f"Hồ sơ thi hành án số {case.case_number} — {case.office}.",
            f"Bạn là: {ROLE_LABELS[role]}."]
    if case.obligation:
        head.append(f"Nội dung phải thi hành: {case.obligation}.")
    if case.stage_since:
        head.append(f"Từ ngày {fmt_date(case.stage_since)}:")
    tail = []
    if money:
        tail.append(money["text"])
    if case.bailiff:
        tail.append(f"Chấp hành viên phụ trách: {case.bailiff}.")
    tail.append(f"Cơ quan thi hành án: {case.office}" + (f" ({case.office_contact})." if case.office_contact else "."))
    tail.append(OFFICE_NOTE)
    return {
        **summary(case, party),
        **body,
        "decision_number": case.decision_number,
        "obligation": case.obligation,
        "accepted_on": case.accepted_on,
        "classification": case.classification,
        "classification_label": CLASSIFICATION_LABELS[classification] if classification else None,
        "amounts": money,
        "bailiff": case.bailiff,
        "office_contact": case.office_contact,
        "office_note": OFFICE_NOTE,
        "history": history,
        "notifications": notify,
        "updated_at": case.updated_at,
        "text": "\n".join([*head, body["text"], *tail]),
    }
