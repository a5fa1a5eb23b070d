"""“Hồ sơ thi hành án của tôi”: a deep link `/start <code>` links a case; case number + last 4 ID
digits + birth date links too; the list and the plain-language explanation; the filing flow offers it."""

from __future__ import annotations

from pathlib import Path

from casework.cases import CaseConfig, CaseService
from casework.privacy import Role
from casework.staff import create_user, principal_of
from bot_support import CITIZEN, OTHER, PASSWORD

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def registry(bot) -> CaseService:
    svc = CaseService(bot.services.db, CaseConfig.from_settings(bot.settings))
    for name in ("cases-example.csv", "cases-example.json"):
        report = svc.import_file((EXAMPLES / name).read_bytes(), filename=name)
        assert report.applied, report.to_dict()
    return svc


def test_deep_link_and_identity_linking_then_explain(fake, start_bot):
    bot = start_bot()
    svc = registry(bot)
    with bot.services.db.write() as s:
        ADMIN = principal_of(create_user(s, "giamsat", PASSWORD, Role.SUPERVISOR))
    items, _ = svc.search(ADMIN, q="125/2026/TLTHA")
    ref = items[0]["ref"]
    debtor = next(p for p in svc.view(ADMIN, ref)["parties"] if p["role"] == "debtor")
    code = svc.issue_link_code(ADMIN, ref, debtor["ref"])["code"]

    fake.send(OTHER, "Hồ sơ thi hành án của tôi")
    fake.wait_text(OTHER, "Bạn chưa liên kết hồ sơ")
    fake.send(CITIZEN, f"/start {code}")
    linked = fake.wait_text(CITIZEN, "Đã liên kết hồ sơ")
    assert "125/2026/TLTHA" in linked["text"]
    message_id, data = fake.button(CITIZEN, "cs:")
    fake.press(CITIZEN, data, message_id)
    detail = fake.wait_text(CITIZEN, "Hồ sơ thi hành án số 125/2026/TLTHA")
    assert "Bạn là" in detail["text"]

    # The filing flow offers the linked case under "what it concerns".
    fake.send(CITIZEN, "/gui_don")
    message_id, data = fake.button(CITIZEN, "f:k:feedback")
    fake.press(CITIZEN, data, message_id)
    concerns = fake.wait_text(CITIZEN, "Đơn liên quan")
    labels = [b["text"] for row in concerns["reply_markup"]["inline_keyboard"] for b in row]
    assert "125/2026/TLTHA" in labels
    fake.send(CITIZEN, "/cancel")
    fake.wait_text(CITIZEN, "Đã hủy")

    # Identity linking by another person: wrong digits are refused, right ones link.
    fake.send(OTHER, "Hồ sơ thi hành án của tôi")
    message_id, data = fake.button(OTHER, "cl:start")
    fake.press(OTHER, data, message_id)
    fake.wait_text(OTHER, "Nhập số hồ sơ")
    fake.send(OTHER, "125/2026/TLTHA")
    fake.wait_text(OTHER, "4 chữ số cuối")
    fake.send(OTHER, "2345")
    fake.wait_text(OTHER, "Nhập ngày sinh")
    fake.send(OTHER, "12/04/1985")
    fake.wait_text(OTHER, "Đã liên kết hồ sơ")
    assert "link" not in bot.app.user_data[OTHER]
