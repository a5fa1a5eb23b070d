"""Message formatting: HTML escaping and splitting under Telegram's limit.

Telegram counts the 4096 characters after entity parsing, so text is split as plain text first and
escaped afterwards; tags are only ever added around whole lines, never across a split."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from casework.deadlines import local_date
from casework.messages import fmt_date

LIMIT = 4000  # under Telegram's 4096, leaving room for the few tags we add
QUOTE_MAX = 1200


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def split_plain(text: str, limit: int = LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries; never returns a part over `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, limit):
        joined = f"{current}\n{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _pieces(text: str, limit: int) -> Iterable[str]:
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            yield line[:cut]
            line = line[cut:].lstrip()
        yield line


def answer_html(text: str) -> list[str]:
    """An answer (plain text with [n] markers and a "Nguồn:" list) as HTML messages."""
    out = []
    for part in split_plain(text):
        lines = [esc(line) for line in part.split("\n")]
        out.append("\n".join("<b>Nguồn:</b>" if line == "Nguồn:" else line for line in lines))
    return out


def sources_html(citations: Sequence[dict[str, Any]]) -> list[str]:
    """The quoted passages behind an answer, one block per citation, packed into messages."""
    blocks = []
    for c in citations:
        quote = str(c.get("quote") or "").strip()
        if len(quote) > QUOTE_MAX:
            quote = quote[:QUOTE_MAX].rsplit(" ", 1)[0] + " …"
        head = f"[{c.get('n')}] {c.get('title') or ''}"
        section = str(c.get("section") or "")
        lines = [f"<b>{esc(head)}</b>"]
        if section and section not in head:
            lines.append(esc(section))
        if c.get("validity"):
            lines.append(f"<i>{esc(str(c['validity']))}</i>")
        if quote:
            lines.append(f"«{esc(quote)}»")
        blocks.append(("\n".join(lines), len(head) + len(section) + len(quote) + 60))
    return pack(blocks)


def pack(blocks: Sequence[tuple[str, int]], limit: int = LIMIT) -> list[str]:
    """Join (html, visible length) blocks into as few messages as fit under `limit`."""
    messages: list[str] = []
    current, size = "", 0
    for block, length in blocks:
        if current and size + length + 2 > limit:
            messages.append(current)
            current, size = "", 0
        current = f"{current}\n\n{block}" if current else block
        size += length + 2
    if current:
        messages.append(current)
    return messages


def deadline_line(item: dict[str, Any]) -> str:
    deadline = item.get("deadline") or {}
    due = deadline.get("due_date")
    if not due:
        return ""
    text = f"Hạn: {fmt_date(due)}"
    if deadline.get("overdue"):
        text += " (đã quá hạn)"
    elif deadline.get("days_left") is not None:
        text += f" (còn {deadline['days_left']} ngày)"
    rule = deadline.get("rule") or {}
    if rule.get("legal_basis"):
        text += f" — theo {rule['legal_basis']}"
        if rule.get("confirmed") is False:
            text += " (thời hạn chưa được xác nhận chính thức)"
    return text


def submission_html(item: dict[str, Any]) -> tuple[str, int]:
    """One of my submissions as the citizen sees it."""
    lines = [f"<b>{esc(item['code'])}</b> — {esc(item['kind_label'])}",
             f"Tình trạng: {esc(item['status_label'])}"]
    received = item.get("received_at")
    if received is not None:
        lines.append(f"Ngày gửi: {fmt_date(local_date(received))}")
    if line := deadline_line(item):
        lines.append(esc(line))
    reason = item.get("non_acceptance_reason")
    if reason:
        lines.append(esc(f"Lý do không thụ lý: {reason['label']} ({reason['legal_basis']})"))
    if item.get("transfer_to"):
        lines.append(esc(f"Đã chuyển đến: {item['transfer_to']}"))
    if item.get("decision_summary"):
        lines.append(esc(f"Kết quả: {item['decision_summary']}"))
    if item.get("note"):
        lines.append(esc(f"Ghi chú của cơ quan: {item['note']}"))
    body = "\n".join(lines)
    return body, len(body)
