"""Kinds of submission, the lifecycle state machine and the legal reasons for non-acceptance.

Labels are Vietnamese (shown to citizens and staff); legal bases quote the facts sheet
(/work/shared/domain/thads-facts.md §3–4) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    COMPLAINT = "complaint"  # khiếu nại
    DENUNCIATION = "denunciation"  # tố cáo
    FEEDBACK = "feedback"  # phản ánh
    RECOMMENDATION = "recommendation"  # kiến nghị
    QUESTION = "question"  # câu hỏi chuyển cán bộ


KIND_LABELS: dict[Kind, str] = {
    Kind.COMPLAINT: "Khiếu nại",
    Kind.DENUNCIATION: "Tố cáo",
    Kind.FEEDBACK: "Phản ánh",
    Kind.RECOMMENDATION: "Kiến nghị",
    Kind.QUESTION: "Câu hỏi gửi cán bộ",
}

# Tracking-code prefixes per kind (KNG: kiến nghị, HD: hỏi đáp).
KIND_PREFIXES: dict[Kind, str] = {
    Kind.COMPLAINT: "KN",
    Kind.DENUNCIATION: "TC",
    Kind.FEEDBACK: "PA",
    Kind.RECOMMENDATION: "KNG",
    Kind.QUESTION: "HD",
}


class Status(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    TRANSFERRED = "transferred"
    MERGED = "merged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: dict[Status, str] = {
    Status.RECEIVED: "Đã tiếp nhận",
    Status.ACCEPTED: "Đã thụ lý",
    Status.NOT_ACCEPTED: "Không thụ lý",
    Status.TRANSFERRED: "Đã chuyển cơ quan có thẩm quyền",
    Status.MERGED: "Đã gộp vào đơn khác",
    Status.IN_PROGRESS: "Đang giải quyết",
    Status.RESOLVED: "Đã giải quyết",
    Status.CLOSED: "Đã đóng",
    Status.WITHDRAWN: "Đã rút đơn",
}

# Open = still moving; the citizen may withdraw and deadlines run.
OPEN_STATUSES: frozenset[Status] = frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS})

# The only allowed moves. Withdrawal is listed separately: only the citizen does it.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.ACCEPTED, Status.NOT_ACCEPTED, Status.TRANSFERRED, Status.MERGED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED}),
    Status.NOT_ACCEPTED: frozenset({Status.CLOSED}),
    Status.TRANSFERRED: frozenset({Status.CLOSED}),
    Status.MERGED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


def staff_can_move(src: Status, dst: Status) -> bool:
    return dst in TRANSITIONS[src]


def citizen_can_withdraw(src: Status) -> bool:
    return src in OPEN_STATUSES


def all_pairs() -> list[tuple[Status, Status]]:
    return [(a, b) for a in Status for b in Status]


@dataclass(frozen=True)
class NonAcceptanceReason:
    code: str
    label: str  # Vietnamese, shown to the citizen
    legal_basis: str
    kinds: frozenset[Kind]
    guidance: str  # what the law requires the agency to tell the citizen (Vietnamese)


_COMPLAINT = frozenset({Kind.COMPLAINT})
_GUIDE_141 = (
    "Cơ quan thi hành án dân sự có trách nhiệm hướng dẫn bằng văn bản một lần cho người khiếu nại "
    "trong thời hạn 05 ngày làm việc (Nghị định 62/2015/NĐ-CP, Điều 38 khoản 1)."
)
_FILED_AWAY = "Đơn được lưu, không xử lý; đơn lưu được giữ trong 01 năm (Thông tư 13/2021/TT-BTP, Điều 8 khoản 4)."

NON_ACCEPTANCE_REASONS: dict[str, NonAcceptanceReason] = {
    r.code: r
    for r in [
        NonAcceptanceReason(
            "not_directly_affected",
            "Quyết định, hành vi bị khiếu nại không liên quan trực tiếp đến quyền, lợi ích hợp pháp của người khiếu nại",
            "Luật Thi hành án dân sự 2008 (sửa đổi), Điều 141",
            _COMPLAINT,
            _GUIDE_141,
        ),
        NonAcceptanceReason(
            "no_capacity_no_representative",
            "Người khiếu nại không có năng lực hành vi dân sự đầy đủ mà không có người đại diện hợp pháp",
            "Luật Thi hành án dân sự 2008 (sửa đổi), Điều 141",
            _COMPLAINT,
            _GUIDE_141,
        ),
        NonAcceptanceReason(
            "representative_without_authority",
            "Người đại diện không có giấy tờ chứng minh về việc đại diện hợp pháp",
            "Luật Thi hành án dân sự 2008 (sửa đổi), Điều 141",
            _COMPLAINT,
            _GUIDE_141,
        ),
        NonAcceptanceReason(
            "time_limit_expired",
            "Thời hiệu khiếu nại đã hết",
            "Luật Thi hành án dân sự 2008 (sửa đổi), Điều 141 (thời hiệu tại Điều 140 khoản 2)",
            _COMPLAINT,
            _GUIDE_141,
        ),
        NonAcceptanceReason(
            "final_decision_exists",
            "Việc khiếu nại đã có quyết định giải quyết khiếu nại cuối cùng (trừ trường hợp Bộ trưởng Bộ Tư pháp xem xét lại)",
            "Luật Thi hành án dân sự 2008 (sửa đổi), Điều 141",
            _COMPLAINT,
            _GUIDE_141,
        ),
        NonAcceptanceReason(
            "filed_anonymous_or_false_name",
            "Đơn khiếu nại nặc danh hoặc mạo danh",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "filed_unsigned",
            "Đơn khiếu nại không có chữ ký",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "filed_foreign_language",
            "Đơn viết bằng tiếng nước ngoài không kèm bản dịch có công chứng",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "filed_abusive",
            "Đơn có nội dung xúc phạm",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "filed_illegible",
            "Đơn không đọc được",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "filed_repeated",
            "Đơn khiếu nại trùng lặp nội dung đã được xem xét",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "filed_no_clarification",
            "Người khiếu nại đã được mời hợp lệ hai lần nhưng không đến làm rõ nội dung",
            "Thông tư 13/2021/TT-BTP, Điều 8 khoản 4",
            _COMPLAINT,
            _FILED_AWAY,
        ),
        NonAcceptanceReason(
            "denunciation_anonymous",
            "Tố cáo nặc danh, mạo danh hoặc không được thực hiện bằng đơn hay trực tiếp nên không được xử lý như tố cáo",
            "Luật Tố cáo 2018, Điều 25 (hình thức tố cáo tại Điều 22); Thông tư 13/2021/TT-BTP, Điều 16 khoản 5",
            frozenset({Kind.DENUNCIATION}),
            "Nếu nội dung nêu rõ người có hành vi vi phạm và có tài liệu, chứng cứ cụ thể, cơ quan có thể "
            "tự kiểm tra theo thẩm quyền hoặc chuyển cơ quan có thẩm quyền (Luật Tố cáo 2018, Điều 25).",
        ),
    ]
}


def reasons_for(kind: Kind) -> list[NonAcceptanceReason]:
    return [r for r in NON_ACCEPTANCE_REASONS.values() if kind in r.kinds]


class Topic(StrEnum):
    SLOW_ENFORCEMENT = "cham_thi_hanh"
    SEIZURE_VALUATION_AUCTION = "ke_bien_dinh_gia_dau_gia"
    STAFF_CONDUCT = "thai_do_can_bo"
    CORRUPTION = "tham_nhung_tieu_cuc"
    FEES = "phi_chi_phi"
    OTHER = "khac"


TOPIC_LABELS: dict[Topic, str] = {
    Topic.SLOW_ENFORCEMENT: "Chậm thi hành án",
    Topic.SEIZURE_VALUATION_AUCTION: "Kê biên, định giá, đấu giá tài sản",
    Topic.STAFF_CONDUCT: "Thái độ, ứng xử của cán bộ",
    Topic.CORRUPTION: "Tham nhũng, tiêu cực",
    Topic.FEES: "Phí, chi phí thi hành án",
    Topic.OTHER: "Khác",
}


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_LABELS: dict[Priority, str] = {
    Priority.NORMAL: "Bình thường",
    Priority.HIGH: "Cao",
    Priority.URGENT: "Khẩn cấp",
}

PRIORITY_RANK: dict[Priority, int] = {Priority.NORMAL: 0, Priority.HIGH: 1, Priority.URGENT: 2}


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"
    API = "api"
