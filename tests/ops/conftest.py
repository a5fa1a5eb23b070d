"""Operations tests: a small source folder (two procedure guides) keeps index builds to seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from proc_support import copy_guides  # noqa: E402


@pytest.fixture(scope="session")
def small_sources(tmp_path_factory) -> Path:
    return copy_guides(tmp_path_factory.mktemp("sources") / "procedures")
