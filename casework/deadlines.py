"""Legal time limits as data, counted on Vietnam's calendar (working days from the `holidays` library).

Every rule carries its legal basis from the facts sheet; rules the facts sheet marks UNCONFIRMED are
marked `confirmed=False` and their note says why. Nothing here is a number the facts sheet lacks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

import holidays

from casework.states import Kind

# Vietnam has one time zone and no daylight saving: a fixed offset needs no tz database.
VN_TZ = timezone(timedelta(hours=7), "ICT")


class Phase(StrEnum):
    FILING = "filing"  # how long the citizen has to complain
    ACCEPTANCE = "acceptance"  # how long the agency has to accept (thụ lý)
    RESOLUTION = "resolution"  # how long the agency has to resolve, counted from acceptance


class Unit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"


UNIT_LABELS = {Unit.DAYS: "ngày", Unit.WORKING_DAYS: "ngày làm việc"}


class ComplaintTarget(StrEnum):
    """What a complaint challenges (Điều 140.2 / 146 tables)."""

    PRE_MEASURE = "pre_measure"
    ACCOUNT_FREEZE = "account_freeze"
    OTHER_SECURITY = "other_security"
    COERCIVE = "coercive"
    POST_COERCION = "post_coercion"


TARGET_LABELS: dict[ComplaintTarget, str] = {
    ComplaintTarget.PRE_MEASURE: "Quyết định, hành vi trước khi áp dụng biện pháp bảo đảm, cưỡng chế",
    ComplaintTarget.ACCOUNT_FREEZE: "Biện pháp phong tỏa tài khoản",
    ComplaintTarget.OTHER_SECURITY: "Biện pháp bảo đảm khác",
    ComplaintTarget.COERCIVE: "Biện pháp cưỡng chế",
    ComplaintTarget.POST_COERCION: "Quyết định, hành vi sau khi áp dụng biện pháp cưỡng chế",
}

_SECURITY = (ComplaintTarget.ACCOUNT_FREEZE, ComplaintTarget.OTHER_SECURITY)


@dataclass(frozen=True)
class DeadlineRule:
    code: str
    phase: Phase
    kind: Kind
    amount: int
    unit: Unit
    legal_basis: str
    description: str  # Vietnamese, shown to staff and citizens
    level: int | None = None  # complaint level (1 first, 2 second); None = any
    targets: tuple[ComplaintTarget, ...] = ()  # empty = any target
    confirmed: bool = True
    note: str | None = None
    max_extension_days: int | None = None

    def matches(self, phase: Phase, kind: Kind, level: int | None, target: ComplaintTarget | None) -> bool:
        if (self.phase, self.kind) != (phase, kind):
            return False
        if self.level is not None and self.level != (level or 1):
            return False
        return not self.targets or (target or ComplaintTarget.PRE_MEASURE) in self.targets

    @property
    def label(self) -> str:
        return f"{self.amount} {UNIT_LABELS[self.unit]}"


_L = "Luật Thi hành án dân sự 2008 (sửa đổi)"
_EXT = "Vụ việc phức tạp hoặc ở vùng sâu, vùng xa có thể kéo dài thêm không quá 30 ngày (Điều 146)."

RULES: tuple[DeadlineRule, ...] = (
    # Điều 140.2: the citizen's window to complain.
    DeadlineRule("complaint_filing_pre_measure", Phase.FILING, Kind.COMPLAINT, 15, Unit.DAYS,
                 f"{_L}, Điều 140 khoản 2", "Thời hiệu khiếu nại quyết định, hành vi trước khi áp dụng biện pháp bảo đảm, cưỡng chế (kể từ ngày nhận được hoặc biết được)",
                 level=1, targets=(ComplaintTarget.PRE_MEASURE,)),
    DeadlineRule("complaint_filing_account_freeze", Phase.FILING, Kind.COMPLAINT, 3, Unit.WORKING_DAYS,
                 f"{_L}, Điều 140 khoản 2", "Thời hiệu khiếu nại biện pháp phong tỏa tài khoản",
                 level=1, targets=(ComplaintTarget.ACCOUNT_FREEZE,)),
    DeadlineRule("complaint_filing_other_security", Phase.FILING, Kind.COMPLAINT, 10, Unit.DAYS,
                 f"{_L}, Điều 140 khoản 2", "Thời hiệu khiếu nại biện pháp bảo đảm khác",
                 level=1, targets=(ComplaintTarget.OTHER_SECURITY,)),
    DeadlineRule("complaint_filing_coercive", Phase.FILING, Kind.COMPLAINT, 30, Unit.DAYS,
                 f"{_L}, Điều 140 khoản 2", "Thời hiệu khiếu nại biện pháp cưỡng chế",
                 level=1, targets=(ComplaintTarget.COERCIVE,)),
    DeadlineRule("complaint_filing_post_coercion", Phase.FILING, Kind.COMPLAINT, 30, Unit.DAYS,
                 f"{_L}, Điều 140 khoản 2", "Thời hiệu khiếu nại quyết định, hành vi sau khi áp dụng biện pháp cưỡng chế",
                 level=1, targets=(ComplaintTarget.POST_COERCION,)),
    DeadlineRule("complaint_filing_second", Phase.FILING, Kind.COMPLAINT, 15, Unit.DAYS,
                 f"{_L}, Điều 140 khoản 2", "Thời hiệu khiếu nại lần hai (kể từ ngày nhận quyết định giải quyết lần đầu)",
                 level=2),
    # Điều 148; TT 13 Điều 9: acceptance.
    DeadlineRule("complaint_accept_first", Phase.ACCEPTANCE, Kind.COMPLAINT, 5, Unit.WORKING_DAYS,
                 f"{_L}, Điều 148; Thông tư 13/2021/TT-BTP, Điều 9", "Thời hạn thụ lý khiếu nại lần đầu", level=1),
    DeadlineRule("complaint_accept_second", Phase.ACCEPTANCE, Kind.COMPLAINT, 10, Unit.DAYS,
                 f"{_L}, Điều 148; Thông tư 13/2021/TT-BTP, Điều 9", "Thời hạn thụ lý khiếu nại lần hai", level=2),
    # Điều 146: resolution, counted from acceptance.
    DeadlineRule("complaint_resolve_first_pre_measure", Phase.RESOLUTION, Kind.COMPLAINT, 15, Unit.DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại lần đầu (trước khi áp dụng biện pháp bảo đảm, cưỡng chế)",
                 level=1, targets=(ComplaintTarget.PRE_MEASURE,), note=_EXT, max_extension_days=30),
    DeadlineRule("complaint_resolve_second_pre_measure", Phase.RESOLUTION, Kind.COMPLAINT, 30, Unit.DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại lần hai (trước khi áp dụng biện pháp bảo đảm, cưỡng chế)",
                 level=2, targets=(ComplaintTarget.PRE_MEASURE,), note=_EXT, max_extension_days=30),
    DeadlineRule("complaint_resolve_first_security", Phase.RESOLUTION, Kind.COMPLAINT, 5, Unit.WORKING_DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại về biện pháp bảo đảm",
                 level=1, targets=_SECURITY),
    DeadlineRule("complaint_resolve_first_coercive", Phase.RESOLUTION, Kind.COMPLAINT, 30, Unit.DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại lần đầu về biện pháp cưỡng chế",
                 level=1, targets=(ComplaintTarget.COERCIVE,), note=_EXT, max_extension_days=30),
    DeadlineRule("complaint_resolve_second_coercive", Phase.RESOLUTION, Kind.COMPLAINT, 45, Unit.DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại lần hai về biện pháp cưỡng chế",
                 level=2, targets=(ComplaintTarget.COERCIVE,), note=_EXT, max_extension_days=30),
    DeadlineRule("complaint_resolve_first_post_coercion", Phase.RESOLUTION, Kind.COMPLAINT, 15, Unit.DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại lần đầu (sau khi áp dụng biện pháp cưỡng chế)",
                 level=1, targets=(ComplaintTarget.POST_COERCION,), note=_EXT, max_extension_days=30),
    DeadlineRule("complaint_resolve_second_post_coercion", Phase.RESOLUTION, Kind.COMPLAINT, 30, Unit.DAYS,
                 f"{_L}, Điều 146", "Thời hạn giải quyết khiếu nại lần hai (sau khi áp dụng biện pháp cưỡng chế)",
                 level=2, targets=(ComplaintTarget.POST_COERCION,), note=_EXT, max_extension_days=30),
    # Denunciations (TT 13 Điều 16–17; Luật Tố cáo 2018 Điều 30 vs Law 2008 Điều 157).
    DeadlineRule("denunciation_accept", Phase.ACCEPTANCE, Kind.DENUNCIATION, 7, Unit.WORKING_DAYS,
                 "Thông tư 13/2021/TT-BTP, Điều 16–17", "Thời hạn thụ lý tố cáo",
                 note="Trường hợp cần xác minh: 10 ngày làm việc. Thông báo cho người tố cáo trong 05 ngày làm việc kể từ ngày thụ lý."),
    DeadlineRule("denunciation_resolve", Phase.RESOLUTION, Kind.DENUNCIATION, 30, Unit.DAYS,
                 "Luật Tố cáo 2018, Điều 30", "Thời hạn giải quyết tố cáo (kể từ ngày thụ lý)",
                 confirmed=False,
                 note="CHƯA XÁC NHẬN: Luật Thi hành án dân sự 2008, Điều 157 quy định 60 ngày (vụ việc phức tạp không quá 90 ngày); "
                      "chưa xác định quy định nào được áp dụng trên thực tế. Hệ thống dùng thời hạn ngắn hơn để không trễ hạn."),
)


def find_rule(phase: Phase, kind: Kind, level: int | None = None, target: ComplaintTarget | None = None) -> DeadlineRule | None:
    """The rule for this situation, or None where the facts sheet gives no legal limit."""
    return next((r for r in RULES if r.matches(phase, kind, level, target)), None)


def rule_by_code(code: str | None) -> DeadlineRule | None:
    return next((r for r in RULES if r.code == code), None) if code else None


class VietnamCalendar:
    """Working days: Mon–Fri minus public holidays (Tết included) plus swapped working Saturdays."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cal = holidays.country_holidays("VN", years=range(2015, 2041))

    def is_working_day(self, day: date) -> bool:
        with self._lock:  # the holidays object fills new years lazily; keep that single-threaded
            return bool(self._cal.is_working_day(day))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (the day of receipt itself is not counted)."""
        with self._lock:
            return self._cal.get_nth_working_day(start, n)


CALENDAR = VietnamCalendar()


def compute_due(start: date, rule: DeadlineRule, calendar: VietnamCalendar = CALENDAR) -> date:
    if rule.unit is Unit.WORKING_DAYS:
        return calendar.add_working_days(start, rule.amount)
    return start + timedelta(days=rule.amount)


def local_date(moment: datetime) -> date:
    """The date in Vietnam of an aware timestamp: deadlines run on local days."""
    return moment.astimezone(VN_TZ).date()


def today_local(now: datetime | None = None) -> date:
    return local_date(now or datetime.now(timezone.utc))


@dataclass(frozen=True)
class DueInfo:
    due_date: date | None
    days_left: int | None
    overdue: bool
    due_soon: bool


def due_info(due: date | None, *, today: date, due_soon_days: int) -> DueInfo:
    if due is None:
        return DueInfo(None, None, False, False)
    left = (due - today).days
    return DueInfo(due, left, left < 0, 0 <= left <= due_soon_days)
