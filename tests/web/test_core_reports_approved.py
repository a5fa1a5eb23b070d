"""The dashboard's core pieces without a browser: report aggregates over a real database (SQLite and
PostgreSQL), the message preview against the real transition, and approved answers against a real
index whose source document then changes."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "casework"))
from helpers import staff, submit  # noqa: E402  (tests/casework/helpers.py)

from casework import approved_answers as approved  # noqa: E402
from casework import reports  # noqa: E402
from casework.config import QueueConfig  # noqa: E402
from casework.db import Database  # noqa: E402
from casework.deadlines import today_local  # noqa: E402
from casework.errors import Conflict, Forbidden, InvalidInput  # noqa: E402
from casework.models import OutboxMessage, Submission  # noqa: E402
from casework.preview import preview_transition  # noqa: E402
from casework.privacy import Role  # noqa: E402
from casework.queue import StaffQueue  # noqa: E402
from casework.states import Kind, Status  # noqa: E402


@pytest.fixture
def cfg(tmp_path) -> QueueConfig:
    return QueueConfig(data_dir=tmp_path / "data", signing_key=b"test-signing-key", default_office="THADS TP Hà Nội")


def test_report_counts_medians_and_timeliness(db, cfg):
    queue = StaffQueue(db, cfg)
    boss = staff(db, "lanhdao", Role.SUPERVISOR)
    a = submit(db, cfg).code
    b = submit(db, cfg, office="THADS tỉnh Bắc Ninh").code
    submit(db, cfg, kind=Kind.FEEDBACK, content="Phản ánh về thái độ cán bộ.")
    queue.transition(boss, a, Status.ACCEPTED)
    queue.transition(boss, b, Status.ACCEPTED)
    queue.transition(boss, b, Status.IN_PROGRESS)
    queue.transition(boss, b, Status.RESOLVED, decision_summary="Đã giải quyết xong.")
    with db.write() as s:  # b was received 40 days ago and accepted after its limit; resolved now
        row = s.query(Submission).filter_by(code=b).one()
        row.received_at -= timedelta(days=40)
        row.acceptance_due = today_local() - timedelta(days=30)

    rep = reports.build(db, boss, today=today_local())
    assert rep.total == 3
    assert sum(rep.by_period["complaint"]) == 2 and sum(rep.by_period["feedback"]) == 1
    assert rep.by_status["accepted"] == 1 and rep.by_status["resolved"] == 1 and rep.by_status["received"] == 1
    offices = {o.office: (o.on_time, o.overdue) for o in rep.by_office}
    assert offices["THADS tỉnh Bắc Ninh"] == (0, 1)
    assert offices["THADS TP Hà Nội"] == (1, 0)  # the feedback item has no legal limit: not counted
    assert rep.median_days_to_acceptance == pytest.approx(20.0, abs=0.1)  # median of ~0 and ~40
    assert rep.median_days_to_resolution == pytest.approx(40.0, abs=0.1)
    csv = reports.to_csv(rep)
    assert csv.startswith("\ufeff") and "THADS tỉnh Bắc Ninh,Quá hạn,1" in csv

    scoped = reports.build(db, staff(db, "canbo", office="THADS TP Hà Nội"), today=today_local())
    assert {o.office for o in scoped.by_office} <= {"THADS TP Hà Nội"} and scoped.total == 2


def test_preview_is_the_message_the_transition_queues(db, cfg):
    queue = StaffQueue(db, cfg)
    handler = staff(db, "canbo")
    code = submit(db, cfg, chat_id="555").code
    with pytest.raises(Forbidden):
        preview_transition(queue, handler, code, Status.ACCEPTED)  # not claimed yet: same rule as the action
    queue.claim(handler, code)
    with pytest.raises(Conflict):
        preview_transition(queue, handler, code, Status.RESOLVED)
    with pytest.raises(InvalidInput):
        preview_transition(queue, handler, code, Status.NOT_ACCEPTED, reason="no-such-reason")
    shown = preview_transition(queue, handler, code, Status.NOT_ACCEPTED, reason="time_limit_expired", note="Xin thông báo.")
    with db.read() as s:
        assert s.query(OutboxMessage).filter(OutboxMessage.event.like("status:%")).count() == 0  # rolled back
        assert s.query(Submission).filter_by(code=code).one().status == Status.RECEIVED
    queue.transition(handler, code, Status.NOT_ACCEPTED, reason="time_limit_expired", note="Xin thông báo.")
    with db.read() as s:
        sent = s.query(OutboxMessage).filter(OutboxMessage.event == "status:not_accepted").one()
    assert shown.text == sent.payload["text"] and "Thời hiệu khiếu nại đã hết" in shown.text

    silent = submit(db, cfg, kind=Kind.DENUNCIATION, anonymous=True, content="Tố cáo không ghi danh về cán bộ.").code
    boss = staff(db, "lanhdao", Role.SUPERVISOR)
    result = preview_transition(queue, boss, silent, Status.ACCEPTED)
    assert result.text is None and "không ghi danh" in result.why_silent


DOC_V1 = """# Hướng dẫn thử nghiệm về khiếu nại

## Điều 1. Thời hạn giải quyết khiếu nại

Thời hạn giải quyết khiếu nại lần đầu là 15 ngày kể từ ngày thụ lý đơn khiếu nại.
"""


def test_approved_answer_given_until_its_source_changes(tmp_path):
    from retrieval.answers import build_answerer
    from retrieval.factory import open_searcher, open_store
    from retrieval.ingest import ingest
    from retrieval.validity import validity_note
    from thads.settings import Settings

    from casework.migrate import upgrade

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "huong-dan-thu.md").write_text(DOC_V1, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", embed_threads=1)

    def reingest() -> None:
        store = open_store(settings)
        assert ingest(store, [docs]).ok
        store.close()

    reingest()
    upgrade(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    handler = staff(db, "canbo")
    hit = open_searcher(settings).search("thời hạn giải quyết khiếu nại", k=1)[0]
    current = approved.catalog_state(settings.index_dir)()
    source = approved.Source(doc_id=hit.doc_id, chunk_id=hit.chunk_id, title=hit.title, section=hit.section,
                             citation=hit.citation, quote=hit.text[:200], in_force=hit.in_force,
                             validity=validity_note(hit), content_hash=current[hit.doc_id])
    with pytest.raises(InvalidInput):
        approved.create(db, handler, question="Thời hạn giải quyết khiếu nại?", answer="Mười lăm ngày.", sources=[])
    approved.create(db, handler, question="Thời hạn giải quyết khiếu nại lần đầu là bao lâu?",
                    answer="Mười lăm ngày kể từ ngày thụ lý đơn.", sources=[source])

    hook = approved.hook_for(settings)
    answer = build_answerer(settings, approved=hook)("Thời hạn giải quyết khiếu nại lần đầu là bao lâu vậy?")
    assert answer.mode == "approved" and approved.CONFIRMED_MARK in answer.answer
    assert answer.citations[0].doc_id == hit.doc_id and "Mười lăm ngày" in answer.answer
    assert hook("Phí thi hành án dân sự được tính như thế nào?") is None  # a different question

    (docs / "huong-dan-thu.md").write_text(DOC_V1.replace("15 ngày", "30 ngày"), encoding="utf-8")
    reingest()
    assert hook("Thời hạn giải quyết khiếu nại lần đầu là bao lâu?") is None
    [row] = approved.list_answers(db, handler)
    assert row["status"] == approved.NEEDS_REVIEW and "đã thay đổi" in row["review_reason"]
    fallback = build_answerer(settings, approved=hook)("Thời hạn giải quyết khiếu nại lần đầu là bao lâu?")
    assert fallback.mode != "approved"

    approved.set_status(db, handler, row["id"], approved.ACTIVE, current=approved.catalog_state(settings.index_dir)())
    assert hook("Thời hạn giải quyết khiếu nại lần đầu là bao lâu?").mode == "approved"
    db.dispose()
