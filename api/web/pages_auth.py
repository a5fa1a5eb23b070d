"""Login and logout. The session is a casework.staff token in an HttpOnly, SameSite=Lax cookie
(Secure per settings) that expires with the session; the login form has its own CSRF cookie."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.auth import COOKIE_NAME
from api.deps import rate_limit, services
from api.web.common import LOGIN_CSRF_COOKIE, FormUser, _resolve, new_login_csrf, redirect, render, set_session_cookie
from casework import staff

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only paths inside the dashboard: never an open redirect."""
    if target and target.startswith("/staff") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff/"


def _login_page(request: Request, next_url: str, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    token = new_login_csrf()
    response = render(request, "login.html", {"next": next_url, "login_csrf": token, "error": error}, status_code=status_code)
    svc = services(request)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, secure=svc.settings.cookie_secure,
                        samesite="strict", path="/staff/login")
    return response


@router.get("/staff/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None):
    if _resolve(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/staff/login", response_class=HTMLResponse)
def login(request: Request, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=200)] = "", csrf_token: Annotated[str, Form(max_length=100)] = "",
          next: Annotated[str, Form(max_length=500)] = "/staff/"):
    svc = services(request)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(request, _safe_next(next), "Phiên đăng nhập đã hết hạn. Vui lòng thử lại.", 403)
    try:
        rate_limit(request, "login", svc.settings.rate_login_per_minute)
    except HTTPException as exc:
        return _login_page(request, _safe_next(next), str(exc.detail), 429)
    with svc.db.write() as s:
        user = staff.authenticate(s, username, password)
        issued = staff.open_session(s, user, svc.settings.session_max_age) if user is not None else None
    if issued is None:
        return _login_page(request, _safe_next(next), "Tên đăng nhập hoặc mật khẩu không đúng.", 401)
    response = redirect(request, _safe_next(next), f"Xin chào {issued.principal.username}.")
    set_session_cookie(response, svc, issued.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff/login")
    return response


@router.post("/staff/logout")
def logout(request: Request, user: FormUser):
    with services(request).db.write() as s:
        staff.revoke_token(s, user.token)
    response = redirect(request, "/staff/login", "Bạn đã đăng xuất.")
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
