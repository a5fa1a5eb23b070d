"""Allow-listed staff: regulation Q&A with source filters (/loc) and the queue digest (/hangdoi)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import CallbackContext

from bot import render, texts
from bot.services import BotServices, services
from casework.deadlines import today_local
from casework.messages import fmt_date
from casework.privacy import Principal, Role
from casework.queue import Filters, StaffQueue
from casework.states import Status
from retrieval.search import SearchFilters

_KEYS = {"loai": "kind", "coquan": "issuer", "hieuluc": "in_force_on", "vanban": "doc_id"}
_FILTER_RE = re.compile(r"(loai|coquan|hieuluc|vanban)\s*=\s*(.*?)(?=\s+(?:loai|coquan|hieuluc|vanban)\s*=|$)", re.I)
# The bot reads the queue as a handler of every office without identity permission: the digest
# shows codes, kinds and deadlines only, never names or content.
DIGEST_PRINCIPAL = Principal(user_id=0, username="telegram-digest", role=Role.HANDLER, office=None)
DIGEST_ITEMS = 5


def parse_filters(text: str) -> dict[str, str]:
    """`loai=thông tư hieuluc=nay` → {"kind": "thông tư", "in_force_on": "nay"}; ValueError on junk."""
    text = text.strip()
    found = {_KEYS[m.group(1).lower()]: m.group(2).strip() for m in _FILTER_RE.finditer(text)}
    leftover = _FILTER_RE.sub("", text).strip()
    if leftover:
        raise ValueError(leftover)
    if "in_force_on" in found and found["in_force_on"].lower() != "nay":
        date.fromisoformat(found["in_force_on"])
    return found


def staff_filters(context: CallbackContext) -> SearchFilters | None:
    raw = context.chat_data.get("filters") or {}
    if not raw:
        return None
    values: dict[str, Any] = dict(raw)
    if "in_force_on" in values:
        values["in_force_on"] = today_local() if values["in_force_on"].lower() == "nay" else date.fromisoformat(values["in_force_on"])
    if "kind" in values:
        values["kind"] = values["kind"].casefold()
    return SearchFilters(**values)


def _describe(raw: dict[str, str]) -> str:
    names = {v: k for k, v in _KEYS.items()}
    return ", ".join(f"{names[k]}={v}" for k, v in raw.items()) or texts.FILTERS_NONE


async def on_filters(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    message = update.effective_message
    if not svc.is_staff(update.effective_user.id):
        await message.reply_text(texts.STAFF_ONLY)
        return
    args = " ".join(context.args or [])
    if args.strip().lower() in ("xoa", "xóa"):
        context.chat_data.pop("filters", None)
    elif args.strip():
        try:
            context.chat_data["filters"] = parse_filters(args)
        except ValueError:
            await message.reply_text(texts.FILTERS_BAD.format(part=args[:100]))
            return
    await message.reply_text(texts.FILTERS_NOW.format(filters=_describe(context.chat_data.get("filters") or {})))


def digest(svc: BotServices) -> str:
    queue = StaffQueue(svc.db, svc.cfg)
    sections = {}
    for key, f in (("new", Filters(status=Status.RECEIVED)), ("soon", Filters(due_soon=True)), ("overdue", Filters(overdue=True))):
        sections[key] = queue.list(DIGEST_PRINCIPAL, f, per_page=DIGEST_ITEMS)
    body = texts.QUEUE_DIGEST.format(new=sections["new"][1], soon=sections["soon"][1], overdue=sections["overdue"][1],
                                     days=svc.cfg.due_soon_days)
    for title, key in (("Quá hạn", "overdue"), ("Sắp đến hạn", "soon"), ("Mới", "new")):
        items = sections[key][0]
        if items:
            body += f"\n<b>{title}</b>\n" + "\n".join(_digest_line(i) for i in items) + "\n"
    url = svc.settings.public_url.rstrip("/") + "/staff/"
    return body + texts.DASHBOARD_LINK.format(url=render.esc(url))


def _digest_line(item: dict[str, Any]) -> str:
    due = (item.get("deadline") or {}).get("due_date")
    when = f" — hạn {fmt_date(due)}" if due else ""
    return render.esc(f"• {item['code']} · {item['kind_label']} · {item['status_label']}{when}")


async def on_queue_digest(update: Update, context: CallbackContext) -> None:
    svc = services(context)
    message = update.effective_message
    if not svc.is_staff(update.effective_user.id):
        await message.reply_text(texts.STAFF_ONLY)
        return
    body = await svc.run(digest, svc)
    await message.reply_text(body, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
