"""“Theo dõi đơn đã gửi”: my submissions with status and deadline; withdrawal with a confirmation."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackContext

from bot import render, texts
from bot.menu import main_menu
from bot.services import services
from casework import codes, intake, outbox
from casework.errors import CaseworkError
from casework.messages import status_text
from casework.states import OPEN_STATUSES, Status

SHOWN = 10


async def on_follow(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    message = update.effective_message
    items = await svc.run(intake.list_for_chat, svc.db, str(message.chat_id), due_soon_days=svc.cfg.due_soon_days)
    if not items:
        await message.reply_text(texts.NO_SUBMISSIONS, reply_markup=main_menu())
        return
    items = items[:SHOWN]
    blocks = [render.submission_html(i) for i in items]
    parts = render.pack([(texts.FOLLOW_TITLE, 30), *blocks])
    open_codes = [i["code"] for i in items if Status(i["status"]) in OPEN_STATUSES]
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.BTN_WITHDRAW.format(code=c), callback_data=f"w:{c}")] for c in open_codes]
    ) if open_codes else None
    for n, part in enumerate(parts):
        await message.reply_text(part, parse_mode=ParseMode.HTML,
                                 reply_markup=keyboard if n == len(parts) - 1 else None)


async def on_withdraw_ask(update: Update, context: CallbackContext) -> None:
    query = update.callback_query
    code = codes.normalize_code(query.data.split(":", 1)[1])
    await query.answer()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(texts.BTN_WITHDRAW_YES, callback_data=f"wy:{code}"),
                                      InlineKeyboardButton(texts.BTN_WITHDRAW_NO, callback_data="wn")]])
    await query.message.reply_text(texts.CONFIRM_WITHDRAW.format(code=render.esc(code)), parse_mode=ParseMode.HTML,
                                   reply_markup=keyboard)


async def on_withdraw_no(update: Update, context: CallbackContext) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(texts.WITHDRAW_KEPT)


async def on_withdraw_yes(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    code = codes.normalize_code(query.data.split(":", 1)[1])
    await query.answer()
    try:
        # Ownership is the filing chat: another chat's code is "not found", like a missing one.
        await svc.run(intake.withdraw, svc.db, code, chat_id=str(query.message.chat.id),
                      due_soon_days=svc.cfg.due_soon_days)
    except CaseworkError as exc:
        await query.edit_message_text(exc.message)
        return
    await svc.run(outbox.settle_in_conversation, svc.db, code=code, event="withdrawn")
    await query.edit_message_text(status_text(code, Status.WITHDRAWN))
