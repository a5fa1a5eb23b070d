"""“Hồ sơ thi hành án của tôi”: link a case (deep link `/start <code>`, or case number + last 4 ID
digits + date of birth), list my cases and explain one in plain Vietnamese. Adapter over
casework.cases.CaseService; the registry decides who may see what."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import render, texts
from bot.menu import ANY_MENU_BUTTON, main_menu
from bot.services import BotServices, services
from casework.cases import CaseConfig, CaseService, Citizen
from casework.cases.citizen import linked_case_numbers
from casework.cases.crypto import looks_like_link_code
from casework.errors import CaseworkError

LINK_NUMBER, LINK_ID, LINK_DOB = range(20, 23)
END = ConversationHandler.END

NO_CASES = (
    "Bạn chưa liên kết hồ sơ thi hành án nào.\n"
    "• Nếu thông báo của cơ quan thi hành án có mã/đường liên kết Telegram, hãy mở đường liên kết đó.\n"
    "• Hoặc bấm “Liên kết bằng số hồ sơ” và nhập số hồ sơ, 4 số cuối CCCD và ngày sinh của bạn."
)
BTN_LINK = "🔗 Liên kết bằng số hồ sơ"
ASK_NUMBER = "Nhập số hồ sơ thi hành án (số thụ lý hoặc số quyết định thi hành án), hoặc /cancel để hủy."
ASK_LAST4 = "Nhập 4 chữ số cuối của số căn cước (CCCD) của bạn."
ASK_DOB = "Nhập ngày sinh của bạn theo dạng ngày/tháng/năm (ví dụ: 05/09/1980)."
BAD_DOB = "Ngày sinh chưa đúng dạng ngày/tháng/năm (ví dụ: 05/09/1980). Bạn hãy nhập lại."
LINKED = "✅ Đã liên kết hồ sơ. Bạn sẽ nhận thông báo khi hồ sơ chuyển giai đoạn."
ALREADY = "Hồ sơ này đã được liên kết trước đó."
PRIVACY_TIP = "Mẹo: bạn có thể xóa các tin nhắn chứa số CCCD và ngày sinh vừa gửi khỏi cuộc trò chuyện."
MY_CASES = "<b>Hồ sơ thi hành án của bạn</b>"
BTN_DETAIL = "Xem chi tiết {number}"
BTN_NOTIFY_OFF = "🔕 Tắt thông báo"
BTN_NOTIFY_ON = "🔔 Bật thông báo"
BTN_UNLINK = "Hủy liên kết"
NOTIFY_SET = "Đã {state} thông báo cho hồ sơ này."
UNLINKED = "Đã hủy liên kết hồ sơ khỏi cuộc trò chuyện này."


def _service(svc: BotServices) -> CaseService:
    return CaseService(svc.db, CaseConfig.from_settings(svc.settings))


def _me(update: Update) -> Citizen:
    return Citizen.telegram(update.effective_chat.id)


async def case_numbers(svc: BotServices, chat_id: str) -> list[str]:
    """Case numbers linked to this chat, for “what does it concern” in the filing flow."""
    return list(await svc.run(linked_case_numbers, svc.db, chat_id))


def _case_line(c: dict[str, Any]) -> str:
    since = f" (từ {c['stage_since'].strftime('%d/%m/%Y')})" if c.get("stage_since") else ""
    return render.esc(f"• {c['case_number']} — {c['office']}\n  Bạn là: {c['your_role_label']}. Giai đoạn: {c['stage_label']}{since}")


async def _show_cases(update: Update, cases: list[dict[str, Any]], intro: str | None = None) -> None:
    message = update.effective_message
    if not cases:
        await message.reply_text(NO_CASES, reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(BTN_LINK, callback_data="cl:start")]]))
        return
    body = (f"{render.esc(intro)}\n\n" if intro else "") + MY_CASES + "\n" + "\n".join(_case_line(c) for c in cases)
    rows = [[InlineKeyboardButton(BTN_DETAIL.format(number=c["case_number"])[:60], callback_data=f"cs:{c['ref']}")] for c in cases[:8]]
    rows.append([InlineKeyboardButton(BTN_LINK, callback_data="cl:start")])
    await message.reply_text(body, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows))


async def on_cases_menu(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    cases = await svc.run(_service(svc).my_cases, _me(update))
    await _show_cases(update, cases)


async def link_from_start(update: Update, context: CallbackContext, payload: str) -> None:
    """`/start <signed code>` from a deep link the agency handed out."""
    svc = services(context)
    if not looks_like_link_code(payload):
        await update.effective_message.reply_text(texts.WELCOME, parse_mode=ParseMode.HTML, reply_markup=main_menu())
        return
    try:
        result = await svc.run(_service(svc).link_with_code, _me(update), payload)
    except CaseworkError as exc:
        await update.effective_message.reply_text(exc.message, reply_markup=main_menu())
        return
    await _show_cases(update, result.cases, LINKED if result.created else ALREADY)


async def on_case_detail(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    ref = query.data.split(":", 1)[1]
    await query.answer()
    try:
        status = await svc.run(_service(svc).case_status, _me(update), ref)
    except CaseworkError as exc:
        await query.message.reply_text(exc.message)
        return
    notify = status.get("notifications")
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(BTN_NOTIFY_OFF if notify else BTN_NOTIFY_ON, callback_data=f"cn:{ref}:{0 if notify else 1}"),
        InlineKeyboardButton(BTN_UNLINK, callback_data=f"cu:{ref}"),
    ]])
    parts = render.split_plain(status["text"])
    for i, part in enumerate(parts):
        await query.message.reply_text(render.esc(part), parse_mode=ParseMode.HTML,
                                       reply_markup=keyboard if i == len(parts) - 1 else None)


async def on_case_notify(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    _, ref, on = query.data.split(":", 2)
    try:
        await svc.run(_service(svc).set_notifications, _me(update), ref, on == "1")
    except CaseworkError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer(NOTIFY_SET.format(state="bật" if on == "1" else "tắt"), show_alert=True)


async def on_case_unlink(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    query = update.callback_query
    try:
        await svc.run(_service(svc).unlink, _me(update), query.data.split(":", 1)[1])
    except CaseworkError as exc:
        await query.answer(exc.message, show_alert=True)
        return
    await query.answer()
    await query.message.reply_text(UNLINKED, reply_markup=main_menu())


# --- linking by identity (a short persistent conversation) ----------------------------------------------

async def link_start(update: Update, context: CallbackContext) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    context.user_data["link"] = {}
    await update.effective_message.reply_text(ASK_NUMBER)
    return LINK_NUMBER


async def link_number(update: Update, context: CallbackContext) -> int:
    context.user_data.setdefault("link", {})["number"] = (update.effective_message.text or "").strip()[:100]
    await update.effective_message.reply_text(ASK_LAST4)
    return LINK_ID


async def link_last4(update: Update, context: CallbackContext) -> int:
    context.user_data.setdefault("link", {})["last4"] = (update.effective_message.text or "").strip()[:10]
    await update.effective_message.reply_text(ASK_DOB)
    return LINK_DOB


def parse_dob(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


async def link_dob(update: Update, context: CallbackContext) -> int:
    svc = services(context)
    born = parse_dob(update.effective_message.text or "")
    if born is None:
        await update.effective_message.reply_text(BAD_DOB)
        return LINK_DOB
    entered = context.user_data.pop("link", {})  # identifiers are not kept in chat state
    try:
        result = await svc.run(_service(svc).link_with_identity, _me(update), entered.get("number", ""),
                               entered.get("last4", ""), born)
    except CaseworkError as exc:
        await update.effective_message.reply_text(f"{exc.message}\n{PRIVACY_TIP}", reply_markup=main_menu())
        return END
    await _show_cases(update, result.cases, f"{LINKED if result.created else ALREADY}\n{PRIVACY_TIP}")
    return END


async def link_cancel(update: Update, context: CallbackContext) -> int:
    context.user_data.pop("link", None)
    await update.effective_message.reply_text(texts.CANCELLED, reply_markup=main_menu())
    return END


async def link_timed_out(update: Update, context: CallbackContext) -> None:
    context.user_data.pop("link", None)


def conversation(timeout: float) -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON
    return ConversationHandler(
        name="case-linking", persistent=True, conversation_timeout=timeout,
        entry_points=[CallbackQueryHandler(link_start, pattern=r"^cl:start$")],
        states={LINK_NUMBER: [MessageHandler(text, link_number)], LINK_ID: [MessageHandler(text, link_last4)],
                LINK_DOB: [MessageHandler(text, link_dob)], ConversationHandler.TIMEOUT: [TypeHandler(Update, link_timed_out)]},
        fallbacks=[CommandHandler("cancel", link_cancel), MessageHandler(ANY_MENU_BUTTON, link_cancel)],
    )


def handlers() -> list[Any]:
    return [CallbackQueryHandler(on_case_detail, pattern=r"^cs:"), CallbackQueryHandler(on_case_notify, pattern=r"^cn:[\w-]+:[01]$"),
            CallbackQueryHandler(on_case_unlink, pattern=r"^cu:")]
