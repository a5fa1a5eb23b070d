"""Every stage's explanation: complete, role-aware, and cited only from the procedure guides."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from casework.cases.explain import due_date_for, explain_stage
from casework.cases.stages import (
    GUIDE_TITLES,
    NEW_LAW_EFFECTIVE,
    PartyRole,
    Stage,
    StageInfo,
    all_stage_infos,
    stage_info,
)

GUIDES = Path(__file__).resolve().parents[2] / "corpus" / "procedures"


def _cited(info: StageInfo):
    for name in ("meaning", "limits", "facts", "actions"):
        yield from getattr(info, name)


def _lines(topic: str) -> list[str]:
    return (GUIDES / f"{topic}.md").read_text(encoding="utf-8").splitlines()


def test_every_stage_and_classification_has_an_explanation():
    covered = {info.stage for info in all_stage_infos()}
    assert covered == set(Stage)
    for info in all_stage_infos():
        assert info.label and info.meaning and info.next_step, info.stage
        assert info.guides and all(g in GUIDE_TITLES for g in info.guides)
        assert info.step is None if info.stage in (Stage.POSTPONED, Stage.SUSPENDED, Stage.RESUMED) else 1 <= info.step <= 10
    assert stage_info(Stage.CLASSIFIED, "chua_co_dieu_kien").label == "Chưa có điều kiện thi hành án"
    assert stage_info(Stage.CLASSIFIED, "co_dieu_kien").label == "Có điều kiện thi hành án"


def test_guide_titles_match_the_guides():
    for topic, title in GUIDE_TITLES.items():
        assert f'title: "{title}"' in (GUIDES / f"{topic}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("info", all_stage_infos(), ids=lambda i: f"{i.stage}-{i.label}")
def test_figures_and_citations_come_from_one_guide_line(info: StageInfo):
    """Each cited sentence's legal basis, figure and old-law marker stand together on one line of its guide."""
    for item in _cited(info):
        lines = _lines(item.guide)
        if not item.legal_basis:
            assert item.amount is None, item.text  # a figure always carries its legal basis
            continue
        hits = [ln for ln in lines if item.legal_basis in ln and (item.figure is None or item.figure in ln)]
        assert hits, f"{info.stage}: no line in {item.guide} has {item.legal_basis!r} with {item.figure!r}"
        if item.regime:
            assert any(item.regime in ln for ln in hits), f"{item.text}: marker {item.regime!r} not on the guide line"
        else:  # the guide does not mark it old: we must not either, and the guide line must not carry a marker for it
            assert any(f"{item.legal_basis})" in ln or f"{item.legal_basis};" in ln for ln in hits), item.text


def test_old_law_figures_are_marked_in_the_explanation():
    text = explain_stage(stage_info(Stage.NOTIFIED), role=PartyRole.DEBTOR, dates={}, today=date(2026, 3, 1))["text"]
    assert "10 ngày" in text and "Điều 45 Luật THADS 2008 — luật cũ, hết hiệu lực từ 01/7/2026" in text
    assert "chưa được xác nhận" in text  # the new law's corresponding limits


def test_due_dates_follow_the_registry_dates_and_stop_at_the_new_law():
    info = stage_info(Stage.NOTIFIED)
    voluntary, verification = info.limits
    start = date(2026, 3, 2)
    assert due_date_for(voluntary, {Stage.NOTIFIED: start}) == date(2026, 3, 12)
    assert due_date_for(verification, {Stage.NOTIFIED: start}) == date(2026, 3, 22)
    # Working days skip weekends (received on Friday 06/3/2026 → 5 working days later is Friday 13/3/2026).
    decision = stage_info(Stage.RECEIVED).limits[0]
    assert due_date_for(decision, {Stage.RECEIVED: date(2026, 3, 6)}) == date(2026, 3, 13)
    # A count that starts under Law 106/2025 gets no date computed from the old law's figure.
    assert due_date_for(voluntary, {Stage.NOTIFIED: NEW_LAW_EFFECTIVE}) is None
    # No registry date, no computed date.
    assert due_date_for(voluntary, {}) is None
    out = explain_stage(info, role=PartyRole.CREDITOR, dates={Stage.NOTIFIED: date(2026, 8, 3)}, today=date(2026, 8, 5))
    assert all(limit["due_date"] is None for limit in out["next_limits"])
    assert any("chưa được xác nhận" in (limit["due_note"] or "") for limit in out["next_limits"])


def test_actions_depend_on_the_citizens_role():
    info = stage_info(Stage.AUCTION)
    debtor = [a["text"] for a in explain_stage(info, role=PartyRole.DEBTOR, dates={}, today=date(2026, 3, 1))["actions"]]
    creditor = [a["text"] for a in explain_stage(info, role=PartyRole.CREDITOR, dates={}, today=date(2026, 3, 1))["actions"]]
    assert any("nhận lại tài sản" in t for t in debtor) and not any("nhận lại tài sản" in t for t in creditor)
    assert any("thay cho tiền" in t for t in creditor) and not any("thay cho tiền" in t for t in debtor)
    assert any("khiếu nại trong 30 ngày" in t for t in debtor + creditor)


def test_unconfirmed_items_say_so():
    infos = {(i.stage, i.label): i for i in all_stage_infos()}
    fee = next(a for i in infos.values() for a in i.actions if "1/3" in a.text)
    assert not fee.confirmed and "chưa xác nhận" in fee.regime
    out = explain_stage(stage_info(Stage.NOTIFIED), role=PartyRole.CREDITOR, dates={}, today=date(2026, 3, 1))
    fee_out = next(a for a in out["actions"] if "1/3" in a["text"])
    assert fee_out["confirmed"] is False and "chưa xác nhận" in fee_out["citation"]
    assert "chưa được xác nhận" in " ".join(stage_info(Stage.CLASSIFIED, "chua_co_dieu_kien").notes)


def test_cited_is_plain_data():
    # Explanations are built only from these fields and registry fields: nothing computed from free text.
    assert {f.name for f in fields(StageInfo)} >= {"meaning", "next_step", "limits", "actions"}
