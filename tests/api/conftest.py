"""A real uvicorn server on 127.0.0.1 (free port) per test, over a fresh SQLite or PostgreSQL database."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from casework_support import BACKENDS, Templates, fresh_database  # noqa: E402

from api.app import create_app  # noqa: E402
from casework.db import Database  # noqa: E402
from casework.privacy import Role  # noqa: E402
from casework.staff import create_user  # noqa: E402
from thads.settings import Settings  # noqa: E402

PASSWORD = "mat-khau-rat-dai"


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    t = Templates(tmp_path_factory.mktemp("templates"))
    yield t
    t.drop()


@pytest.fixture(params=BACKENDS)
def db_url(request, templates, tmp_path):
    yield from fresh_database(templates, request.param, tmp_path)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self.db: Database = self.app.state.services.db
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def user(self, username: str, role: Role = Role.HANDLER, office: str | None = None) -> dict[str, str]:
        """Create a staff account and log in over HTTP; returns the Authorization header."""
        with self.db.write() as s:
            create_user(s, username, PASSWORD, role, office=office)
        resp = self.client.post("/api/staff/login", json={"username": username, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    def stop(self) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(10)


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
