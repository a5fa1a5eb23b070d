"""Verified lookup: signed link codes (signing, expiry, tampering), ID-last-4 + birth date against
hashes, lockout after failures shared through the database, and case isolation."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from casework.cases import CaseConfig, CaseService, Citizen, LinkExpired, LookupLocked
from casework.cases import crypto
from casework.db import Database
from casework.errors import InvalidInput, NotFound
from case_helpers import CREDITOR, DEBTOR, case_ref, load_examples, staff

KEY = b"k" * 32
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


def test_code_round_trip_fits_telegram_start():
    code = crypto.make_link_code(KEY, 123456, 7, NOW + timedelta(days=90))
    assert len(code) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", code) and crypto.looks_like_link_code(code)
    claim = crypto.read_link_code(KEY, code, now=NOW)
    assert (claim.party_id, claim.epoch) == (123456, 7)


def test_tampered_or_foreign_codes_are_rejected():
    code = crypto.make_link_code(KEY, 42, 0, NOW + timedelta(days=1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(1, len(code)):  # every position, changed to another valid character
        forged = code[:i] + alphabet[(alphabet.index(code[i]) + 1) % 64] + code[i + 1:]
        with pytest.raises(crypto.LinkCodeError) as err:
            crypto.read_link_code(KEY, forged, now=NOW)
        assert not err.value.expired
    with pytest.raises(crypto.LinkCodeError):
        crypto.read_link_code(b"another-server-key", code, now=NOW)
    for junk in ("", "c", code[:-1], code + "A", "x" + code[1:], "c" + "=" * 36):
        with pytest.raises(crypto.LinkCodeError):
            crypto.read_link_code(KEY, junk, now=NOW)


def test_codes_expire():
    code = crypto.make_link_code(KEY, 42, 0, NOW + timedelta(days=1))
    crypto.read_link_code(KEY, code, now=NOW + timedelta(hours=23))
    with pytest.raises(crypto.LinkCodeError) as err:
        crypto.read_link_code(KEY, code, now=NOW + timedelta(days=1))
    assert err.value.expired


def _code_for(svc: CaseService, db, number: str, role: str, *, now=None) -> str:
    principal = staff(db)
    ref = case_ref(svc, number)
    party = next(p for p in svc.view(principal, ref)["parties"] if p["role"] == role)
    return svc.issue_link_code(principal, ref, party["ref"], now=now)["code"]


def test_link_with_code_then_only_own_cases_are_visible(svc, db, examples):
    load_examples(svc, examples)
    code = _code_for(svc, db, "125/2026/TLTHA", "debtor")
    me, stranger = Citizen.telegram(1), Citizen.telegram(2)
    result = svc.link_with_code(me, code)
    assert result.created and result.cases[0]["your_role"] == "debtor"
    assert not svc.link_with_code(me, code).created  # idempotent
    ref = result.cases[0]["ref"]
    assert svc.case_status(me, ref)["your_role"] == "debtor"
    assert svc.my_cases(stranger) == []
    with pytest.raises(NotFound):
        svc.case_status(stranger, ref)
    with pytest.raises(NotFound):
        svc.case_status(me, case_ref(svc, "77/2019/TLTHA"))  # exists, but not theirs
    svc.unlink(me, ref)
    assert svc.my_cases(me) == []


def test_expired_and_revoked_codes(svc, db, examples):
    load_examples(svc, examples)
    old = _code_for(svc, db, "125/2026/TLTHA", "creditor", now=datetime.now(timezone.utc) - timedelta(days=91))
    with pytest.raises(LinkExpired):
        svc.link_with_code(Citizen.telegram(5), old)
    principal = staff(db, "truongphong")
    ref = case_ref(svc, "125/2026/TLTHA")
    party = next(p for p in svc.view(principal, ref)["parties"] if p["role"] == "creditor")
    fresh = svc.issue_link_code(principal, ref, party["ref"])["code"]
    svc.revoke_link_codes(principal, ref, party["ref"])
    with pytest.raises(LinkExpired):
        svc.link_with_code(Citizen.telegram(5), fresh)
    # Genuine-but-old codes are not guesses: they never lock anyone out (max_failures=3 here).
    for _ in range(5):
        with pytest.raises(LinkExpired):
            svc.link_with_code(Citizen.telegram(5), old)
    svc.link_with_identity(Citizen.telegram(5), **CREDITOR)


def test_link_with_identity_matches_hashes_only_for_the_right_person(svc, db, examples):
    load_examples(svc, examples)
    me = Citizen.telegram(10)
    result = svc.link_with_identity(me, "  125/2026/tltha ", "2345", date(1985, 4, 12))  # spacing and case do not matter
    assert [c["your_role"] for c in result.cases] == ["creditor"]
    with pytest.raises(NotFound):
        svc.link_with_identity(Citizen.telegram(11), "125/2026/TLTHA", "2345", date(1985, 4, 13))
    with pytest.raises(NotFound):  # the debtor's ID digits with the creditor's birth date
        svc.link_with_identity(Citizen.telegram(11), "125/2026/TLTHA", "8765", date(1985, 4, 12))
    with pytest.raises(InvalidInput):
        svc.link_with_identity(Citizen.telegram(11), "125/2026/TLTHA", "23a5", date(1985, 4, 12))
    with pytest.raises(NotFound):  # a party with no ID on file (a company) can never be matched
        svc.link_with_identity(Citizen.telegram(11), "77/2019/TLTHA", "0000", date(2000, 1, 1))


def test_lockout_after_failures_is_shared_by_processes_and_expires(svc, db_url, examples):
    load_examples(svc, examples)
    chat = Citizen.telegram(20)
    for _ in range(3):  # max_failures=3 in the fixture
        with pytest.raises(NotFound):
            svc.link_with_identity(chat, **{**CREDITOR, "id_last4": "0000"})
    with pytest.raises(LookupLocked) as locked:
        svc.link_with_identity(chat, **CREDITOR)  # even the right answer is refused while locked
    assert 0 < locked.value.retry_after <= 30 * 60 and "phút" in locked.value.message
    with pytest.raises(LookupLocked):  # tampered codes from the same chat: refused as well
        svc.link_with_code(chat, "c" + "A" * 36)
    other = Database(db_url)  # another process: same database, same lock
    try:
        second = CaseService(other, CaseConfig(signing_key=b"test-secret", max_failures=3))
        with pytest.raises(LookupLocked):
            second.link_with_identity(chat, **CREDITOR)
        # A different chat is not affected; the lock lifts after its time.
        assert second.link_with_identity(Citizen.telegram(21), **CREDITOR).created
        later = datetime.now(timezone.utc) + timedelta(minutes=31)
        assert second.link_with_identity(chat, **CREDITOR, now=later).created
    finally:
        other.dispose()


def test_bad_codes_count_towards_the_lockout(svc, db, examples):
    load_examples(svc, examples)
    chat = Citizen.telegram(30)
    good = _code_for(svc, db, "125/2026/TLTHA", "creditor")
    for i in range(3):
        with pytest.raises(NotFound):
            svc.link_with_code(chat, good[:-1] + ("A" if good[-1] != "A" else "B"))
    with pytest.raises(LookupLocked):
        svc.link_with_code(chat, good)


def test_successes_do_not_reset_earlier_failures(svc, db, examples):
    load_examples(svc, examples)
    chat = Citizen.telegram(40)
    for _ in range(2):
        with pytest.raises(NotFound):
            svc.link_with_identity(chat, **{**DEBTOR, "id_last4": "0000"})
    svc.link_with_identity(chat, **CREDITOR)  # a success in between ...
    with pytest.raises(NotFound):
        svc.link_with_identity(chat, **{**DEBTOR, "id_last4": "0001"})
    with pytest.raises(LookupLocked):  # ... did not wipe the two failures before it
        svc.link_with_identity(chat, **DEBTOR)


def test_distributed_guessing_locks_the_case_number(svc, db, examples):
    load_examples(svc, examples)
    for i in range(12):  # 4× the per-chat limit, spread over chats that each stay under it
        with pytest.raises(NotFound):
            svc.link_with_identity(Citizen.telegram(100 + i // 3), **{**CREDITOR, "id_last4": f"{i:04d}"})
    with pytest.raises(LookupLocked):
        svc.link_with_identity(Citizen.telegram(999), **CREDITOR)
    assert svc.link_with_identity(Citizen.telegram(999), "77/2019/TLTHA", "1122", date(1990, 1, 5)).created


def test_linked_case_numbers_for_a_chat(svc, db, examples):
    from casework.cases.citizen import linked_case_numbers

    load_examples(svc, examples)
    svc.link_with_identity(Citizen.telegram(50), **CREDITOR)
    assert linked_case_numbers(db, "50") == ["125/2026/TLTHA"]
    assert linked_case_numbers(db, 51) == []
