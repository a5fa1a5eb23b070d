"""What every dashboard page shares: the cookie session (on top of casework.staff tokens), CSRF,
one-shot flash messages, template rendering with safe headers, and lazy access to the index."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer

from api.auth import COOKIE_NAME, csrf_token
from api.deps import Services, services
from casework import staff
from casework.privacy import ROLE_LABELS, Permission, Principal

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
LOGIN_CSRF_COOKIE = "thads_login_csrf"
FLASH_COOKIE = "thads_flash"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE_HEADERS = {
    # Everything is served from here: no outside script, style, font or frame.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",  # pages carry personal data: no copies in shared caches or history
}


def fmt_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def fmt_dt(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y") if value else "—"


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["vndate"] = fmt_date
templates.env.filters["vndt"] = fmt_dt
templates.env.globals["ROLE_LABELS"] = ROLE_LABELS
templates.env.globals["Permission"] = Permission


# --- session ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    token: str
    csrf: str

    def can(self, permission: Permission) -> bool:
        return self.principal.can(permission)


def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(status_code=303, headers={"Location": f"/staff/login?next={quote(target, safe='')}"})


def _resolve(request: Request) -> WebUser | None:
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    svc = services(request)
    with svc.db.read() as s:
        principal = staff.resolve_token(s, token)  # expired, revoked or deactivated: None
    if principal is None:
        return None
    return WebUser(principal, token, csrf_token(svc.settings.signing_key(), token))


def page_user(request: Request) -> WebUser:
    """GET pages: the logged-in staff member, or a redirect to the login page."""
    user = _resolve(request)
    if user is None:
        raise _login_redirect(request)
    return user


async def form_user(request: Request) -> WebUser:
    """POST actions: a valid session and the session's CSRF token in the form."""
    user = _resolve(request)
    if user is None:
        raise _login_redirect(request)
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    if not hmac.compare_digest(sent, user.csrf):
        raise HTTPException(status_code=403, detail="Thiếu hoặc sai mã chống giả mạo yêu cầu (CSRF). Hãy tải lại trang.")
    return user


PageUser = Annotated[WebUser, Depends(page_user)]
FormUser = Annotated[WebUser, Depends(form_user)]


def set_session_cookie(response: Response, svc: Services, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=svc.settings.session_max_age, httponly=True,
                        secure=svc.settings.cookie_secure, samesite="lax", path="/")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


# --- flash messages -----------------------------------------------------------------------------


def _flash_signer(svc: Services) -> URLSafeSerializer:
    return URLSafeSerializer(svc.settings.signing_key(), salt="thads-flash")


def redirect(request: Request, url: str, message: str | None = None, level: str = "ok") -> RedirectResponse:
    """Post/redirect/get, carrying a one-shot message in a signed cookie."""
    response = RedirectResponse(url, status_code=303)
    if message:
        svc = services(request)
        response.set_cookie(FLASH_COOKIE, _flash_signer(svc).dumps([level, message]), max_age=60, httponly=True,
                            secure=svc.settings.cookie_secure, samesite="lax", path="/")
    return response


def _take_flash(request: Request) -> tuple[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        level, message = _flash_signer(services(request)).loads(raw)
        return str(level), str(message)
    except (BadSignature, ValueError):
        return None


def render(request: Request, name: str, context: dict[str, Any], *, user: WebUser | None = None,
           status_code: int = 200) -> HTMLResponse:
    flash = _take_flash(request)
    ctx = {"user": user, "flash": flash, "csrf": user.csrf if user else None, **context}
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers.update(PAGE_HEADERS)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


# --- the index (research page, related regulations, approved answers) ----------------------------


@dataclass
class IndexAccess:
    """The app's shared RetrievalService (opened on first use; its answerer consults staff-approved
    answers first). A service without a usable index still serves the queue."""

    retrieval: Any
    settings: Any
    error: str | None = None

    def available(self) -> bool:
        return self.retrieval is not None and self.retrieval.available()

    def answerer(self) -> Any | None:
        if not self.available():
            return None
        try:
            return self.retrieval.answerer
        except Exception as exc:  # the dashboard stays up; the page says the index is unusable
            log.warning("index unavailable: %s", type(exc).__name__)
            self.error = "Không mở được chỉ mục văn bản. Hãy chạy `thads ingest` hoặc `thads reindex`."
            return None

    def searcher(self) -> Any | None:
        answerer = self.answerer()
        return answerer.searcher if answerer is not None else None

    def doc_hashes(self) -> dict[str, str] | None:
        from casework.approved_answers import catalog_state

        return catalog_state(self.settings.index_dir)()

    def _values(self, column: str) -> list[str]:
        searcher = self.searcher()
        if searcher is None:
            return []
        return sorted({v for v in getattr(searcher.snapshot(), column).tolist() if v})

    def kinds(self) -> list[str]:
        return self._values("kind")

    def issuers(self) -> list[str]:
        return self._values("issuer")


def index_access(request: Request) -> IndexAccess:
    return IndexAccess(getattr(request.app.state, "retrieval", None), services(request).settings)


def validity_text(in_force: bool | None, valid_to: str | None = None, replaced_by: str | None = None) -> str:
    from types import SimpleNamespace

    from retrieval.validity import validity_note

    return validity_note(SimpleNamespace(in_force=in_force, valid_to=valid_to, replaced_by=replaced_by))
