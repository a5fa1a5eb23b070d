"""Filing a complaint, denunciation, feedback or recommendation: a persistent ConversationHandler.

kind → (denunciation: confidential or anonymous tip) → what it concerns → (complaint: target, level)
→ content with attachments → contact (optional) → consent (not for anonymous tips) → review → confirm.
The draft lives in user_data (persisted), so a flow survives a restart; the core validates and files."""

from __future__ import annotations

import logging
import secrets
import warnings
import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.warnings import PTBUserWarning
from telegram.ext import (
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import cases, render, texts
from bot.menu import ANY_MENU_BUTTON, main_menu, menu_button
from bot.services import BotServices, services
from casework import attachments, consent, intake, outbox
from casework.attachments import AttachmentError, StoredFile
from casework.deadlines import TARGET_LABELS, ComplaintTarget
from casework.errors import CaseworkError
from casework.intake import Contact, IntakeRequest
from casework.states import KIND_LABELS, Channel, Kind

log = logging.getLogger(__name__)

KIND, DMODE, CONCERNS, CASENO, TARGET, LEVEL, CONTENT, CONTACT, CONSENT, REVIEW = range(10)
END = ConversationHandler.END
TELEGRAM_DOWNLOAD_MAX = 20 * 1024 * 1024  # the Bot API serves files up to 20 MB
CANCEL_BUTTON = InlineKeyboardButton(texts.BTN_CANCEL, callback_data="f:cancel")


def _kb(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*rows, [CANCEL_BUTTON]])


def _draft(context: CallbackContext) -> dict[str, Any]:
    draft = context.user_data.get("draft")
    if draft is None:
        draft = context.user_data["draft"] = new_draft()
    draft["touched"] = time.time()
    return draft


def new_draft() -> dict[str, Any]:
    return {"id": secrets.token_hex(8), "kind": None, "anonymous": False, "confidential": None, "case_number": None,
            "complaint_target": None, "complaint_level": None, "parts": [], "files": [], "contact": {},
            "consent_version": None, "touched": time.time()}


async def _say(update: Update, text: str, markup: Any = None) -> None:
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup,
                                              disable_web_page_preview=True)


async def _answer(update: Update) -> None:
    if update.callback_query:
        await update.callback_query.answer()


# --- steps -----------------------------------------------------------------------------------------

async def start(update: Update, context: CallbackContext) -> int:
    context.user_data["draft"] = new_draft()
    await _answer(update)
    buttons = [InlineKeyboardButton(label, callback_data=f"f:k:{kind.value}") for kind, label in texts.KIND_BUTTONS.items()]
    await _say(update, texts.CHOOSE_KIND, _kb(buttons[:2], buttons[2:]))
    return KIND


async def on_kind(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    kind = Kind(update.callback_query.data.split(":", 2)[2])
    draft = _draft(context)
    draft["kind"] = kind.value
    if kind == Kind.DENUNCIATION:
        await _say(update, texts.DENUNCIATION_IDENTITY, _kb(
            [InlineKeyboardButton(texts.BTN_CONFIDENTIAL, callback_data="f:m:conf")],
            [InlineKeyboardButton(texts.BTN_ANONYMOUS, callback_data="f:m:anon")]))
        return DMODE
    return await ask_concerns(update, context)


async def on_mode(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    draft = _draft(context)
    anonymous = update.callback_query.data.endswith(":anon")
    draft["anonymous"], draft["confidential"] = anonymous, True
    return await ask_concerns(update, context)


async def ask_concerns(update: Update, context: CallbackContext) -> int:
    svc = services(context)
    draft = _draft(context)
    draft["my_cases"] = [] if draft["anonymous"] else await cases.case_numbers(svc, str(update.effective_chat.id))
    rows = [[InlineKeyboardButton(label[:60], callback_data=f"f:c:{i}")] for i, label in enumerate(draft["my_cases"][:5])]
    rows.append([InlineKeyboardButton(texts.BTN_TYPE_CASE, callback_data="f:c:type"),
                 InlineKeyboardButton(texts.BTN_SKIP, callback_data="f:c:skip")])
    await _say(update, texts.CHOOSE_CONCERNS, _kb(*rows))
    return CONCERNS


async def on_concerns(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    draft = _draft(context)
    choice = update.callback_query.data.split(":", 2)[2]
    if choice == "type":
        await _say(update, texts.TYPE_CASE, _kb())
        return CASENO
    if choice.isdigit() and int(choice) < len(draft.get("my_cases") or []):
        draft["case_number"] = draft["my_cases"][int(choice)]
    return await after_concerns(update, context)


async def on_case_number(update: Update, context: CallbackContext) -> int:
    text = (update.effective_message.text or "").strip()
    if not text or len(text) > 100:
        await _say(update, texts.CASE_TOO_LONG, _kb())
        return CASENO
    _draft(context)["case_number"] = text
    return await after_concerns(update, context)


async def after_concerns(update: Update, context: CallbackContext) -> int:
    if _draft(context)["kind"] == Kind.COMPLAINT.value:
        rows = [[InlineKeyboardButton(label, callback_data=f"f:t:{target.value}")] for target, label in TARGET_LABELS.items()]
        rows.append([InlineKeyboardButton(texts.BTN_TARGET_UNKNOWN, callback_data="f:t:unknown")])
        await _say(update, texts.CHOOSE_TARGET, _kb(*rows))
        return TARGET
    return await ask_content(update, context)


async def on_target(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    choice = update.callback_query.data.split(":", 2)[2]
    _draft(context)["complaint_target"] = None if choice == "unknown" else ComplaintTarget(choice).value
    await _say(update, texts.CHOOSE_LEVEL, _kb([InlineKeyboardButton(texts.BTN_LEVEL_1, callback_data="f:l:1")],
                                               [InlineKeyboardButton(texts.BTN_LEVEL_2, callback_data="f:l:2")]))
    return LEVEL


async def on_level(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    _draft(context)["complaint_level"] = 2 if update.callback_query.data.endswith(":2") else 1
    return await ask_content(update, context)


def _done_kb() -> InlineKeyboardMarkup:
    return _kb([InlineKeyboardButton(texts.BTN_DONE, callback_data="f:done")])


async def ask_content(update: Update, context: CallbackContext) -> int:
    cfg = services(context).cfg
    await _say(update, texts.ASK_CONTENT.format(count=cfg.attachment_max_count, mb=cfg.attachment_max_bytes // (1024 * 1024)),
               _done_kb())
    return CONTENT


def _content_len(draft: dict[str, Any]) -> int:
    return sum(len(p) for p in draft["parts"]) + len(draft["parts"])


async def _add_text(update: Update, context: CallbackContext, text: str) -> bool:
    draft, cfg = _draft(context), services(context).cfg
    if _content_len(draft) + len(text) > cfg.content_max_chars:
        await _say(update, texts.CONTENT_TOO_LONG.format(limit=cfg.content_max_chars), _done_kb())
        return False
    draft["parts"].append(text)
    return True


async def on_content_text(update: Update, context: CallbackContext) -> int:
    text = (update.effective_message.text or "").strip()
    if text and await _add_text(update, context, text):
        draft = _draft(context)
        await _say(update, texts.CONTENT_NOTED.format(chars=_content_len(draft), files=len(draft["files"])), _done_kb())
    return CONTENT


async def on_content_file(update: Update, context: CallbackContext) -> int:
    svc = services(context)
    message, draft, cfg = update.effective_message, _draft(context), svc.cfg
    if len(draft["files"]) >= cfg.attachment_max_count:
        await _say(update, texts.FILE_TOO_MANY.format(count=cfg.attachment_max_count), _done_kb())
        return CONTENT
    media = message.document or (message.photo[-1] if message.photo else None)
    name = message.document.file_name if message.document else f"anh-{message.message_id}.jpg"
    limit = min(cfg.attachment_max_bytes, TELEGRAM_DOWNLOAD_MAX)
    if media is None or (media.file_size or 0) > limit:
        await _say(update, texts.FILE_TOO_BIG.format(mb=limit // (1024 * 1024)), _done_kb())
        return CONTENT
    try:
        data = bytes(await (await media.get_file()).download_as_bytearray())
    except TelegramError:
        await _say(update, texts.FILE_FAILED, _done_kb())
        return CONTENT
    try:
        stored = await svc.run(attachments.store, data, filename=name, data_dir=cfg.data_dir, max_bytes=cfg.attachment_max_bytes)
    except AttachmentError as exc:
        await _say(update, render.esc(str(exc)), _done_kb())
        return CONTENT
    draft["files"].append(stored.__dict__.copy())
    if message.caption and message.caption.strip():
        await _add_text(update, context, message.caption.strip())
    await _say(update, render.esc(texts.FILE_NOTED.format(name=stored.filename, n=len(draft["files"]), count=cfg.attachment_max_count)),
               _done_kb())
    return CONTENT


async def on_content_done(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    draft = _draft(context)
    if not "".join(draft["parts"]).strip():
        await _say(update, texts.CONTENT_EMPTY, _done_kb())
        return CONTENT
    if draft["anonymous"]:
        return await ask_review(update, context)
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(texts.BTN_SHARE_CONTACT, request_contact=True)], [texts.BTN_SKIP]],
                                   resize_keyboard=True, one_time_keyboard=True)
    await _say(update, texts.ASK_CONTACT, keyboard)
    return CONTACT


async def on_contact(update: Update, context: CallbackContext) -> int:
    shared = update.effective_message.contact
    if shared.user_id is not None and shared.user_id != update.effective_user.id:
        await _say(update, texts.CONTACT_NOT_OWN)
        return CONTACT
    name = " ".join(p for p in (shared.first_name, shared.last_name) if p).strip() or None
    _draft(context)["contact"] = {"name": name, "phone": shared.phone_number}
    await _say(update, texts.CONTACT_NOTED, main_menu())
    return await ask_consent(update, context)


async def on_contact_skip(update: Update, context: CallbackContext) -> int:
    _draft(context)["contact"] = {}
    await _say(update, texts.CONTACT_SKIPPED, main_menu())
    return await ask_consent(update, context)


async def ask_consent(update: Update, context: CallbackContext) -> int:
    # Both choices are equal buttons and nothing is selected in advance (an affirmative act is required).
    await _say(update, texts.ASK_CONSENT.format(version=consent.NOTICE_VERSION, notice=render.esc(consent.NOTICE_TEXT)),
               _kb([InlineKeyboardButton(texts.BTN_CONSENT_YES, callback_data="f:consent:yes"),
                    InlineKeyboardButton(texts.BTN_CONSENT_NO, callback_data="f:consent:no")]))
    return CONSENT


async def on_consent(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    if update.callback_query.data.endswith(":no"):
        context.user_data.pop("draft", None)
        await _say(update, texts.CONSENT_DECLINED, main_menu())
        return END
    _draft(context)["consent_version"] = consent.NOTICE_VERSION
    return await ask_review(update, context)


def summary(draft: dict[str, Any]) -> str:
    kind = Kind(draft["kind"])
    label = KIND_LABELS[kind] + (" — tin báo không ghi danh" if draft["anonymous"] else
                                 " — bảo mật danh tính" if kind == Kind.DENUNCIATION else "")
    content = "\n".join(draft["parts"])
    shown = content if len(content) <= 1500 else content[:1500] + " …"
    lines = [f"Loại: {label}"]
    if draft.get("case_number"):
        lines.append(f"Liên quan: {draft['case_number']}")
    if draft.get("complaint_target"):
        lines.append(f"Khiếu nại về: {TARGET_LABELS[ComplaintTarget(draft['complaint_target'])]}")
    if draft.get("complaint_level"):
        lines.append(f"Lần khiếu nại: {draft['complaint_level']}")
    lines.append(f"Tệp đính kèm: {len(draft['files'])}")
    if not draft["anonymous"]:
        contact = draft.get("contact") or {}
        phone = contact.get("phone")
        lines.append("Liên hệ: " + (f"{contact.get('name') or ''} ({phone[:3]}…{phone[-3:]})".strip() if phone else "qua Telegram"))
    lines.append(f"Nội dung:\n{shown}")
    return render.esc("\n".join(lines))


async def ask_review(update: Update, context: CallbackContext) -> int:
    await _say(update, texts.REVIEW.format(summary=summary(_draft(context))),
               _kb([InlineKeyboardButton(texts.BTN_SEND, callback_data="f:send")],
                   [InlineKeyboardButton(texts.BTN_EDIT, callback_data="f:edit")]))
    return REVIEW


async def on_edit(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    _draft(context)["parts"] = []
    await _say(update, texts.EDIT_CONTENT, _done_kb())
    return CONTENT


def intake_request(draft: dict[str, Any], chat_id: str) -> IntakeRequest:
    anonymous = bool(draft["anonymous"])
    contact = Contact() if anonymous else Contact(name=draft["contact"].get("name"), phone=draft["contact"].get("phone"),
                                                  chat_id=chat_id)
    return IntakeRequest(
        kind=Kind(draft["kind"]), content="\n".join(draft["parts"]), channel=Channel.TELEGRAM, contact=contact,
        consent_version=None if anonymous else draft["consent_version"], case_number=draft.get("case_number"),
        complaint_target=ComplaintTarget(draft["complaint_target"]) if draft.get("complaint_target") else None,
        complaint_level=draft.get("complaint_level"), confidential=draft.get("confidential"), anonymous=anonymous,
        # The same draft confirmed twice (a double tap, a retry after a restart) files one submission.
        idempotency_key=f"tg-{chat_id}-{draft['id']}",
        attachments=tuple(StoredFile(**f) for f in draft["files"]),
    )


async def on_send(update: Update, context: CallbackContext) -> int:
    svc: BotServices = services(context)
    await _answer(update)
    draft = _draft(context)
    user_id = update.effective_user.id
    if (wait := svc.over_limit("submit", user_id, svc.settings.telegram_submissions_per_hour, 3600.0)) is not None:
        await _say(update, texts.RATE_SUBMISSIONS.format(minutes=max(1, int(wait) // 60)))
        return REVIEW
    try:
        receipt = await svc.run(intake.submit, svc.db, intake_request(draft, str(update.effective_chat.id)), svc.cfg)
    except CaseworkError as exc:
        await _say(update, render.esc(texts.SUBMIT_FAILED.format(reason=exc.message)))
        return REVIEW
    await svc.run(outbox.settle_in_conversation, svc.db, code=receipt.code, event="received")
    context.user_data.pop("draft", None)
    if receipt.secret is None:
        text = texts.SUBMITTED_ANONYMOUS.format(receipt=render.esc(receipt.message), code=receipt.code)
    else:
        text = texts.SUBMITTED.format(receipt=render.esc(receipt.message), code=receipt.code,
                                      secret_line=texts.SECRET_LINE.format(secret=receipt.secret), follow=texts.MENU_FOLLOW)
    await _say(update, text, main_menu())
    return END


# --- leaving -----------------------------------------------------------------------------------------

async def cancel(update: Update, context: CallbackContext) -> int:
    await _answer(update)
    context.user_data.pop("draft", None)
    await _say(update, texts.CANCELLED, main_menu())
    return END


async def timed_out(update: Update, context: CallbackContext) -> None:
    context.user_data.pop("draft", None)
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None:
        await context.bot.send_message(chat.id, texts.TIMED_OUT, reply_markup=main_menu())


async def mid_flow(update: Update, context: CallbackContext) -> None:
    await _answer(update)
    await _say(update, texts.MID_FLOW)


async def use_buttons(update: Update, context: CallbackContext) -> None:
    await _answer(update)
    await _say(update, texts.USE_BUTTONS)


def conversation(settings_timeout: float) -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON
    # per_message=False is intended: the flow is keyed by chat and user, buttons come from several messages.
    warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
    return ConversationHandler(
        name="filing",
        persistent=True,
        conversation_timeout=settings_timeout,
        allow_reentry=False,
        entry_points=[CommandHandler("gui_don", start), MessageHandler(menu_button(texts.MENU_FILE), start),
                      CallbackQueryHandler(start, pattern=r"^menu:file$")],
        states={
            KIND: [CallbackQueryHandler(on_kind, pattern=r"^f:k:(complaint|denunciation|feedback|recommendation)$")],
            DMODE: [CallbackQueryHandler(on_mode, pattern=r"^f:m:(conf|anon)$")],
            CONCERNS: [CallbackQueryHandler(on_concerns, pattern=r"^f:c:")],
            CASENO: [MessageHandler(text, on_case_number)],
            TARGET: [CallbackQueryHandler(on_target, pattern=r"^f:t:")],
            LEVEL: [CallbackQueryHandler(on_level, pattern=r"^f:l:[12]$")],
            CONTENT: [MessageHandler(text, on_content_text),
                      MessageHandler(filters.PHOTO | filters.Document.ALL, on_content_file),
                      CallbackQueryHandler(on_content_done, pattern=r"^f:done$")],
            CONTACT: [MessageHandler(filters.CONTACT, on_contact),
                      MessageHandler(filters.Text([texts.BTN_SKIP]), on_contact_skip)],
            CONSENT: [CallbackQueryHandler(on_consent, pattern=r"^f:consent:(yes|no)$")],
            REVIEW: [CallbackQueryHandler(on_send, pattern=r"^f:send$"), CallbackQueryHandler(on_edit, pattern=r"^f:edit$")],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=r"^f:cancel$"),
                   MessageHandler(ANY_MENU_BUTTON, mid_flow), CommandHandler(["start", "gui_don"], mid_flow),
                   MessageHandler(filters.ALL & ~filters.COMMAND, use_buttons),
                   CallbackQueryHandler(use_buttons, pattern=r"^f:")],
    )
