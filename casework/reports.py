"""Report aggregates for the dashboard: submissions over time by kind, status breakdown, on-time vs
overdue by office, median days to acceptance and to resolution. Counts only: no identity, no content.
Scoped like the queue (a staff member of one office sees that office)."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select

from casework.db import Database
from casework.deadlines import local_date
from casework.errors import Forbidden
from casework.models import Submission
from casework.privacy import Permission, Principal
from casework.states import KIND_LABELS, OPEN_STATUSES, STATUS_LABELS, Kind, Status

Granularity = Literal["week", "month"]
NO_OFFICE = "(chưa xác định)"


@dataclass
class OfficeTimeliness:
    office: str
    on_time: int = 0
    overdue: int = 0


@dataclass
class Report:
    granularity: Granularity
    periods: list[date]  # start of each bucket, oldest first
    by_period: dict[str, list[int]]  # kind → count per bucket
    by_status: dict[str, int]
    by_office: list[OfficeTimeliness]
    median_days_to_acceptance: float | None
    median_days_to_resolution: float | None
    accepted_count: int
    resolved_count: int
    total: int
    today: date
    kinds: list[str] = field(default_factory=list)


def _bucket(day: date, granularity: Granularity) -> date:
    return day - timedelta(days=day.weekday()) if granularity == "week" else day.replace(day=1)


def _periods(today: date, granularity: Granularity, count: int) -> list[date]:
    if granularity == "week":
        start = _bucket(today, "week")
        return [start - timedelta(weeks=i) for i in range(count - 1, -1, -1)]
    out, cursor = [], today.replace(day=1)
    for _ in range(count):
        out.append(cursor)
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    return out[::-1]


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def late(row: Any, today: date) -> bool | None:
    """Did the item miss a legal limit: acceptance or resolution after its limit, or an open item past
    its running limit? None when the item never had a limit (nothing to be on time for)."""
    if row.acceptance_due is None and row.resolution_due is None and row.due_date is None:
        return None
    if row.accepted_at is not None and row.acceptance_due is not None and local_date(row.accepted_at) > row.acceptance_due:
        return True
    if row.resolved_at is not None and row.resolution_due is not None and local_date(row.resolved_at) > row.resolution_due:
        return True
    return bool(Status(row.status) in OPEN_STATUSES and row.due_date is not None and row.due_date < today)


def build(db: Database, principal: Principal, *, today: date, granularity: Granularity = "week", count: int = 12) -> Report:
    if not principal.can(Permission.STATS):
        raise Forbidden("Tài khoản của bạn không có quyền xem báo cáo.")
    cols = (Submission.kind, Submission.status, Submission.office, Submission.received_at, Submission.accepted_at,
            Submission.resolved_at, Submission.acceptance_due, Submission.resolution_due, Submission.due_date)
    query = select(*cols)
    if principal.office is not None:
        query = query.where(Submission.office == principal.office)
    with db.read() as s:
        rows = s.execute(query).all()

    periods = _periods(today, granularity, count)
    index = {p: i for i, p in enumerate(periods)}
    kinds = [k.value for k in Kind]
    by_period = {k: [0] * len(periods) for k in kinds}
    by_status = {st.value: 0 for st in Status}
    offices: dict[str, OfficeTimeliness] = {}
    to_accept, to_resolve = [], []
    for row in rows:
        slot = index.get(_bucket(local_date(row.received_at), granularity))
        if slot is not None and row.kind in by_period:
            by_period[row.kind][slot] += 1
        by_status[row.status] = by_status.get(row.status, 0) + 1
        verdict = late(row, today)
        if verdict is not None:
            office = offices.setdefault(row.office or NO_OFFICE, OfficeTimeliness(row.office or NO_OFFICE))
            if verdict:
                office.overdue += 1
            else:
                office.on_time += 1
        if row.accepted_at is not None:
            to_accept.append(_days(row.received_at, row.accepted_at))
        if row.resolved_at is not None:
            to_resolve.append(_days(row.received_at, row.resolved_at))
    return Report(
        granularity=granularity, periods=periods, by_period=by_period, by_status=by_status,
        by_office=sorted(offices.values(), key=lambda o: (-o.overdue, o.office)),
        median_days_to_acceptance=round(statistics.median(to_accept), 1) if to_accept else None,
        median_days_to_resolution=round(statistics.median(to_resolve), 1) if to_resolve else None,
        accepted_count=len(to_accept), resolved_count=len(to_resolve), total=len(rows), today=today, kinds=kinds,
    )


def to_csv(report: Report) -> str:
    """One long table (section, key, sub-key, value), UTF-8 with BOM for Excel."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(["muc", "khoa", "chi_tiet", "gia_tri"])
    unit = "tuần bắt đầu" if report.granularity == "week" else "tháng"
    for kind, counts in report.by_period.items():
        for start, n in zip(report.periods, counts):
            w.writerow(["Số đơn theo thời gian", f"{unit} {start.isoformat()}", KIND_LABELS[Kind(kind)], n])
    for status, n in report.by_status.items():
        w.writerow(["Theo trạng thái", STATUS_LABELS[Status(status)], "", n])
    for office in report.by_office:
        w.writerow(["Đúng hạn / quá hạn theo cơ quan", _cell(office.office), "Đúng hạn", office.on_time])
        w.writerow(["Đúng hạn / quá hạn theo cơ quan", _cell(office.office), "Quá hạn", office.overdue])
    w.writerow(["Thời gian xử lý", "Trung vị số ngày đến khi thụ lý", f"{report.accepted_count} hồ sơ",
                "" if report.median_days_to_acceptance is None else report.median_days_to_acceptance])
    w.writerow(["Thời gian xử lý", "Trung vị số ngày đến khi giải quyết", f"{report.resolved_count} hồ sơ",
                "" if report.median_days_to_resolution is None else report.median_days_to_resolution])
    return out.getvalue()


def _cell(text: str) -> str:
    """Office names come from submissions: neutralise spreadsheet formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
