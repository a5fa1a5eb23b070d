"""Intake idempotency, citizen isolation, anonymous tips, race-free claims and identity protection."""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from casework import consent, intake
from casework.errors import Conflict, InvalidInput, NotFound
from casework.models import AuditEvent, Consent, OutboxMessage, Submission
from casework.privacy import REDACTED, Role
from casework.queue import Filters, StaffQueue
from casework.states import Channel, Kind, Status
from helpers import staff, submit


def _request(key: str, content: str = "Chậm thi hành án đã 3 năm.") -> intake.IntakeRequest:
    return intake.IntakeRequest(kind=Kind.COMPLAINT, content=content, channel=Channel.API,
                                contact=intake.Contact(name="Trần B", chat_id="77"), consent_version=consent.NOTICE_VERSION,
                                idempotency_key=key)


def test_same_idempotency_key_concurrently_creates_one(db, cfg):
    barrier = threading.Barrier(10)

    def go(_):
        barrier.wait()
        return intake.submit(db, _request("key-1"), cfg)

    with ThreadPoolExecutor(10) as pool:
        receipts = list(pool.map(go, range(10)))
    assert len({r.code for r in receipts}) == 1
    assert len({r.secret for r in receipts}) == 1 and sum(r.created for r in receipts) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
    with pytest.raises(InvalidInput):  # same key, different request
        intake.submit(db, _request("key-1", "Nội dung khác"), cfg)


def test_consent_must_be_explicit(db, cfg):
    req = intake.IntakeRequest(kind=Kind.COMPLAINT, content="x", channel=Channel.API, contact=intake.Contact(phone="0912345678"))
    with pytest.raises(InvalidInput) as err:
        intake.submit(db, req, cfg)
    assert err.value.field == "consent"
    r = submit(db, cfg)
    with db.read() as s:
        row = s.scalar(select(Consent).join(Submission, Submission.id == Consent.submission_id).where(Submission.code == r.code))
    assert row.notice_version == consent.NOTICE_VERSION and row.purposes and row.given_at is not None


def test_citizen_sees_only_own_item(db, cfg):
    a = submit(db, cfg, chat_id="111")
    b = submit(db, cfg, chat_id="222")
    assert intake.status(db, a.code, secret=a.secret)["code"] == a.code
    assert intake.status(db, a.code, chat_id="111")["code"] == a.code
    for kwargs in ({"secret": b.secret}, {"chat_id": "222"}, {"secret": "WRONGWRONG"}):
        with pytest.raises(NotFound):
            intake.status(db, a.code, **kwargs)
        with pytest.raises(NotFound):
            intake.withdraw(db, a.code, **kwargs)
    view = intake.status(db, a.code, secret=a.secret)
    assert "citizen_name" not in view and "chat_id" not in view
    assert [x["code"] for x in intake.list_for_chat(db, "222")] == [b.code]


def test_anonymous_tip_gets_receipt_only(db, cfg):
    r = submit(db, cfg, kind=Kind.DENUNCIATION, anonymous=True, content="Cán bộ X nhận tiền của đương sự.")
    assert r.secret is None and "không ghi danh" in r.message
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        sub = s.scalar(select(Submission).where(Submission.code == r.code))
        assert sub.chat_id is None and sub.citizen_name is None and sub.confidential
    with pytest.raises(InvalidInput):
        intake.submit(db, intake.IntakeRequest(kind=Kind.DENUNCIATION, content="x", channel=Channel.API, anonymous=True,
                                               contact=intake.Contact(phone="0912345678")), cfg)
    with pytest.raises(InvalidInput):
        intake.submit(db, intake.IntakeRequest(kind=Kind.COMPLAINT, content="x", channel=Channel.API, anonymous=True), cfg)
    q = StaffQueue(db, cfg)
    boss = staff(db, "boss", Role.SUPERVISOR)
    q.transition(boss, r.code, Status.NOT_ACCEPTED, reason="denunciation_anonymous")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no notifications, ever


def test_two_handlers_claim_one_item_one_wins(db, cfg):
    q = StaffQueue(db, cfg)
    h1, h2 = staff(db, "h1"), staff(db, "h2")
    for _ in range(5):
        r = submit(db, cfg)
        barrier = threading.Barrier(2)

        def claim(p):
            barrier.wait()
            try:
                q.claim(p, r.code)
                return p.username
            except Conflict:
                return None

        with ThreadPoolExecutor(2) as pool:
            winners = [w for w in pool.map(claim, [h1, h2]) if w]
        assert len(winners) == 1
        detail = q.detail(h1, r.code, with_regulations=False)
        assert detail["assignee"] == winners[0]


def test_claim_next_hands_out_distinct_items(db, cfg):
    q = StaffQueue(db, cfg)
    for _ in range(6):
        submit(db, cfg)
    handlers = [staff(db, f"n{i}") for i in range(3)]
    barrier = threading.Barrier(3)

    def take(p):
        barrier.wait()
        return [q.claim_next(p)["code"] for _ in range(2)]

    with ThreadPoolExecutor(3) as pool:
        codes = [c for batch in pool.map(take, handlers) for c in batch]
    assert len(codes) == len(set(codes)) == 6
    assert q.claim_next(handlers[0]) is None


def test_other_office_is_not_found(db, cfg):
    q = StaffQueue(db, cfg)
    r = submit(db, cfg, office="THADS tỉnh Gia Lai")
    outsider = staff(db, "hn", office="THADS TP Hà Nội")
    with pytest.raises(NotFound):
        q.detail(outsider, r.code)
    with pytest.raises(NotFound):
        q.claim(outsider, r.code)
    assert q.list(outsider, Filters())[1] == 0


def test_handler_never_sees_denouncer_identity(db, cfg):
    q = StaffQueue(db, cfg)
    r = submit(db, cfg, kind=Kind.DENUNCIATION, name="Lê Thị Tố Giác", phone="0987654321",
               content="Tôi tố cáo chấp hành viên nhận tiền.")
    handler, boss = staff(db, "handler"), staff(db, "boss", Role.SUPERVISOR)
    admin = staff(db, "admin", Role.ADMIN)
    for who in (handler, admin):
        item = q.detail(who, r.code, with_regulations=False)
        assert item["citizen_name"] == REDACTED and item["phone"] == REDACTED and item["chat_id"] == REDACTED
        listed = q.list(who, Filters())[0][0]
        assert listed["citizen_name"] == REDACTED
        exported = q.export_csv(who, Filters())
        assert "Lê Thị Tố Giác" not in exported and "0987654321" not in exported
        assert REDACTED in exported
    assert q.list(handler, Filters(text="Tố Giác"))[1] == 0  # identity is not searchable
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "identity_viewed")) == 0
    item = q.detail(boss, r.code, with_regulations=False)
    assert item["citizen_name"] == "Lê Thị Tố Giác" and item["phone"] == "0987654321"
    rows = list(csv.DictReader(io.StringIO(q.export_csv(boss, Filters()).lstrip("\ufeff"))))
    assert rows[0]["phone"] == "0987654321"
    with db.read() as s:
        audits = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "identity_viewed")))
    assert {a.actor_label for a in audits} == {"boss"} and len(audits) == 2


def test_triage_override_recomputes_deadline_and_becomes_example(db, cfg):
    q = StaffQueue(db, cfg)
    boss = staff(db, "boss", Role.SUPERVISOR)
    r = submit(db, cfg, content="Tôi không đồng ý với việc xử lý hồ sơ.")
    before = q.detail(boss, r.code, with_regulations=False)
    assert before["deadline"]["rule"]["code"] == "complaint_accept_first"
    after = q.update_triage(boss, r.code, {"topic": "phi_chi_phi", "complaint_level": 2}, note="Khiếu nại lần hai")
    assert after["topic"] == "phi_chi_phi" and after["deadline"]["rule"]["code"] == "complaint_accept_second"
    from casework.models import TriageExample

    with db.read() as s:
        ex = s.scalar(select(TriageExample))
    assert ex.topic == "phi_chi_phi" and ex.source == "override"


def test_related_regulations_through_the_protocol(db, cfg):
    class Hit:
        def __init__(self, n):
            self.text, self.citation, self.title, self.doc_id, self.in_force, self.score = f"đoạn {n}", f"Điều {n}", "Luật", f"d{n}", True, 1.0 / n

    class Search:
        queries: list[str] = []

        def search(self, query: str, k: int = 5):
            self.queries.append(query)
            return [Hit(i) for i in range(1, k + 1)]

    search = Search()
    boss = staff(db, "boss", Role.SUPERVISOR)
    r = submit(db, cfg)
    item = StaffQueue(db, cfg, search).detail(boss, r.code)
    assert [x["citation"] for x in item["related_regulations"]] == [f"Điều {i}" for i in range(1, 6)]
    assert "Chậm thi hành án" in search.queries[0]
    assert StaffQueue(db, cfg, None).detail(boss, r.code)["related_regulations"] == []
