"""“Hồ sơ thi hành án của tôi”: linking (deep link `/start <code>`), listing and explaining cases.

Adapter over the case registry (casework.cases, issue 5). Until the registry exposes its citizen
functions, the menu entry answers that the feature is not available yet and the filing flow offers
no linked cases."""

from __future__ import annotations

import importlib
from types import ModuleType

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackContext

from bot import texts
from bot.menu import main_menu
from bot.services import BotServices, services


def _registry() -> ModuleType | None:
    """The registry's citizen module, when it has been built."""
    try:
        module = importlib.import_module("casework.cases.citizen")
    except ImportError:
        return None
    return module if all(hasattr(module, f) for f in ("linked_case_numbers",)) else None


async def case_numbers(svc: BotServices, chat_id: str) -> list[str]:
    """Case numbers linked to this chat, for “what does it concern” in the filing flow."""
    registry = _registry()
    if registry is None:
        return []
    return list(await svc.run(registry.linked_case_numbers, svc.db, chat_id))


async def on_cases_menu(update: Update, context: CallbackContext) -> None:
    await update.effective_message.reply_text(texts.CASES_UNAVAILABLE, parse_mode=ParseMode.HTML, reply_markup=main_menu())


async def link_from_start(update: Update, context: CallbackContext, payload: str) -> None:
    """`/start <signed code>` from a deep link the agency handed out."""
    services(context)
    await update.effective_message.reply_text(texts.CASES_UNAVAILABLE, reply_markup=main_menu())
