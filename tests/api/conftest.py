"""A real uvicorn server on 127.0.0.1 (free port) per test, over a fresh SQLite or PostgreSQL database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.app import create_app  # noqa: E402
from casework.db import Database  # noqa: E402
from proc_support import ThreadServer  # noqa: E402
from casework.privacy import Role  # noqa: E402
from casework.staff import create_user  # noqa: E402
from thads.settings import Settings  # noqa: E402

PASSWORD = "mat-khau-rat-dai"


class LiveServer(ThreadServer):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__(create_app(settings))
        self.db: Database = self.app.state.services.db

    def user(self, username: str, role: Role = Role.HANDLER, office: str | None = None) -> dict[str, str]:
        """Create a staff account and log in over HTTP; returns the Authorization header."""
        with self.db.write() as s:
            create_user(s, username, PASSWORD, role, office=office)
        resp = self.client.post("/api/staff/login", json={"username": username, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}



def make_settings(tmp_path: Path, db_url: str, **overrides) -> Settings:
    base = dict(data_dir=tmp_path / "data", database_url=db_url, secret_key="test-secret", default_office="THADS TP Hà Nội",
                rate_submit_per_minute=0, rate_lookup_per_minute=0, rate_login_per_minute=0)
    return Settings(**{**base, **overrides})


@pytest.fixture
def live(db_url, tmp_path):
    server = LiveServer(make_settings(tmp_path, db_url))
    yield server
    server.stop()


@pytest.fixture
def live_factory(db_url, tmp_path):
    started: list[LiveServer] = []

    def start(**overrides) -> LiveServer:
        server = LiveServer(make_settings(tmp_path, db_url, **overrides))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
