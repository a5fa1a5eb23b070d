"""The python-telegram-bot Application: built from Settings, run by polling (development, `thads bot`,
`thads up`) or fed by the webhook route in the API (bot/webhook.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    TypeHandler,
    filters,
)

from bot import ask, cases, filing, follow, guards, staff, texts
from bot.menu import main_menu, menu_button
from bot.services import Answerer, BotServices, services
from thads.settings import Settings

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
COMMANDS = [
    BotCommand("start", "Menu chính"),
    BotCommand("gui_don", "Gửi khiếu nại, tố cáo, phản ánh, kiến nghị"),
    BotCommand("theo_doi", "Theo dõi đơn đã gửi"),
    BotCommand("ho_so", "Hồ sơ thi hành án của tôi"),
    BotCommand("help", "Hướng dẫn"),
    BotCommand("cancel", "Hủy thao tác đang làm"),
]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, strictly ordered within one chat (a conversation never races itself)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


async def on_start(update: Update, context: CallbackContext) -> None:
    if context.args:
        await cases.link_from_start(update, context, context.args[0][:128])
        return
    await update.effective_message.reply_text(texts.WELCOME, parse_mode=ParseMode.HTML, reply_markup=main_menu())


async def on_help(update: Update, context: CallbackContext) -> None:
    extra = texts.STAFF_HELP if services(context).is_staff(update.effective_user.id) else ""
    await update.effective_message.reply_text(texts.HELP + extra, parse_mode=ParseMode.HTML, reply_markup=main_menu())


async def on_cancel_idle(update: Update, context: CallbackContext) -> None:
    await update.effective_message.reply_text(texts.NOTHING_TO_CANCEL, reply_markup=main_menu())


async def on_stale_button(update: Update, context: CallbackContext) -> None:
    await update.callback_query.answer(texts.TIMED_OUT, show_alert=True)


async def on_other(update: Update, context: CallbackContext) -> None:
    await update.effective_message.reply_text(texts.UNKNOWN_INPUT, reply_markup=main_menu())


async def on_error(update: object, context: CallbackContext) -> None:
    # Type only: exception text may carry what the person wrote.
    log.error("update handling failed: %s", type(context.error).__name__, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await context.bot.send_message(update.effective_chat.id, texts.ERROR)
        except Exception:  # the chat may be unreachable; nothing more to do
            pass


def register_handlers(app: Application, settings: Settings) -> None:
    app.add_handler(TypeHandler(Update, guards.guard), group=-1)
    app.add_handler(filing.conversation(settings.telegram_conversation_timeout))
    app.add_handler(cases.conversation(settings.telegram_conversation_timeout))
    for handler in cases.handlers():
        app.add_handler(handler)
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("help", on_help))
    app.add_handler(CommandHandler("cancel", on_cancel_idle))
    app.add_handler(CommandHandler("theo_doi", follow.on_follow))
    app.add_handler(CommandHandler("ho_so", cases.on_cases_menu))
    app.add_handler(CommandHandler("hangdoi", staff.on_queue_digest))
    app.add_handler(CommandHandler("loc", staff.on_filters))
    app.add_handler(MessageHandler(menu_button(texts.MENU_ASK), ask.on_ask_menu))
    app.add_handler(MessageHandler(menu_button(texts.MENU_CASES), cases.on_cases_menu))
    app.add_handler(MessageHandler(menu_button(texts.MENU_FOLLOW), follow.on_follow))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, ask.on_question))
    app.add_handler(CallbackQueryHandler(ask.on_sources, pattern=r"^src:"))
    app.add_handler(CallbackQueryHandler(ask.on_feedback, pattern=r"^fb:[\w-]+:(1|-1)$"))
    app.add_handler(CallbackQueryHandler(ask.on_escalate, pattern=r"^esc:"))
    app.add_handler(CallbackQueryHandler(ask.on_escalate_yes, pattern=r"^escy:"))
    app.add_handler(CallbackQueryHandler(ask.on_escalate_no, pattern=r"^escn$"))
    app.add_handler(CallbackQueryHandler(follow.on_withdraw_ask, pattern=r"^w:"))
    app.add_handler(CallbackQueryHandler(follow.on_withdraw_yes, pattern=r"^wy:"))
    app.add_handler(CallbackQueryHandler(follow.on_withdraw_no, pattern=r"^wn$"))
    app.add_handler(CallbackQueryHandler(on_stale_button, pattern=r"^f:"))
    app.add_handler(MessageHandler(filters.ALL & ~filters.COMMAND, on_other))
    app.add_error_handler(on_error)


async def _post_init(app: Application) -> None:
    try:
        await app.bot.set_my_commands(COMMANDS)
    except Exception as exc:  # cosmetic: the bot works without its command list
        log.warning("set_my_commands failed: %s", type(exc).__name__)


def build_application(settings: Settings, *, webhook: bool = False, services_: BotServices | None = None,
                      answerer: Answerer | None = None) -> Application:
    if not settings.telegram_token:
        raise ValueError("THADS_TELEGRAM_TOKEN is not set")
    svc = services_ or BotServices.from_settings(settings, answerer=answerer)
    state = settings.data_dir / "bot" / "state.pickle"
    state.parent.mkdir(parents=True, exist_ok=True)
    persistence = PicklePersistence(
        filepath=state, update_interval=settings.telegram_persistence_interval,
        # Services (database engine) live in bot_data and must not be pickled.
        store_data=PersistenceInput(bot_data=False, callback_data=False),
    )
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .persistence(persistence)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(PerChatUpdateProcessor(settings.telegram_concurrent_updates))
        .post_init(_post_init)
    )
    if webhook:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data["services"] = svc
    register_handlers(app, settings)
    return app


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


async def start_polling(settings: Settings, *, poll_timeout: float = 10.0,
                        app: Application | None = None) -> Callable[[], Awaitable[None]]:
    """Start polling in the running loop; returns the coroutine function that stops it."""
    quiet_http_logs()
    application = app or build_application(settings)
    await application.initialize()
    await application.updater.start_polling(poll_interval=0.0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
    await application.start()

    async def stop() -> None:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        application.bot_data["services"].close()

    return stop
