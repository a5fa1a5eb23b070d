"""Fixtures for the casework core: a fresh migrated database per test, on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casework.config import QueueConfig  # noqa: E402


@pytest.fixture
def cfg(tmp_path) -> QueueConfig:
    return QueueConfig(data_dir=tmp_path / "data", signing_key=b"test-signing-key", default_office="THADS TP Hà Nội")
