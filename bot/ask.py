"""Questions: free text → answer with numbered citations, "Xem nguồn", 👍/👎, and on abstention an
offer to send the question to staff (a queue item of kind question; the answer returns via the outbox)."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import CallbackContext

from bot import render, texts
from bot.menu import main_menu
from bot.services import services
from bot.staff import staff_filters
from casework import chat_answers, consent, intake, outbox
from casework.errors import CaseworkError
from casework.intake import Contact, IntakeRequest
from casework.states import Channel, Kind

log = logging.getLogger(__name__)

QUESTION_MIN, QUESTION_MAX = 3, 1000
ASKED_KEPT = 10  # recent questions kept in chat state for "send to staff" (the DB copy is masked)


def answer_keyboard(token: str, abstained: bool, rated: int | None = None) -> InlineKeyboardMarkup:
    if abstained:
        return InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_ESCALATE, callback_data=f"esc:{token}")]])
    up = texts.BTN_UP + (" ✓" if rated == 1 else "")
    down = texts.BTN_DOWN + (" ✓" if rated == -1 else "")
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.BTN_SOURCES, callback_data=f"src:{token}"),
        InlineKeyboardButton(up, callback_data=f"fb:{token}:1"),
        InlineKeyboardButton(down, callback_data=f"fb:{token}:-1"),
    ]])


async def on_ask_menu(update: Update, context: CallbackContext) -> None:
    await update.effective_message.reply_text(texts.ASK_PROMPT, reply_markup=main_menu())


async def on_question(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    message, user = update.effective_message, update.effective_user
    question = (message.text or "").strip()
    if len(question) < QUESTION_MIN:
        await message.reply_text(texts.QUESTION_TOO_SHORT)
        return
    if len(question) > QUESTION_MAX:
        await message.reply_text(texts.QUESTION_TOO_LONG.format(limit=QUESTION_MAX))
        return
    if (wait := svc.over_limit("question", user.id, svc.settings.telegram_questions_per_minute)) is not None:
        await message.reply_text(texts.RATE_QUESTIONS.format(wait=int(wait)))
        return
    if not svc.index_ready():
        await message.reply_text(texts.NO_INDEX)
        return
    # "typing…" is cosmetic: sent alongside the search, not before it.
    typing = asyncio.create_task(context.bot.send_chat_action(message.chat_id, ChatAction.TYPING))
    filters = staff_filters(context) if svc.is_staff(user.id) else None
    try:
        answer = await svc.ask(question, filters)
    finally:
        await asyncio.gather(typing, return_exceptions=True)
    stored = await svc.run(chat_answers.record, svc.db, chat_id=str(message.chat_id), question=question,
                           answer=answer.to_dict())
    asked = context.chat_data.setdefault("asked", {})
    asked[stored.token] = question
    for old in list(asked)[:-ASKED_KEPT]:
        asked.pop(old, None)
    parts = render.answer_html(answer.answer)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_text(part, parse_mode=ParseMode.HTML, disable_web_page_preview=True,
                                 reply_markup=answer_keyboard(stored.token, answer.abstained) if last else None)


async def on_sources(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    token = query.data.split(":", 1)[1]
    stored = await svc.run(chat_answers.get, svc.db, token, str(query.message.chat.id))
    await query.answer()
    if stored is None:
        await query.message.reply_text(texts.ANSWER_GONE)
        return
    if not stored.citations:
        await query.message.reply_text(texts.NO_SOURCES)
        return
    for i, part in enumerate(render.sources_html(stored.citations)):
        body = f"{texts.SOURCES_TITLE}\n\n{part}" if i == 0 else part
        await query.message.reply_text(body, parse_mode=ParseMode.HTML, disable_web_page_preview=True)


async def on_feedback(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    _, token, value = query.data.split(":", 2)
    rating = 1 if value == "1" else -1
    stored = await svc.run(chat_answers.rate, svc.db, token, str(query.message.chat.id), rating)
    if stored is None:
        await query.answer(texts.ANSWER_GONE)
        return
    await query.answer(texts.THANKS_UP if rating == 1 else texts.THANKS_DOWN)
    await query.edit_message_reply_markup(answer_keyboard(token, stored.abstained, rated=rating))


async def on_escalate(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    token = query.data.split(":", 1)[1]
    stored = await svc.run(chat_answers.get, svc.db, token, str(query.message.chat.id))
    await query.answer()
    if stored is None:
        await query.message.reply_text(texts.ANSWER_GONE)
        return
    if stored.escalated_code:
        await query.message.reply_text(texts.ALREADY_ESCALATED.format(code=stored.escalated_code))
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_ESCALATE_YES, callback_data=f"escy:{token}"),
                                      InlineKeyboardButton(texts.BTN_ESCALATE_NO, callback_data="escn")]])
    await query.message.reply_text(
        texts.ESCALATE_CONSENT.format(version=consent.NOTICE_VERSION, notice=render.esc(consent.NOTICE_TEXT)),
        parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def on_escalate_no(update: Update, context: CallbackContext) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(texts.ESCALATE_DECLINED)


async def on_escalate_yes(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    token = query.data.split(":", 1)[1]
    chat_id = str(query.message.chat.id)
    stored = await svc.run(chat_answers.get, svc.db, token, chat_id)
    if stored is None:
        await query.answer(texts.ANSWER_GONE)
        return
    limit = svc.settings.telegram_submissions_per_hour
    if not stored.escalated_code and (wait := svc.over_limit("submit", query.from_user.id, limit, 3600.0)) is not None:
        await query.answer()
        await query.message.reply_text(texts.RATE_SUBMISSIONS.format(minutes=max(1, int(wait) // 60)))
        return
    await query.answer()
    question = context.chat_data.get("asked", {}).get(token) or stored.question
    req = IntakeRequest(kind=Kind.QUESTION, content=question, channel=Channel.TELEGRAM,
                        contact=Contact(chat_id=chat_id), consent_version=consent.NOTICE_VERSION,
                        idempotency_key=f"tg-question-{token}")
    try:
        receipt = await svc.run(intake.submit, svc.db, req, svc.cfg)
    except CaseworkError as exc:
        await query.message.reply_text(texts.SUBMIT_FAILED.format(reason=exc.message))
        return
    await svc.run(chat_answers.mark_escalated, svc.db, token, chat_id, receipt.code)
    await svc.run(outbox.settle_in_conversation, svc.db, code=receipt.code, event="received")
    await query.edit_message_text(texts.ESCALATED.format(code=receipt.code), parse_mode=ParseMode.HTML)
