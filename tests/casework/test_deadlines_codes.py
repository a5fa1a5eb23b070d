"""Legal time limits on Vietnam's calendar (weekends, Tết 2027) and tracking codes."""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from casework import codes
from casework.deadlines import RULES, CALENDAR, ComplaintTarget, Phase, Unit, compute_due, due_info, find_rule
from casework.states import Kind


def _tet_2027() -> list[date]:
    vn = holidays.country_holidays("VN", years=2027)
    return sorted(d for d, name in vn.items() if "Lunar New Year" in name)


def test_working_days_skip_weekend():
    rule = find_rule(Phase.ACCEPTANCE, Kind.COMPLAINT, 1)
    assert (rule.amount, rule.unit) == (5, Unit.WORKING_DAYS)
    # Received Thursday 2027-03-11: Fri 12, Mon 15, Tue 16, Wed 17, Thu 18.
    assert compute_due(date(2027, 3, 11), rule) == date(2027, 3, 18)


def test_working_days_across_tet_2027():
    tet = _tet_2027()
    assert date(2027, 2, 6) in tet  # the library's Lunar New Year (mùng 1 Tết)
    rule = find_rule(Phase.ACCEPTANCE, Kind.COMPLAINT, 1)
    day_before = date(2027, 2, 3)
    due = compute_due(day_before, rule)
    assert due == date(2027, 2, 17)  # Tết 04–10/02 and the weekend do not count
    counted = [d for d in (date.fromordinal(o) for o in range(day_before.toordinal() + 1, due.toordinal() + 1))
               if CALENDAR.is_working_day(d)]
    assert len(counted) == 5 and not set(counted) & set(tet)


def test_calendar_days_do_not_skip_holidays():
    rule = find_rule(Phase.ACCEPTANCE, Kind.COMPLAINT, 2)
    assert (rule.amount, rule.unit) == (10, Unit.DAYS)
    assert compute_due(date(2027, 2, 3), rule) == date(2027, 2, 13)


@pytest.mark.parametrize(("level", "target", "expected"), [
    (1, ComplaintTarget.PRE_MEASURE, (15, Unit.DAYS)),
    (2, ComplaintTarget.PRE_MEASURE, (30, Unit.DAYS)),
    (1, ComplaintTarget.ACCOUNT_FREEZE, (5, Unit.WORKING_DAYS)),
    (1, ComplaintTarget.OTHER_SECURITY, (5, Unit.WORKING_DAYS)),
    (1, ComplaintTarget.COERCIVE, (30, Unit.DAYS)),
    (2, ComplaintTarget.COERCIVE, (45, Unit.DAYS)),
    (1, ComplaintTarget.POST_COERCION, (15, Unit.DAYS)),
    (2, ComplaintTarget.POST_COERCION, (30, Unit.DAYS)),
])
def test_resolution_limits_match_facts_sheet(level, target, expected):
    rule = find_rule(Phase.RESOLUTION, Kind.COMPLAINT, level, target)
    assert (rule.amount, rule.unit) == expected and "Điều 146" in rule.legal_basis


def test_no_invented_limits_and_unconfirmed_marked():
    assert find_rule(Phase.RESOLUTION, Kind.COMPLAINT, 2, ComplaintTarget.ACCOUNT_FREEZE) is None  # "—" in the table
    assert find_rule(Phase.ACCEPTANCE, Kind.FEEDBACK) is None
    denunciation = find_rule(Phase.RESOLUTION, Kind.DENUNCIATION)
    assert not denunciation.confirmed and "CHƯA XÁC NHẬN" in denunciation.note
    assert all(r.legal_basis for r in RULES)


def test_due_info():
    today = date(2027, 3, 10)
    assert due_info(date(2027, 3, 9), today=today, due_soon_days=3).overdue
    soon = due_info(date(2027, 3, 12), today=today, due_soon_days=3)
    assert soon.due_soon and soon.days_left == 2 and not soon.overdue
    assert due_info(None, today=today, due_soon_days=3).days_left is None


def test_codes_format_and_check_character():
    code = codes.make_code(Kind.RECOMMENDATION, 2026)
    assert code.startswith("KNG-2026-") and codes.is_valid_code(code)
    assert codes.kind_of_code(code) == Kind.RECOMMENDATION
    assert not set("01ILO") & set(code.split("-")[-1])
    body = code.split("-")[-1]
    for i in range(len(body)):  # every single-character typo is caught
        for c in codes.ALPHABET:
            if c != body[i]:
                assert not codes.is_valid_code(code[: -len(body)] + body[:i] + c + body[i + 1:])
    for i in range(len(body) - 1):  # every adjacent swap is caught
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            assert not codes.is_valid_code(code[: -len(body)] + swapped)
    assert codes.normalize_code(f"  {code.lower()} ") == code


def test_secret_hash_and_derivation():
    secret = codes.make_secret()
    stored = codes.hash_secret(secret)
    assert secret not in stored and codes.verify_secret(secret, stored) and not codes.verify_secret("X" * 10, stored)
    assert codes.derive_secret(b"k", "idem-1") == codes.derive_secret(b"k", "idem-1") != codes.derive_secret(b"k", "idem-2")
