"""Case-registry fixtures: a fresh migrated database per test on SQLite and PostgreSQL (the queue's
templates), the service over it, and a live API server (the queue's LiveServer)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

from casework.cases import CaseConfig, CaseService  # noqa: E402

EXAMPLES = TESTS.parent / "docs" / "examples"
KEY = b"test-secret"


def _api_support():
    spec = importlib.util.spec_from_file_location("api_live_support", TESTS / "api" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def svc(db) -> CaseService:
    return CaseService(db, CaseConfig(signing_key=KEY, max_failures=3))


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def live(db_url, tmp_path):
    support = _api_support()
    server = support.LiveServer(support.make_settings(tmp_path, db_url, case_lookup_max_failures=3))
    yield server
    server.stop()
