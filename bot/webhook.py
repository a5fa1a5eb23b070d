"""Webhook mode: a FastAPI router the API mounts. The secret token header is compared in constant
time (401 otherwise); accepted updates go onto the Application's queue and the route answers 200 at
once. Duplicate update_ids are dropped durably by the guard (bot/guards.py) when processed.

One process must own the bot (its chat state lives in that process): run the API with one worker
when the webhook is on, or keep the webhook off and run `thads bot` instead."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from telegram import Update
from telegram.ext import Application

from thads.settings import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_router(settings: Settings, **build_kwargs: Any) -> APIRouter:
    """The webhook route and the bot's lifecycle; an empty router when the webhook is not configured."""
    if not (settings.telegram_token and settings.telegram_webhook_url):
        return APIRouter()
    if not settings.telegram_webhook_secret:
        raise ValueError("THADS_TELEGRAM_WEBHOOK_SECRET must be set when THADS_TELEGRAM_WEBHOOK_URL is")
    secret = settings.telegram_webhook_secret.encode()
    holder: dict[str, Application] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        from bot.app import ALLOWED_UPDATES, build_application, quiet_http_logs

        quiet_http_logs()
        application = build_application(settings, webhook=True, **build_kwargs)
        await application.initialize()
        await application.start()
        await application.bot.set_webhook(url=settings.telegram_webhook_url, secret_token=settings.telegram_webhook_secret,
                                          allowed_updates=ALLOWED_UPDATES)
        holder["app"] = application
        try:
            yield
        finally:
            holder.pop("app", None)
            await application.stop()
            await application.shutdown()
            application.bot_data["services"].close()

    router = APIRouter(lifespan=lifespan)

    @router.post(settings.telegram_webhook_path, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        sent = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(sent, secret):
            return JSONResponse({"detail": "Sai hoặc thiếu mã bí mật webhook."}, status_code=401)
        application = holder.get("app")
        if application is None:
            return JSONResponse({"detail": "Bot chưa sẵn sàng."}, status_code=503, headers={"Retry-After": "5"})
        try:
            data = await request.json()
        except ValueError:
            return JSONResponse({"detail": "Dữ liệu JSON không hợp lệ."}, status_code=400)
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return JSONResponse({"detail": "Thiếu update_id."}, status_code=400)
        if application.update_queue.qsize() >= settings.telegram_webhook_queue_max:
            # Telegram redelivers on a non-2xx answer: back-pressure instead of loss.
            return JSONResponse({"detail": "Hàng đợi đang đầy."}, status_code=503, headers={"Retry-After": "5"})
        try:
            update = Update.de_json(data, application.bot)
        except (KeyError, TypeError, ValueError):
            return JSONResponse({"detail": "Cập nhật không hợp lệ."}, status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return router
