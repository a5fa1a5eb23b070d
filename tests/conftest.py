"""Fixtures shared by every test area."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tests' support modules


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (client data, eval sets, corpus-ext); tests skip when a checkout has none."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: client data and corpus-ext are only on project machines")
    return SHARED


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory):
    """Settings over a real index of the bundled corpus/, built once per test session (per worker)."""
    from thads.settings import Settings
    from retrieval.factory import open_store
    from retrieval.ingest import ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus-index"), embed_threads=1)
    store = open_store(settings)
    report = ingest(store, [settings.corpus_dir])
    store.close()
    assert report.ok and report.ingested, report.failed
    return settings


# --- casework databases: one migrated template per backend, cloned per test --------------------------

@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory):
    from casework_support import Templates

    t = Templates(tmp_path_factory.mktemp("templates"))
    yield t
    t.drop()


def _backends() -> list:
    from casework_support import BACKENDS

    return BACKENDS


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, templates, tmp_path: Path):
    """A fresh migrated database, on SQLite and on PostgreSQL (skipped with a reason without a server)."""
    from casework_support import fresh_database

    yield from fresh_database(templates, request.param, tmp_path)


@pytest.fixture
def db(db_url: str):
    from casework.db import Database

    database = Database(db_url)
    yield database
    database.dispose()
