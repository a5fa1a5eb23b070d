"""`create_app(settings)`: the FastAPI application. Later issues mount more routers (case status,
dashboard, Telegram webhook) on the app this returns."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import routes_ops, routes_staff, routes_submissions, web
from api import routes_cases
from api.retrieval_adapter import RetrievalService
from api.routes_ops import install_metrics
from api.deps import Services
from bot.webhook import webhook_router
from api.ratelimit import MemoryRateLimiter, RateLimiter
from casework.approved_answers import approved_hook, catalog_state
from casework.config import QueueConfig
from casework.db import Database
from casework.errors import CaseworkError, InvalidInput
from casework.privacy import install_log_filter
from casework.queue import StaffQueue
from casework.regulations import RegulationSearch
from thads.settings import Settings

_VI_MESSAGES = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường này không được chấp nhận.",
    "string_too_long": "Nội dung quá dài.",
    "string_too_short": "Nội dung quá ngắn hoặc để trống.",
    "string_pattern_mismatch": "Định dạng không hợp lệ.",
    "enum": "Giá trị không nằm trong danh sách cho phép.",
    "literal_error": "Giá trị không hợp lệ.",
    "bool_parsing": "Cần giá trị đúng/sai (true/false).",
    "int_parsing": "Cần một số nguyên.",
    "json_invalid": "Dữ liệu JSON không hợp lệ.",
    "model_attributes_type": "Cần một đối tượng JSON.",
    "dict_type": "Cần một đối tượng JSON.",
    "string_type": "Cần một chuỗi ký tự.",
}


def config_from(settings: Settings) -> QueueConfig:
    return QueueConfig.from_settings(settings)


def _validation_detail(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Field-level details without echoing the submitted values (they may be personal data)."""
    return [
        {"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg"),
         "msg_vi": _VI_MESSAGES.get(str(e.get("type")), "Giá trị không hợp lệ.")}
        for e in errors
    ]


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _validation_detail(list(exc.errors())),
                                                      "message": "Dữ liệu gửi lên không hợp lệ. Vui lòng kiểm tra các trường được nêu."})

    @app.exception_handler(CaseworkError)
    async def on_domain(_: Request, exc: CaseworkError) -> JSONResponse:
        if isinstance(exc, InvalidInput):
            detail = [{"loc": ["body", exc.field or "body"], "type": "value_error", "msg": exc.message, "msg_vi": exc.message}]
            return JSONResponse(status_code=422, content={"detail": detail, "message": exc.message})
        return JSONResponse(status_code=exc.status, content={"detail": exc.message})


def create_app(
    settings: Settings,
    *,
    regulations: RegulationSearch | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """Build the app; `regulations` (the retrieval core's search) is optional."""
    install_log_filter()
    db = Database(settings.resolved_database_url)
    cfg = config_from(settings)
    # Staff-approved answers come first for matching questions (written on the dashboard).
    retrieval = RetrievalService(settings, approved=approved_hook(db, catalog_state(settings.index_dir)))
    svc = Services(settings=settings, db=db, cfg=cfg, queue=StaffQueue(db, cfg, regulations or retrieval),
                   limiter=limiter or MemoryRateLimiter())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        install_log_filter()  # uvicorn configures its handlers after import: attach again
        yield
        db.dispose()

    app = FastAPI(
        title="Trợ lý THADS API",
        version="0.1.0",
        description="Tiếp nhận và theo dõi khiếu nại, tố cáo, phản ánh, kiến nghị về thi hành án dân sự; hàng đợi xử lý cho cán bộ.",
        lifespan=lifespan,
    )
    app.state.services = svc
    app.state.retrieval = retrieval
    _install_handlers(app)
    install_metrics(app)
    app.include_router(routes_ops.router)
    app.include_router(routes_submissions.router)
    app.include_router(routes_staff.router)
    app.include_router(routes_cases.router)  # enforcement-case status
    app.include_router(web.router)  # staff dashboard (server-rendered pages)
    app.include_router(webhook_router(settings))  # Telegram webhook (empty unless configured)

    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory api.app:app_from_env` (several worker processes)."""
    return create_app(Settings())
