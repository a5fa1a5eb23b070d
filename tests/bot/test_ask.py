"""Questions end to end over a real index: answer with citations → sources → 👍/👎 stored; abstention →
question sent to staff → the staff answer comes back through the outbox; per-user question limits."""

from __future__ import annotations

from sqlalchemy import select

from bot import texts
from casework.models import ChatAnswer, Submission
from bot_support import CITIZEN, OTHER


def test_ask_sources_and_feedback(fake, start_bot, answerer, db):
    start_bot(answerer=answerer)
    fake.send(CITIZEN, "Thời hiệu yêu cầu thi hành án là bao lâu?")
    reply = fake.wait_text(CITIZEN, "[1]", timeout=60)
    assert reply["parse_mode"] == "HTML" and "<b>Nguồn:</b>" in reply["text"]
    assert fake.sent(CITIZEN, "sendChatAction")
    buttons = [b["callback_data"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    token = buttons[0].split(":", 1)[1]
    assert buttons == [f"src:{token}", f"fb:{token}:1", f"fb:{token}:-1"]

    message_id, _ = fake.button(CITIZEN, "src:")
    fake.press(CITIZEN, f"src:{token}", message_id)
    sources = fake.wait_text(CITIZEN, "Đoạn trích từ các nguồn")
    assert "«" in sources["text"] and "[1]" in sources["text"]

    fake.press(CITIZEN, f"fb:{token}:-1", message_id)
    fake.wait_for(lambda: fake.sent(CITIZEN, "editMessageReplyMarkup"))
    with db.read() as s:
        row = s.scalar(select(ChatAnswer).where(ChatAnswer.token == token))
        assert row.rating == -1 and row.chat_id == str(CITIZEN) and not row.abstained and row.citations
    fake.press(CITIZEN, f"fb:{token}:1", message_id)  # a second tap changes the vote
    fake.wait_for(lambda: len(fake.sent(CITIZEN, "editMessageReplyMarkup")) == 2)
    with db.read() as s:
        assert s.scalar(select(ChatAnswer.rating).where(ChatAnswer.token == token)) == 1

    # Someone else's token shows nothing of this answer.
    fake.press(OTHER, f"src:{token}")
    fake.wait_text(OTHER, texts.ANSWER_GONE)


def test_abstention_goes_to_staff_and_the_answer_comes_back(fake, start_bot, start_api, answerer, db):
    bot = start_bot(answerer=answerer)
    fake.send(CITIZEN, "Giá vé máy bay Hà Nội đi Đà Nẵng 0912345678 tháng này bao nhiêu?")
    reply = fake.wait_text(CITIZEN, "không trả lời để tránh thông tin sai", timeout=60)
    data = reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("esc:")
    with db.read() as s:
        stored = s.scalar(select(ChatAnswer).where(ChatAnswer.token == data[4:]))
        assert stored.abstained and "0912345678" not in stored.question  # masked at rest
    message_id, _ = fake.button(CITIZEN, "esc:")
    fake.press(CITIZEN, data, message_id)
    fake.wait_text(CITIZEN, "Thông báo xử lý dữ liệu cá nhân")
    message_id, yes = fake.button(CITIZEN, "escy:")
    fake.press(CITIZEN, yes, message_id)
    sent = fake.wait_for(lambda: [p for p in fake.sent(CITIZEN, "editMessageText") if "Mã câu hỏi" in p["text"]])
    code = sent[0]["text"].split("<b>")[1].split("</b>")[0]
    with db.read() as s:
        sub = s.scalar(select(Submission).where(Submission.code == code))
        assert sub.kind == "question" and sub.chat_id == str(CITIZEN) and "Giá vé máy bay" in sub.content

    api = start_api()
    auth = api.staff("canbo")
    for step in ({"to": "accepted"}, {"to": "in_progress"},
                 {"to": "resolved", "decision_summary": "Trợ lý chỉ hỗ trợ về thi hành án dân sự; giá vé xin hỏi hãng bay."}):
        resp = api.client.post(f"/api/staff/submissions/{code}/transition", headers=auth, json=step)
        assert resp.status_code == 200, resp.text
    before = len(fake.sent(CITIZEN))
    assert bot.deliver_outbox() == 3
    fake.wait_text(CITIZEN, "giá vé xin hỏi hãng bay", after=before)


def test_questions_are_rate_limited_per_user(fake, start_bot, answerer):
    start_bot(answerer=answerer, telegram_questions_per_minute=2)
    for _ in range(3):
        fake.send(CITIZEN, "Thời hiệu yêu cầu thi hành án là bao lâu?")
    fake.wait_text(CITIZEN, "Bạn đã hỏi nhiều câu trong thời gian ngắn", timeout=60)
    fake.send(OTHER, "Thời hiệu yêu cầu thi hành án là bao lâu?")  # another person is not affected
    fake.wait_text(OTHER, "[1]", timeout=60)
