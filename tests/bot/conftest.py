"""The real python-telegram-bot Application against the local fake Bot API, over a fresh migrated
database; a real uvicorn API when a test needs staff actions over HTTP."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from casework_support import fresh_database  # noqa: E402
from bot_support import PASSWORD, STAFF  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from proc_support import ThreadServer  # noqa: E402

from thads.settings import Settings  # noqa: E402



@pytest.fixture
def db_url(templates, tmp_path):
    yield from fresh_database(templates, "sqlite", tmp_path)


@pytest.fixture
def fake():
    server = FakeTelegram()
    yield server
    server.close()


def bot_settings(tmp_path: Path, db_url: str, fake: FakeTelegram, **overrides: Any) -> Settings:
    base = dict(data_dir=tmp_path / "data", database_url=db_url, secret_key="test-secret",
                default_office="THADS TP Hà Nội", telegram_token=fake.token, telegram_base_url=fake.base_url,
                telegram_base_file_url=fake.base_file_url, telegram_staff_ids=[STAFF],
                telegram_persistence_interval=0.5, rate_submit_per_minute=0, rate_lookup_per_minute=0,
                rate_login_per_minute=0)
    return Settings(**{**base, **overrides})


class BotRunner:
    """The bot polling the fake server from its own event-loop thread; tests stay synchronous."""

    def __init__(self, settings: Settings, answerer: Any = None) -> None:
        from bot.app import build_application, start_polling

        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def boot():
            app = build_application(settings, answerer=answerer)
            return app, await start_polling(settings, app=app, poll_timeout=1.0)

        self.channel: Any = None
        self.app, self._stop = self.call(boot())
        self.services = self.app.bot_data["services"]

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def deliver_outbox(self) -> int:
        """One pass of the real outbox worker through the Telegram channel `thads worker` uses."""
        from bot.channel import channel_from_settings
        from casework.outbox import OutboxWorker

        if self.channel is None:
            self.channel = channel_from_settings(self.settings)
        worker = OutboxWorker(self.services.db, {"telegram": self.channel})
        return self.call(worker.run_once())

    def stop(self) -> None:
        if self.channel is not None:
            self.call(self.channel.bot.shutdown())
        if self._stop is not None:
            self.call(self._stop())
            self._stop = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def start_bot(tmp_path, db_url, fake):
    runners: list[BotRunner] = []

    def start(answerer: Any = None, **overrides: Any) -> BotRunner:
        runner = BotRunner(bot_settings(tmp_path, db_url, fake, **overrides), answerer)
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        runner.stop()


class LiveAPI(ThreadServer):
    """create_app(settings) under uvicorn on 127.0.0.1."""

    def __init__(self, settings: Settings) -> None:
        from api.app import create_app

        super().__init__(create_app(settings))

    def staff(self, username: str, role: str = "supervisor") -> dict[str, str]:
        from casework.privacy import Role
        from casework.staff import create_user

        with self.app.state.services.db.write() as s:
            create_user(s, username, PASSWORD, Role(role))
        resp = self.client.post("/api/staff/login", json={"username": username, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}



@pytest.fixture
def start_api(tmp_path, db_url, fake):
    servers: list[LiveAPI] = []

    def start(**overrides: Any) -> LiveAPI:
        server = LiveAPI(bot_settings(tmp_path, db_url, fake, **overrides))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _retrieval_support():
    """tests/retrieval/conftest.py: its index builder keeps embeddings in pytest's cache directory."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "retrieval" / "conftest.py"
    spec = importlib.util.spec_from_file_location("retrieval_test_support", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def answerer(request, tmp_path_factory):
    """The real extractive answerer over a real index of corpus/ (built once per worker; embeddings
    are reused from pytest's cache when another test run computed them)."""
    from retrieval.answers import ExtractiveAnswerer

    support = _retrieval_support()
    index = support.build_index(request.config, tmp_path_factory.mktemp("bot-index"), [support.REPO / "corpus"])
    yield ExtractiveAnswerer(index.searcher)
    index.store.close()
