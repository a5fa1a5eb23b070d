"""Staff authentication: one session token, sent as a bearer header (API clients) or as an HttpOnly
cookie (the web dashboard). Cookie-authenticated writes must carry the CSRF token."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import services
from casework import staff
from casework.privacy import Principal

COOKIE_NAME = "thads_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

bearer = HTTPBearer(auto_error=False, description="Mã phiên đăng nhập trả về từ /api/staff/login")

UNAUTHORIZED = HTTPException(
    status_code=401, detail="Phiên đăng nhập không hợp lệ hoặc đã hết hạn.", headers={"WWW-Authenticate": "Bearer"}
)


def csrf_token(signing_key: bytes, session_token: str) -> str:
    return hmac.new(signing_key, b"csrf\x00" + session_token.encode(), hashlib.sha256).hexdigest()[:40]


def session_token(request: Request, creds: HTTPAuthorizationCredentials | None) -> tuple[str | None, bool]:
    if creds is not None and creds.scheme.lower() == "bearer":
        return creds.credentials, False
    cookie = request.cookies.get(COOKIE_NAME)
    return (cookie, True) if cookie else (None, False)


def request_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE_NAME)


def current_principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    token, via_cookie = session_token(request, creds)
    if not token:
        raise UNAUTHORIZED
    svc = services(request)
    if via_cookie and request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, csrf_token(svc.settings.signing_key(), token)):
            raise HTTPException(status_code=403, detail="Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF).")
    with svc.db.read() as s:
        principal = staff.resolve_token(s, token)
    if principal is None:
        raise UNAUTHORIZED
    return principal


StaffPrincipal = Annotated[Principal, Depends(current_principal)]
