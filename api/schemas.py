"""Request and response models. Requests forbid unknown fields (422 naming the field)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from casework.deadlines import ComplaintTarget
from casework.states import Kind, Priority, Status, Topic


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactIn(Strict):
    name: str | None = Field(None, max_length=200, description="Họ tên")
    phone: str | None = Field(None, max_length=30, pattern=r"^\+?[0-9 .\-]{8,20}$", description="Số điện thoại")
    email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    address: str | None = Field(None, max_length=500)
    telegram_chat_id: str | None = Field(None, max_length=64, pattern=r"^-?\d{1,20}$",
                                         description="Telegram chat that receives status notifications")


class ConsentIn(Strict):
    notice_version: str = Field(..., max_length=20, description="Version of /api/consent-notice the citizen read")
    agreed: Literal[True] = Field(..., description="Must be an explicit true: silence or defaults are not consent")


class SubmissionIn(Strict):
    kind: Kind
    content: str = Field(..., min_length=1, max_length=20_000)
    office: str | None = Field(None, max_length=200, description="Cơ quan THADS liên quan")
    case_number: str | None = Field(None, max_length=100, description="Số hồ sơ / quyết định thi hành án (nếu có)")
    complaint_target: ComplaintTarget | None = None
    complaint_level: Literal[1, 2] | None = None
    contact: ContactIn | None = None
    consent: ConsentIn | None = None
    confidential: bool | None = Field(None, description="Tố cáo: giữ bí mật danh tính (mặc định có)")
    anonymous: bool = Field(False, description="Tố cáo không ghi danh: không liên hệ, không thông báo, chỉ có mã tiếp nhận")


class ReceiptOut(BaseModel):
    code: str
    secret: str | None = Field(None, description="Mã bí mật để tra cứu; chỉ hiển thị một lần (không có với tin báo không ghi danh)")
    kind: Kind
    status: Status
    received_on: date
    due_date: date | None
    message: str
    created: bool


class LookupIn(Strict):
    code: str = Field(..., min_length=6, max_length=30)
    secret: str = Field(..., min_length=4, max_length=40)


class WithdrawIn(LookupIn):
    reason: str | None = Field(None, max_length=1000)


class RuleOut(BaseModel):
    code: str
    label: str
    description: str
    legal_basis: str
    confirmed: bool
    note: str | None


class DeadlineOut(BaseModel):
    due_date: date | None
    days_left: int | None
    overdue: bool
    due_soon: bool
    rule: RuleOut | None


class ReasonOut(BaseModel):
    code: str
    label: str
    legal_basis: str
    guidance: str


class HistoryOut(BaseModel):
    at: datetime
    status: Status
    status_label: str


class CitizenStatusOut(BaseModel):
    code: str
    kind: Kind
    kind_label: str
    status: Status
    status_label: str
    received_at: datetime
    office: str | None
    deadline: DeadlineOut
    non_acceptance_reason: ReasonOut | None
    transfer_to: str | None
    decision_summary: str | None
    note: str | None
    history: list[HistoryOut]


class ConsentNoticeOut(BaseModel):
    version: str
    text: str
    purposes: list[str]
    data_types: list[str]


# --- staff -------------------------------------------------------------------------------------


class LoginIn(Strict):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=200)
    cookie: bool = Field(False, description="Also set an HttpOnly session cookie (web dashboard)")


class LoginOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    username: str
    role: str
    office: str | None
    csrf_token: str | None = Field(None, description="Send as X-CSRF-Token on writes authenticated by cookie")


class MeOut(BaseModel):
    username: str
    role: str
    office: str | None
    permissions: list[str]


class StaffItemOut(BaseModel):
    """A submission as staff see it; identity fields are redacted without the permission."""

    model_config = ConfigDict(extra="allow")
    code: str
    kind: Kind
    kind_label: str
    status: Status
    status_label: str
    topic: Topic
    topic_label: str
    priority: Priority
    priority_label: str
    office: str | None
    case_number: str | None
    received_at: datetime
    assignee: str | None
    deadline: DeadlineOut
    confidential: bool
    anonymous: bool
    citizen_name: str | None
    identity_redacted: bool


class ItemPage(BaseModel):
    items: list[StaffItemOut]
    total: int
    page: int
    per_page: int


class AssignIn(Strict):
    username: str | None = Field(None, max_length=64, description="null = unassign")
    note: str | None = Field(None, max_length=2000)


class TransitionIn(Strict):
    to: Status
    note: str | None = Field(None, max_length=5000, description="Message to the citizen (also kept in the audit log)")
    reason: str | None = Field(None, max_length=60, description="Non-acceptance reason code (GET /api/staff/reasons)")
    transfer_to: str | None = Field(None, max_length=300)
    merged_into: str | None = Field(None, max_length=30, description="Tracking code of the item to merge into")
    decision_summary: str | None = Field(None, max_length=5000)
    version: int | None = Field(None, description="Optimistic concurrency: the version you saw")


class NoteIn(Strict):
    body: str = Field(..., min_length=1, max_length=10_000)


class NoteOut(BaseModel):
    id: int
    author: str
    body: str
    created_at: datetime


class TriageIn(Strict):
    kind: Kind | None = None
    topic: Topic | None = None
    priority: Priority | None = None
    office: str | None = Field(None, max_length=200)
    complaint_target: ComplaintTarget | None = None
    complaint_level: Literal[1, 2] | None = None
    note: str | None = Field(None, max_length=2000)


class StatsOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    total: int
    open: int
    overdue: int
    due_soon: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_office: dict[str, int]


class ErrorOut(BaseModel):
    detail: Any
