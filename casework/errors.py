"""Domain errors with Vietnamese messages safe to show to the person who caused them."""

from __future__ import annotations


class CaseworkError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CaseworkError):
    status = 422


class NotFound(CaseworkError):
    """Also used for items that exist but belong to someone else: no existence leak."""

    status = 404

    def __init__(self, message: str = "Không tìm thấy hồ sơ.") -> None:
        super().__init__(message)


class Conflict(CaseworkError):
    status = 409


class Forbidden(CaseworkError):
    status = 403
