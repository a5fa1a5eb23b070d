"""Checks every update passes before any handler: a redelivered update is dropped (durably), and a
user sending too much is told once to slow down, then ignored until the window passes."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackContext

from bot import texts
from bot.services import services
from casework import inbound

log = logging.getLogger(__name__)


async def guard(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    if not await svc.run(inbound.claim, svc.db, "telegram", update.update_id):
        log.info("duplicate update %s dropped", update.update_id)
        raise ApplicationHandlerStop
    user = update.effective_user
    limit = svc.settings.telegram_messages_per_minute
    if user is None or svc.is_staff(user.id) or not limit:
        return
    wait = svc.over_limit("message", user.id, limit)
    if wait is None:
        return
    # One notice per window, so a flood is not answered with a flood.
    if svc.over_limit("flood-notice", user.id, 1, wait) is None:
        text = texts.RATE_MESSAGES.format(wait=int(wait))
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, text)
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop
