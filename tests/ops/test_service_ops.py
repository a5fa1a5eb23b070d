"""Readiness and Prometheus metrics over real HTTP, and `thads up` as a newcomer runs it: it prints the
admin login, serves /readyz, and Ctrl-C (SIGINT) stops every part with exit code 0."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from proc_support import Proc, ThreadServer, free_port, session_members, thads_env, wait_http  # noqa: E402

from api.app import create_app  # noqa: E402
from thads.settings import Settings  # noqa: E402

QUESTION = "Thời hạn tự nguyện thi hành án là bao nhiêu ngày?"


@pytest.fixture
def server(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'thads.db'}", embed_threads=1,
                        secret_key="ops-test", default_office="THADS TP Hà Nội", rate_submit_per_minute=0,
                        rate_lookup_per_minute=0)
    from casework.migrate import upgrade

    upgrade(settings.resolved_database_url)
    live = ThreadServer(create_app(settings))
    yield live, settings
    live.stop()


def _ingest(settings: Settings, sources: Path) -> None:
    from retrieval.factory import open_store
    from retrieval.ingest import ingest

    store = open_store(settings)
    try:
        assert ingest(store, [sources]).ingested
    finally:
        store.close()


def _sample(metrics: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, or None when it is absent."""
    for line in metrics.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, value = line.rsplit(" ", 1)
        got = dict(re.findall(r'(\w+)="([^"]*)"', head))
        if head.split("{")[0] == name and all(got.get(k) == v for k, v in labels.items()):
            return float(value)
    return None


def test_readiness_follows_the_index_and_metrics_report_service_state(server, small_sources) -> None:
    live, settings = server
    resp = live.client.get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["checks"]["database"] == "ok" and "thads ingest" in resp.json()["checks"]["index"]
    assert live.client.post("/api/ask", json={"question": QUESTION}).status_code == 503
    assert live.client.get("/healthz").status_code == 200  # alive, just not ready

    _ingest(settings, small_sources)
    resp = live.client.get("/readyz")
    assert resp.status_code == 200 and resp.json()["status"] == "ready"

    consent = live.client.get("/api/consent-notice").json()["version"]
    receipt = live.client.post("/api/submissions", json={
        "kind": "feedback", "content": "Phản ánh về việc chậm trả tiền thi hành án.",
        "contact": {"telegram_chat_id": "4242"}, "consent": {"notice_version": consent, "agreed": True}})
    assert receipt.status_code == 201
    answer = live.client.post("/api/ask", json={"question": QUESTION})
    assert answer.status_code == 200
    body = answer.json()

    text = live.client.get("/metrics").text
    assert _sample(text, "thads_queue_open") == 1
    assert _sample(text, "thads_outbox_messages", status="pending") == 1  # the receipt waiting for the worker
    assert _sample(text, "thads_http_request_seconds_count", route="/api/ask", method="POST", status="200") == 1
    assert _sample(text, "thads_http_request_seconds_count", route="/readyz", method="GET", status="503") == 1
    assert _sample(text, "thads_answers_total", abstained=str(body["abstained"]).lower(), mode=body["mode"]) == 1


def test_thads_up_prints_the_login_serves_and_stops_on_ctrl_c(tmp_path, small_sources) -> None:
    port = free_port()
    env = thads_env(data_dir=tmp_path / "data", api_port=port, corpus_dir=small_sources, embed_threads=1,
                    worker_poll_seconds=0.2)
    up = Proc.thads("up", "--no-demo", env=env, log=tmp_path / "up.log")
    try:
        ready = wait_http(f"http://127.0.0.1:{port}/readyz", up, timeout=180)
        assert ready.json()["status"] == "ready"
        out = up.output()
        login = re.search(r"Tài khoản quản trị đầu tiên: (\S+) / (\S+)", out)
        assert login, out
        assert f"http://127.0.0.1:{port}/docs" in out and "Bot Telegram: tắt" in out
        resp = httpx.post(f"http://127.0.0.1:{port}/api/staff/login",
                          json={"username": login.group(1), "password": login.group(2)})
        assert resp.status_code == 200 and resp.json()["role"] == "admin"
    finally:
        up.send(signal.SIGINT)
        code = up.wait(60)
    assert code == 0, up.output()[-3000:]
    assert "Đã dừng toàn bộ dịch vụ." in up.output()
    deadline = time.monotonic() + 5
    while session_members(up.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_members(up.pid) == []  # nothing it started outlives it
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
