"""Fixtures for the casework core: a fresh migrated database per test, on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from casework_support import BACKENDS, Templates, fresh_database  # noqa: E402

from casework.config import QueueConfig  # noqa: E402
from casework.db import Database  # noqa: E402


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    t = Templates(tmp_path_factory.mktemp("templates"))
    yield t
    t.drop()


@pytest.fixture(params=BACKENDS)
def db_url(request, templates, tmp_path):
    yield from fresh_database(templates, request.param, tmp_path)


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def cfg(tmp_path) -> QueueConfig:
    return QueueConfig(data_dir=tmp_path / "data", signing_key=b"test-signing-key", default_office="THADS TP Hà Nội")
