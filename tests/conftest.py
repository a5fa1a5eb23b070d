"""Fixtures shared by every test area."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (client data, eval sets, corpus-ext); tests skip when a checkout has none."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: client data and corpus-ext are only on project machines")
    return SHARED


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO
