"""Knobs the core needs, passed in by the adapters (the core does not read the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
