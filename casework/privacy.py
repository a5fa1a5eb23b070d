"""Roles, permissions, the one redaction step every response and export goes through, and the
logging filter that keeps phones, ID numbers and e-mails out of logs."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casework.states import Kind


class Role(StrEnum):
    HANDLER = "handler"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLE_LABELS = {Role.HANDLER: "Cán bộ xử lý", Role.SUPERVISOR: "Lãnh đạo phụ trách", Role.ADMIN: "Quản trị hệ thống"}


class Permission(StrEnum):
    QUEUE_READ = "queue.read"
    QUEUE_CLAIM = "queue.claim"
    QUEUE_WORK = "queue.work"  # transition own items, notes, triage edits
    QUEUE_ASSIGN = "queue.assign"
    QUEUE_TRANSITION_ANY = "queue.transition_any"
    EXPORT = "queue.export"
    STATS = "queue.stats"
    VIEW_DENOUNCER_IDENTITY = "view_denouncer_identity"
    MANAGE_USERS = "users.manage"
    CASES_READ = "cases.read"  # enforcement-case registry: search, view, analytics
    CASES_WRITE = "cases.write"  # import, stage changes, issuing link codes for notices


_HANDLER = {Permission.QUEUE_READ, Permission.QUEUE_CLAIM, Permission.QUEUE_WORK, Permission.EXPORT, Permission.STATS,
            Permission.CASES_READ}

# A denouncer's identity is classified information (Luật Tố cáo 2018 Điều 47; QĐ 774/QĐ-TTg): only the
# leader who handles the denunciation sees it. The system administrator manages accounts, not cases.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HANDLER: frozenset(_HANDLER),
    Role.SUPERVISOR: frozenset(
        _HANDLER | {Permission.QUEUE_ASSIGN, Permission.QUEUE_TRANSITION_ANY, Permission.VIEW_DENOUNCER_IDENTITY,
                    Permission.CASES_WRITE}
    ),
    Role.ADMIN: frozenset(_HANDLER | {Permission.QUEUE_ASSIGN, Permission.QUEUE_TRANSITION_ANY, Permission.MANAGE_USERS,
                                      Permission.CASES_WRITE}),
}


@dataclass(frozen=True)
class Principal:
    """A logged-in staff member as the core sees them."""

    user_id: int
    username: str
    role: Role
    office: str | None  # None = all offices

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS[self.role]

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def sees_office(self, office: str | None) -> bool:
        return self.office is None or office == self.office


IDENTITY_FIELDS = ("citizen_name", "phone", "email", "address", "chat_id")
REDACTED = "[Đã ẩn — bảo mật danh tính người tố cáo]"


def identity_protected(kind: str, confidential: bool) -> bool:
    return kind == Kind.DENUNCIATION and confidential


def redact(record: dict[str, Any], *, kind: str, confidential: bool, principal: Principal) -> tuple[dict[str, Any], bool]:
    """Return the record with identity fields hidden when the viewer lacks the permission, and whether
    a protected identity was revealed (the caller audits that)."""
    if not identity_protected(kind, confidential):
        return record, False
    present = [f for f in IDENTITY_FIELDS if record.get(f)]
    if principal.can(Permission.VIEW_DENOUNCER_IDENTITY):
        return record, bool(present)
    out = dict(record)
    for f in IDENTITY_FIELDS:
        if f in out:
            out[f] = REDACTED if out[f] else None
    out["identity_redacted"] = True
    return out, False


# --- logging -----------------------------------------------------------------------------------

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")  # CMND (9) / CCCD (12) numbers, bank accounts
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_SENSITIVE_EXTRA = ("content", "phone", "citizen_name", "address", "email", "text", "body")


def scrub(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _LONG_DIGITS.sub("[number]", text)


class PersonalDataFilter(logging.Filter):
    """Masks phones, ID numbers and e-mails in every record and drops content-like extras.
    Content itself is never logged by our code; this is the safety net for everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep only its template
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        for name in _SENSITIVE_EXTRA:
            if name in record.__dict__:
                record.__dict__[name] = "[redacted]"
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "sqlalchemy", "casework", "api", "thads")


def install_log_filter() -> None:
    """Attach the filter to every handler of our and uvicorn's loggers (handler filters also see
    records propagated from child loggers, logger filters would not)."""
    flt = PersonalDataFilter()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    for name in _LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
                handler.addFilter(flt)
