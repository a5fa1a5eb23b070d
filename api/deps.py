"""Shared request dependencies: the services built at start-up, client identity, rate limits."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request

from api.ratelimit import RateLimiter
from casework.config import QueueConfig
from casework.db import Database
from casework.queue import StaffQueue
from thads.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    cfg: QueueConfig
    queue: StaffQueue
    limiter: RateLimiter


def services(request: Request) -> Services:
    return request.app.state.services


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limit(request: Request, bucket: str, limit: int) -> None:
    """429 with Retry-After when this client is over its budget for `bucket`."""
    wait = services(request).limiter.hit(f"{bucket}:{client_key(request)}", limit)
    if wait is not None:
        raise HTTPException(
            status_code=429,
            detail=f"Bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau {int(wait)} giây.",
            headers={"Retry-After": str(int(wait))},
        )
