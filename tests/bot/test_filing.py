"""Filing end to end: the full complaint flow with attachments → the database → a handler transition
through the real HTTP API → the outbox worker → the citizen's notification; anonymous tips; cancel,
timeout and a restart mid-flow."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot import texts
from casework import codes
from casework.models import Attachment, Consent, OutboxMessage, Submission
from bot_support import CITIZEN, OTHER, PDF, PNG


def press(fake, chat: int, prefix: str) -> None:
    message_id, data = fake.button(chat, prefix)
    fake.press(chat, data, message_id)


def file_complaint_until_content(fake, chat: int = CITIZEN) -> None:
    fake.send(chat, texts.MENU_FILE)
    fake.wait_text(chat, "Bạn muốn gửi loại đơn nào?")
    press(fake, chat, "f:k:complaint")
    fake.wait_text(chat, "Đơn liên quan đến việc thi hành án nào?")
    press(fake, chat, "f:c:type")
    fake.wait_text(chat, "Bạn hãy nhập số hồ sơ")
    fake.send(chat, "123/2025/QĐ-CCTHADS")
    fake.wait_text(chat, "Bạn khiếu nại về việc gì?")
    press(fake, chat, "f:t:coercive")
    fake.wait_text(chat, "lần khiếu nại thứ mấy")
    press(fake, chat, "f:l:1")
    fake.wait_text(chat, "Nội dung đơn")


def test_full_complaint_flow_with_attachments_reaches_handler_and_back(fake, start_bot, start_api, db):
    bot = start_bot()
    file_complaint_until_content(fake)
    fake.send(CITIZEN, "Chấp hành viên kê biên nhà của tôi <ngày 02/03> & không thông báo trước.")
    fake.wait_text(CITIZEN, "Đã ghi nhận nội dung")
    fake.send_photo(CITIZEN, PNG, caption="Ảnh biên bản kê biên")
    fake.wait_text(CITIZEN, "Đã nhận tệp")
    n = len(fake.sent(CITIZEN))
    fake.send_document(CITIZEN, PDF, "quyet-dinh.pdf", "application/pdf")
    fake.wait_text(CITIZEN, "(2/5)", after=n)
    n = len(fake.sent(CITIZEN))
    fake.send_document(CITIZEN, b"MZ\x90\x00 not a document", "virus.exe", "application/octet-stream")
    fake.wait_text(CITIZEN, "Chỉ nhận tệp ảnh", after=n)
    assert fake.count("<download>") == 3  # every file was fetched through getFile and the file URL
    press(fake, CITIZEN, "f:done")
    contact_prompt = fake.wait_text(CITIZEN, "Thông tin liên hệ")
    keyboard = contact_prompt["reply_markup"]["keyboard"]
    assert keyboard[0][0].get("request_contact") is True
    n = len(fake.sent(CITIZEN))
    fake.send_contact(CITIZEN, "0912345678", contact_user_id=OTHER)  # someone else's card is refused
    fake.wait_text(CITIZEN, "số điện thoại của chính bạn", after=n)
    fake.send_contact(CITIZEN, "0912345678")
    consent_prompt = fake.wait_text(CITIZEN, "Đồng ý xử lý dữ liệu cá nhân")
    buttons = [b["callback_data"] for row in consent_prompt["reply_markup"]["inline_keyboard"] for b in row]
    assert "f:consent:yes" in buttons and "f:consent:no" in buttons  # two equal choices, none pre-selected
    press(fake, CITIZEN, "f:consent:yes")
    review = fake.wait_text(CITIZEN, "Kiểm tra lại đơn")
    assert "&lt;ngày 02/03&gt; &amp;" in review["text"] and review["parse_mode"] == "HTML"
    assert "Tệp đính kèm: 2" in review["text"]
    press(fake, CITIZEN, "f:send")
    receipt = fake.wait_text(CITIZEN, "Đơn đã được gửi")
    code = receipt["text"].split("Mã hồ sơ: <code>")[1].split("</code>")[0]
    assert codes.is_valid_code(code) and code.startswith("KN-")
    assert "Mã bí mật" in receipt["text"] and "Hạn thụ lý dự kiến" in receipt["text"]

    with db.read() as s:
        sub = s.scalar(select(Submission).where(Submission.code == code))
        assert (sub.kind, sub.channel, sub.status) == ("complaint", "telegram", "received")
        assert sub.case_number == "123/2025/QĐ-CCTHADS" and sub.complaint_target == "coercive" and sub.complaint_level == 1
        assert "kê biên nhà của tôi <ngày 02/03>" in sub.content and "Ảnh biên bản kê biên" in sub.content
        assert (sub.phone, sub.citizen_name, sub.chat_id) == ("0912345678", "Nguyễn Văn A", str(CITIZEN))
        assert sub.acceptance_due is not None and not sub.anonymous
        files = s.scalars(select(Attachment).where(Attachment.submission_id == sub.id)).all()
        assert sorted(f.content_type for f in files) == ["application/pdf", "image/png"]
        for f in files:
            assert (bot.settings.data_dir / f.storage_path).read_bytes() in (PNG, PDF)
        assert s.scalar(select(func.count()).select_from(Consent).where(Consent.submission_id == sub.id)) == 1
        received = s.scalars(select(OutboxMessage).where(OutboxMessage.submission_id == sub.id)).all()
        # The receipt was shown in the conversation: its outbox copy is settled, not sent twice.
        assert [(r.event, r.status) for r in received] == [("received", "delivered")]

    # A handler accepts it through the real HTTP API; the worker delivers; the citizen is told.
    api = start_api()
    auth = api.staff("lanhdao")
    resp = api.client.post(f"/api/staff/submissions/{code}/transition", headers=auth,
                           json={"to": "accepted", "note": "Đã phân công chấp hành viên kiểm tra."})
    assert resp.status_code == 200, resp.text
    before = len(fake.sent(CITIZEN))
    assert bot.deliver_outbox() == 1
    notice = fake.wait_text(CITIZEN, f"Hồ sơ {code}: Đã thụ lý", after=before)
    assert "Đã phân công chấp hành viên kiểm tra." in notice["text"]

    # Follow: listed with status and deadline; withdraw after confirming.
    n = len(fake.sent(CITIZEN))
    fake.send(CITIZEN, texts.MENU_FOLLOW)
    listing = fake.wait_text(CITIZEN, "Các đơn bạn đã gửi", after=n)
    assert code in listing["text"] and "Đã thụ lý" in listing["text"] and "Hạn:" in listing["text"]
    press(fake, CITIZEN, f"w:{code}")
    fake.wait_text(CITIZEN, "Bạn có chắc muốn rút đơn")
    press(fake, CITIZEN, f"wy:{code}")
    fake.wait_for(lambda: any("Đã rút đơn" in p.get("text", "") for p in fake.sent(CITIZEN, "editMessageText")))
    with db.read() as s:
        assert s.scalar(select(Submission.status).where(Submission.code == code)) == "withdrawn"
    # Another chat cannot withdraw or see it.
    fake.press(OTHER, f"wy:{code}")
    fake.wait_for(lambda: fake.sent(OTHER, "editMessageText"))
    assert "Không tìm thấy" in fake.sent(OTHER, "editMessageText")[0]["text"]


def test_anonymous_tip_gets_a_code_and_no_notifications(fake, start_bot, start_api, db):
    bot = start_bot()
    fake.send(CITIZEN, "/gui_don")
    press(fake, CITIZEN, "f:k:denunciation")
    identity = fake.wait_text(CITIZEN, "Bảo vệ người tố cáo")
    assert "Điều 47" in identity["text"] and "Điều 25" in identity["text"]
    press(fake, CITIZEN, "f:m:anon")
    fake.wait_text(CITIZEN, "Đơn liên quan")
    press(fake, CITIZEN, "f:c:skip")
    fake.wait_text(CITIZEN, "Nội dung đơn")
    fake.send(CITIZEN, "Cán bộ X nhận tiền của đương sự để trì hoãn việc kê biên.")
    fake.wait_text(CITIZEN, "Đã ghi nhận nội dung")
    press(fake, CITIZEN, "f:done")
    review = fake.wait_text(CITIZEN, "Kiểm tra lại đơn")  # no contact and no consent steps
    assert "tin báo không ghi danh" in review["text"]
    assert not [p for p in fake.sent(CITIZEN) if "Đồng ý xử lý dữ liệu" in p.get("text", "")]
    press(fake, CITIZEN, "f:send")
    receipt = fake.wait_text(CITIZEN, "Đã nhận tin báo")
    code = receipt["text"].split("Mã tiếp nhận: <code>")[1].split("</code>")[0]
    assert code.startswith("TC-") and "Mã bí mật" not in receipt["text"]
    with db.read() as s:
        sub = s.scalar(select(Submission).where(Submission.code == code))
        assert sub.anonymous and sub.confidential and sub.chat_id is None and sub.phone is None
    api = start_api()
    auth = api.staff("lanhdao")
    resp = api.client.post(f"/api/staff/submissions/{code}/transition", headers=auth,
                           json={"to": "not_accepted", "reason": "denunciation_anonymous"})
    assert resp.status_code == 200, resp.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    before = fake.count("sendMessage")
    assert bot.deliver_outbox() == 0
    assert fake.count("sendMessage") == before


def test_cancel_and_consent_refusal_discard_the_draft(fake, start_bot, db):
    bot = start_bot()
    file_complaint_until_content(fake)
    fake.send(CITIZEN, "Nội dung dở dang")
    fake.wait_text(CITIZEN, "Đã ghi nhận nội dung")
    fake.send(CITIZEN, texts.MENU_FOLLOW)  # a menu button mid-flow does not become content
    fake.wait_text(CITIZEN, "Bạn đang soạn đơn dở dang")
    fake.send(CITIZEN, "/cancel")
    fake.wait_text(CITIZEN, texts.CANCELLED)
    assert "draft" not in bot.app.user_data[CITIZEN]
    n = len(fake.sent(CITIZEN))
    fake.send(CITIZEN, "/cancel")
    fake.wait_text(CITIZEN, texts.NOTHING_TO_CANCEL, after=n)

    fake.send(CITIZEN, "/gui_don")
    press(fake, CITIZEN, "f:k:feedback")
    fake.wait_text(CITIZEN, "Đơn liên quan")
    press(fake, CITIZEN, "f:c:skip")
    fake.wait_text(CITIZEN, "Nội dung đơn")
    fake.send(CITIZEN, "Phòng tiếp dân đóng cửa sớm.")
    fake.wait_text(CITIZEN, "Đã ghi nhận nội dung")
    press(fake, CITIZEN, "f:done")
    fake.wait_text(CITIZEN, "Thông tin liên hệ")
    fake.send(CITIZEN, texts.BTN_SKIP)
    fake.wait_text(CITIZEN, "Đồng ý xử lý dữ liệu cá nhân")
    press(fake, CITIZEN, "f:consent:no")
    fake.wait_text(CITIZEN, "chưa có sự đồng ý")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 0


def test_idle_flow_times_out(fake, start_bot):
    bot = start_bot(telegram_conversation_timeout=1.0)
    fake.send(CITIZEN, "/gui_don")
    fake.wait_text(CITIZEN, "Bạn muốn gửi loại đơn nào?")
    fake.wait_text(CITIZEN, "hết thời gian chờ", timeout=20)
    assert "draft" not in bot.app.user_data[CITIZEN]
    press(fake, CITIZEN, "f:k:complaint")  # a stale button after the timeout
    fake.wait_for(lambda: [c for c in fake.calls if c.method == "answerCallbackQuery"
                           and "hết thời gian" in c.params.get("text", "")])


def test_flow_survives_a_restart(fake, start_bot, db):
    first = start_bot()
    file_complaint_until_content(fake)
    fake.send(CITIZEN, "Nội dung trước khi bot khởi động lại.")
    fake.wait_text(CITIZEN, "Đã ghi nhận nội dung")
    first.stop()
    state = Path(first.settings.data_dir) / "bot" / "state.pickle"
    assert state.exists()

    second = start_bot()
    assert second.app is not first.app
    n = len(fake.sent(CITIZEN))
    fake.send(CITIZEN, "Phần bổ sung sau khi khởi động lại.")
    fake.wait_text(CITIZEN, "Đã ghi nhận nội dung", after=n)
    press(fake, CITIZEN, "f:done")
    fake.wait_text(CITIZEN, "Thông tin liên hệ")
    fake.send(CITIZEN, texts.BTN_SKIP)
    fake.wait_text(CITIZEN, "Đồng ý xử lý")
    press(fake, CITIZEN, "f:consent:yes")
    fake.wait_text(CITIZEN, "Kiểm tra lại đơn")
    press(fake, CITIZEN, "f:send")
    fake.wait_text(CITIZEN, "Đơn đã được gửi")
    with db.read() as s:
        sub = s.scalar(select(Submission))
        assert sub.content == "Nội dung trước khi bot khởi động lại.\nPhần bổ sung sau khi khởi động lại."
        assert sub.case_number == "123/2025/QĐ-CCTHADS"
