"""Knobs the core needs, passed in by the adapters (the core does not read the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class QueueConfig:
    data_dir: Path
    signing_key: bytes
    default_office: str | None = None
    due_soon_days: int = 3
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachment_max_count: int = 5
    content_max_chars: int = 20_000
    duplicate_similarity: float = 0.95
    triage_min_similarity: float = 0.85

    @classmethod
    def from_settings(cls, settings: Any) -> "QueueConfig":
        """From a thads.settings.Settings (duck-typed so the core does not import the adapter layer)."""
        return cls(
            data_dir=settings.data_dir,
            signing_key=settings.signing_key(),
            default_office=settings.default_office,
            due_soon_days=settings.due_soon_days,
            attachment_max_bytes=settings.attachment_max_bytes,
            attachment_max_count=settings.attachment_max_count,
        )
