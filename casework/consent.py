"""The personal-data notice a citizen must affirmatively accept (Law 91/2025/QH15 Điều 9; NĐ 356/2025:
voluntary, informed, clear affirmative act; silence or pre-ticked boxes are not consent)."""

from __future__ import annotations

from dataclasses import dataclass

NOTICE_VERSION = "2026-01"

PURPOSES = (
    "Tiếp nhận, xử lý và giải quyết đơn của bạn theo quy định pháp luật",
    "Liên hệ và gửi thông báo về tình trạng giải quyết đơn",
)
DATA_TYPES = ("Họ tên", "Số điện thoại", "Thư điện tử", "Địa chỉ", "Mã trò chuyện Telegram", "Nội dung đơn và tệp đính kèm")

NOTICE_TEXT = (
    "Cơ quan thi hành án dân sự (bên kiểm soát dữ liệu) xử lý các dữ liệu cá nhân sau: "
    + ", ".join(DATA_TYPES).lower()
    + ". Mục đích: "
    + "; ".join(PURPOSES).lower()
    + ". Bạn có quyền xem, chỉnh sửa, rút lại sự đồng ý hoặc yêu cầu xóa dữ liệu theo Luật Bảo vệ dữ liệu cá nhân "
    "số 91/2025/QH15. Dữ liệu chỉ được lưu trong thời gian cần cho mục đích trên, trừ khi pháp luật về lưu trữ quy định khác. "
    "Bạn cần chủ động chọn “Đồng ý” — hệ thống không mặc định đồng ý thay bạn."
)


@dataclass(frozen=True)
class ConsentNotice:
    version: str = NOTICE_VERSION
    text: str = NOTICE_TEXT
    purposes: tuple[str, ...] = PURPOSES
    data_types: tuple[str, ...] = DATA_TYPES


CURRENT = ConsentNotice()
