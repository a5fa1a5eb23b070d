"""Delivery and safety: duplicate updates, floods, the webhook route, 429 handling, staff commands,
the CLI guard and message splitting."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import httpx
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot import render, texts
from bot.webhook import SECRET_HEADER
from casework import intake
from casework.config import QueueConfig
from casework.intake import Contact, IntakeRequest
from casework.models import InboundUpdate, OutboxMessage
from casework.states import Channel, Kind
from bot_support import CITIZEN, OTHER, STAFF


def test_duplicate_update_is_processed_once_even_after_restart(fake, start_bot, db):
    first = start_bot()
    update = fake.send(CITIZEN, "/help")
    fake.wait_text(CITIZEN, "Hướng dẫn sử dụng")
    fake.feed(dict(update))  # Telegram delivers the same update again
    fake.send(CITIZEN, "/start")
    fake.wait_text(CITIZEN, "Xin chào")
    assert len([p for p in fake.sent(CITIZEN) if "Hướng dẫn sử dụng" in p["text"]]) == 1
    first.stop()
    start_bot()
    fake.feed(dict(update))  # and once more to a new process
    fake.send(CITIZEN, "/start")
    fake.wait_for(lambda: len([p for p in fake.sent(CITIZEN) if "Xin chào" in p["text"]]) == 2)
    assert len([p for p in fake.sent(CITIZEN) if "Hướng dẫn sử dụng" in p["text"]]) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(InboundUpdate).where(
            InboundUpdate.update_id == update["update_id"])) == 1


def test_a_flood_is_rate_limited_not_crashed(fake, start_bot):
    start_bot(telegram_messages_per_minute=5)
    for _ in range(30):
        fake.send(CITIZEN, "/help")
    fake.wait_text(CITIZEN, "Bạn đang gửi quá nhiều tin nhắn")
    fake.send(OTHER, "/help")  # others are still served
    fake.wait_text(OTHER, "Hướng dẫn sử dụng")
    time.sleep(0.5)  # let any straggler of the flood be processed
    replies = [p["text"] for p in fake.sent(CITIZEN)]
    assert sum("Hướng dẫn sử dụng" in t for t in replies) == 5
    assert sum("quá nhiều tin nhắn" in t for t in replies) == 1


def test_webhook_checks_secret_ignores_duplicates_and_answers(fake, start_api, db):
    api = start_api(telegram_webhook_url="https://bot.example.vn/telegram/webhook", telegram_webhook_secret="s3cret-token")
    hooks = [c.params for c in fake.calls if c.method == "setWebhook"]
    assert hooks and hooks[0]["secret_token"] == "s3cret-token" and hooks[0]["url"].endswith("/telegram/webhook")
    update = fake.message_update(CITIZEN, "/help")
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: "s3cret-token-longer"}):
        assert api.client.post("/telegram/webhook", json=update, headers=headers).status_code == 401
    ok = {SECRET_HEADER: "s3cret-token"}
    assert api.client.post("/telegram/webhook", content=b"{not json", headers=ok).status_code == 400
    assert api.client.post("/telegram/webhook", json={"message": {}}, headers=ok).status_code == 400
    assert api.client.post("/telegram/webhook", json=update, headers=ok).status_code == 200
    assert api.client.post("/telegram/webhook", json=update, headers=ok).status_code == 200  # redelivered
    fake.wait_text(CITIZEN, "Hướng dẫn sử dụng")
    assert api.client.post("/telegram/webhook", json=fake.message_update(CITIZEN, "/start"), headers=ok).status_code == 200
    fake.wait_text(CITIZEN, "Xin chào")
    assert len([p for p in fake.sent(CITIZEN) if "Hướng dẫn sử dụng" in p["text"]]) == 1
    assert "/telegram/webhook" not in httpx.get(api.url + "/openapi.json").text


def test_outbox_honours_429_retry_after_and_replies_are_retried(fake, start_bot, db, tmp_path):
    bot = start_bot()
    cfg = QueueConfig(data_dir=tmp_path / "data", signing_key=b"k")
    receipt = intake.submit(db, IntakeRequest(kind=Kind.FEEDBACK, content="Phòng tiếp dân đóng cửa sớm.",
                                              channel=Channel.TELEGRAM, contact=Contact(chat_id=str(CITIZEN)),
                                              consent_version="2026-01"), cfg)
    fake.fail_next("sendMessage", retry_after=7)
    assert bot.deliver_outbox() == 0
    with db.read() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "pending" and "flood" in row.last_error
        wait = (row.next_attempt_at - datetime.now(timezone.utc)).total_seconds()
        assert 5 < wait <= 7.5
    with db.write() as s:
        s.scalar(select(OutboxMessage)).next_attempt_at = datetime.now(timezone.utc)
    assert bot.deliver_outbox() == 1
    fake.wait_text(CITIZEN, receipt.code)

    fake.fail_next("sendMessage", retry_after=1)  # a handler's reply waits and is sent again
    fake.send(CITIZEN, "/help")
    fake.wait_text(CITIZEN, "Hướng dẫn sử dụng")


def test_staff_digest_and_filters_are_for_allow_listed_users(fake, start_bot, db, tmp_path):
    start_bot()
    cfg = QueueConfig(data_dir=tmp_path / "data", signing_key=b"k")
    receipt = intake.submit(db, IntakeRequest(kind=Kind.COMPLAINT, content="Chậm thi hành án.", channel=Channel.WEB,
                                              contact=Contact(name="Trần Thị B", phone="0987654321"),
                                              consent_version="2026-01"), cfg)
    fake.send(CITIZEN, "/hangdoi")
    fake.wait_text(CITIZEN, texts.STAFF_ONLY)
    fake.send(STAFF, "/hangdoi")
    digest = fake.wait_text(STAFF, "Hàng đợi đơn")
    assert "Mới tiếp nhận: <b>1</b>" in digest["text"] and receipt.code in digest["text"]
    assert "/staff/" in digest["text"] and "Trần Thị B" not in digest["text"] and "0987654321" not in digest["text"]
    fake.send(STAFF, "/loc loai=thông tư hieuluc=nay")
    fake.wait_text(STAFF, "loai=thông tư, hieuluc=nay")
    fake.send(STAFF, "/loc rac")
    fake.wait_text(STAFF, "Không hiểu bộ lọc")
    fake.send(STAFF, "/loc xoa")
    fake.wait_text(STAFF, "không lọc")


def test_cli_refuses_without_a_token(monkeypatch, tmp_path):
    from thads.cli import app

    monkeypatch.delenv("THADS_TELEGRAM_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["bot", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "THADS_TELEGRAM_TOKEN" in result.output and "Chưa cấu hình mã bot Telegram" in result.output


def test_messages_are_escaped_and_split_under_the_limit():
    text = "Điều 30 <b>không</b> & “trích dẫn” [1]\n" * 400 + "\nNguồn:\n[1] Luật Thi hành án dân sự (còn hiệu lực)"
    parts = render.answer_html(text)
    assert len(parts) > 1
    for part in parts:
        visible = part.replace("<b>Nguồn:</b>", "Nguồn:").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert len(visible) <= 4096
        assert "<b>không</b>" not in part and "&lt;b&gt;không&lt;/b&gt;" in part
    assert parts[-1].endswith("[1] Luật Thi hành án dân sự (còn hiệu lực)") and "<b>Nguồn:</b>" in parts[-1]
    assert "".join(parts).count("[1]") == 401
    long_line = "chữ " * 3000
    assert all(len(p) <= render.LIMIT for p in render.split_plain(long_line))
    sources = render.sources_html([{"n": n, "title": "Luật <THADS>", "section": f"Điều {n}", "quote": "x" * 3000,
                                    "validity": "còn hiệu lực"} for n in range(1, 8)])
    assert len(sources) > 1 and all("&lt;THADS&gt;" in s for s in sources)
