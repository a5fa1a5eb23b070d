"""Vietnamese texts the citizen receives (receipt, status notifications, status page)."""

from __future__ import annotations

from datetime import date

from casework.deadlines import DeadlineRule
from casework.states import KIND_LABELS, NON_ACCEPTANCE_REASONS, STATUS_LABELS, Kind, Status


def fmt_date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def deadline_sentence(prefix: str, due: date | None, rule: DeadlineRule | None) -> str:
    if due is None or rule is None:
        return ""
    text = f"{prefix}: {fmt_date(due)} ({rule.label}, theo {rule.legal_basis})."
    if not rule.confirmed:
        text += " Lưu ý: thời hạn này chưa được xác nhận chính thức."
    return text


def receipt_text(code: str, kind: Kind, received: date, due: date | None, rule: DeadlineRule | None, anonymous: bool) -> str:
    lines = [f"Đã tiếp nhận {KIND_LABELS[kind].lower()} của bạn ngày {fmt_date(received)}. Mã hồ sơ: {code}."]
    if anonymous:
        lines.append(
            "Đây là tin báo không ghi danh: bạn sẽ không nhận được thông báo. Theo Luật Tố cáo 2018 (Điều 25), "
            "tố cáo nặc danh không được xử lý như tố cáo; cơ quan có thể tự kiểm tra nếu nội dung nêu rõ người vi phạm và có chứng cứ cụ thể."
        )
        return " ".join(lines)
    sentence = deadline_sentence("Hạn thụ lý dự kiến", due, rule)
    if sentence:
        lines.append(sentence)
    lines.append("Vui lòng giữ mã hồ sơ và mã bí mật để tra cứu tình trạng.")
    return " ".join(lines)


def status_text(
    code: str,
    status: Status,
    *,
    note: str | None = None,
    reason_code: str | None = None,
    transfer_to: str | None = None,
    decision_summary: str | None = None,
    due: date | None = None,
    rule: DeadlineRule | None = None,
) -> str:
    parts = [f"Hồ sơ {code}: {STATUS_LABELS[status]}."]
    if status == Status.NOT_ACCEPTED and reason_code in NON_ACCEPTANCE_REASONS:
        reason = NON_ACCEPTANCE_REASONS[reason_code]
        parts.append(f"Lý do: {reason.label} (căn cứ: {reason.legal_basis}). {reason.guidance}")
    if status == Status.TRANSFERRED and transfer_to:
        parts.append(f"Đơn đã được chuyển đến: {transfer_to}.")
    if status == Status.RESOLVED and decision_summary:
        parts.append(f"Kết quả giải quyết: {decision_summary}")
    sentence = deadline_sentence("Hạn giải quyết", due, rule)
    if sentence and status in (Status.ACCEPTED, Status.IN_PROGRESS):
        parts.append(sentence)
    if note:
        parts.append(f"Ghi chú của cơ quan: {note}")
    return " ".join(parts)
