"""Operations tests: a small source folder (two procedure guides) keeps index builds to seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
GUIDES = ("tu-nguyen-va-cuong-che.md", "khieu-nai-thi-hanh-an.md")


@pytest.fixture(scope="session")
def small_sources(tmp_path_factory) -> Path:
    """Two of the bundled procedure guides, copied: a real but quick corpus."""
    folder = tmp_path_factory.mktemp("sources") / "procedures"
    folder.mkdir()
    for name in GUIDES:
        shutil.copy2(REPO / "corpus" / "procedures" / name, folder / name)
    return folder
