"""Staff accounts (argon2 password hashes) and login sessions shared by the API and the dashboard."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import StaffSession, StaffUser, utcnow
from casework.privacy import Principal, Role

_HASHER = PasswordHasher()
# Verifying against a fixed hash when the user does not exist keeps response time uniform.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")
MIN_PASSWORD_LEN = 10


class StaffError(ValueError):
    """A refused account operation; the message is Vietnamese and safe to show."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def create_user(
    session: Session, username: str, password: str, role: Role, *, office: str | None = None, display_name: str = ""
) -> StaffUser:
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise StaffError("Tên đăng nhập không hợp lệ.")
    if len(password) < MIN_PASSWORD_LEN:
        raise StaffError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LEN} ký tự.")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise StaffError("Tên đăng nhập đã tồn tại.")
    user = StaffUser(
        username=username, password_hash=hash_password(password), role=Role(role).value, office=office,
        display_name=display_name or username,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedSession:
    token: str
    expires_at: datetime
    principal: Principal


def principal_of(user: StaffUser) -> Principal:
    return Principal(user_id=user.id, username=user.username, role=Role(user.role), office=user.office)


def open_session(session: Session, user: StaffUser, max_age_seconds: int) -> IssuedSession:
    """A random token (bearer header or cookie); only its SHA-256 is stored, so a DB leak is no login."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(seconds=max_age_seconds)
    session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id, expires_at=expires))
    session.flush()
    return IssuedSession(token, expires, principal_of(user))


def resolve_token(session: Session, token: str) -> Principal | None:
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return principal_of(row.user)


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
