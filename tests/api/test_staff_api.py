"""Staff endpoints over HTTP: auth, filters, race-free claim, transitions reaching the outbox,
redaction in API and CSV, office scoping (404), OpenAPI, CLI account creation, no personal data in logs."""

from __future__ import annotations

import csv
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from casework.models import OutboxMessage
from casework.privacy import REDACTED, PersonalDataFilter, Role
from test_citizen_api import body


def _submit(live, **kw) -> dict:
    resp = live.client.post("/api/submissions", json=body(**kw))
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_login_required_and_bad_password(live):
    c = live.client
    assert c.get("/api/staff/submissions").status_code == 401
    live.user("alice")
    bad = c.post("/api/staff/login", json={"username": "alice", "password": "sai-mat-khau-123"})
    assert bad.status_code == 401 and bad.json()["detail"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert c.get("/api/staff/submissions", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_cookie_session_needs_csrf_for_writes(live):
    live.user("cookie-user")
    c = httpx.Client(base_url=live.url)
    login = c.post("/api/staff/login", json={"username": "cookie-user", "password": "mat-khau-rat-dai", "cookie": True})
    assert login.status_code == 200 and c.cookies.get("thads_session")
    assert c.get("/api/staff/me").json()["username"] == "cookie-user"
    code = _submit(live)["code"]
    assert c.post(f"/api/staff/submissions/{code}/claim").status_code == 403
    ok = c.post(f"/api/staff/submissions/{code}/claim", headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert ok.status_code == 200
    c.close()


def test_queue_workflow_reaches_citizen_outbox(live):
    c = live.client
    handler = live.user("handler1")
    a = _submit(live, content="Chấp hành viên đòi tiền bồi dưỡng mới làm hồ sơ.")
    _submit(live, kind="feedback", content="Phòng tiếp dân đóng cửa sớm.", office="THADS tỉnh Gia Lai")
    listed = c.get("/api/staff/submissions", params={"kind": "complaint"}, headers=handler).json()
    assert listed["total"] == 1 and listed["items"][0]["priority"] == "high"
    assert c.get("/api/staff/submissions", params={"office": "THADS tỉnh Gia Lai"}, headers=handler).json()["total"] == 1
    assert c.get("/api/staff/submissions", params={"q": "bồi dưỡng"}, headers=handler).json()["total"] == 1
    assert c.get("/api/staff/submissions", params={"assignee": "none", "per_page": 1}, headers=handler).json()["total"] == 2
    assert c.get("/api/staff/submissions", params={"overdue": True}, headers=handler).json()["total"] == 0
    assert c.get("/api/staff/submissions", params={"status": "closed"}, headers=handler).json()["total"] == 0
    assert c.get("/api/staff/submissions", params={"page": 0}, headers=handler).status_code == 422
    code = a["code"]
    assert c.post(f"/api/staff/submissions/{code}/transition", json={"to": "accepted"}, headers=handler).status_code == 403
    assert c.post(f"/api/staff/submissions/{code}/claim", headers=handler).status_code == 200
    bad = c.post(f"/api/staff/submissions/{code}/transition", json={"to": "resolved"}, headers=handler)
    assert bad.status_code == 409 and "Không thể chuyển" in bad.json()["detail"]
    acc = c.post(f"/api/staff/submissions/{code}/transition", json={"to": "accepted", "note": "Đã thụ lý đơn."}, headers=handler)
    assert acc.status_code == 200 and acc.json()["deadline"]["rule"]["code"] == "complaint_resolve_first_pre_measure"
    note = c.post(f"/api/staff/submissions/{code}/notes", json={"body": "Gọi lại đương sự."}, headers=handler)
    assert note.status_code == 201
    tri = c.patch(f"/api/staff/submissions/{code}/triage", json={"topic": "tham_nhung_tieu_cuc", "priority": "urgent"}, headers=handler)
    assert tri.status_code == 200 and tri.json()["priority"] == "urgent"
    assert c.patch(f"/api/staff/submissions/{code}/triage", json={"colour": "red"}, headers=handler).status_code == 422
    detail = c.get(f"/api/staff/submissions/{code}", headers=handler).json()
    assert [t["action"] for t in detail["timeline"]] == ["received", "claimed", "transition", "note_added", "triage_updated"]
    assert detail["notes"][0]["body"] == "Gọi lại đương sự."
    citizen = c.post("/api/submissions/status", json={"code": code, "secret": a["secret"]}).json()
    assert citizen["status"] == "accepted" and citizen["note"] == "Đã thụ lý đơn."
    assert "Gọi lại" not in str(citizen)  # internal notes never reach the citizen
    with live.db.read() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.event for r in rows if r.payload["code"] == code] == ["received", "status:accepted"]
    assert rows[-1].recipient == "5550001" and "Đã thụ lý đơn." in rows[-1].payload["text"]
    stats = c.get("/api/staff/stats", headers=handler).json()
    assert stats["total"] == 2 and stats["by_status"]["accepted"] == 1
    reasons = c.get("/api/staff/reasons", params={"kind": "complaint"}, headers=handler).json()
    assert any(r["code"] == "time_limit_expired" for r in reasons)


def test_two_handlers_claim_at_once_one_wins(live):
    heads = [live.user("h-a"), live.user("h-b")]
    for _ in range(3):
        code = _submit(live)["code"]
        barrier = threading.Barrier(2)

        def claim(h):
            barrier.wait()
            with httpx.Client(base_url=live.url, timeout=30) as client:
                return client.post(f"/api/staff/submissions/{code}/claim", headers=h).status_code

        with ThreadPoolExecutor(2) as pool:
            assert sorted(pool.map(claim, heads)) == [200, 409]


def test_identity_redacted_without_permission_api_and_csv(live):
    c = live.client
    handler, boss = live.user("handler"), live.user("boss", Role.SUPERVISOR)
    tc = _submit(live, kind="denunciation", content="Tôi tố cáo chấp hành viên X.",
                 contact={"name": "Hoàng Thị Kín", "phone": "0977111222", "telegram_chat_id": "4242"})
    for path in (f"/api/staff/submissions/{tc['code']}", "/api/staff/submissions"):
        text = c.get(path, headers=handler).text
        assert "Hoàng Thị Kín" not in text and "0977111222" not in text and "4242" not in text
    item = c.get(f"/api/staff/submissions/{tc['code']}", headers=handler).json()
    assert item["citizen_name"] == REDACTED and item["identity_redacted"] is True
    exported = c.get("/api/staff/submissions/export.csv", headers=handler)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "Hoàng Thị Kín" not in exported.text and "0977111222" not in exported.text
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0]["citizen_name"] == REDACTED
    seen = c.get(f"/api/staff/submissions/{tc['code']}", headers=boss).json()
    assert seen["citizen_name"] == "Hoàng Thị Kín"
    assert "identity_viewed" in [t["action"] for t in seen["timeline"]]


def test_other_office_is_404_not_403(live):
    c = live.client
    hn = live.user("hn", office="THADS TP Hà Nội")
    gl = _submit(live, office="THADS tỉnh Gia Lai")["code"]
    for method, path in (("GET", f"/api/staff/submissions/{gl}"), ("POST", f"/api/staff/submissions/{gl}/claim"),
                         ("POST", f"/api/staff/submissions/{gl}/notes")):
        resp = c.request(method, path, headers=hn, json={"body": "x"} if path.endswith("notes") else None)
        assert resp.status_code == 404, (path, resp.text)
    missing = c.get("/api/staff/submissions/KN-2026-AAAAAA", headers=hn)
    assert missing.status_code == 404 and missing.json() == c.get(f"/api/staff/submissions/{gl}", headers=hn).json()


def test_openapi_documents_routes(live):
    spec = live.client.get("/openapi.json").json()
    for path in ("/api/submissions", "/api/submissions/status", "/api/submissions/withdraw", "/api/staff/login",
                 "/api/staff/submissions/{code}/transition", "/api/staff/submissions/export.csv"):
        assert path in spec["paths"]
    assert spec["components"]["schemas"]["SubmissionIn"]["additionalProperties"] is False


def test_cli_create_user_then_login(live):
    import typer

    from thads.commands import casework_cmds

    app = typer.Typer()
    casework_cmds.register(app)
    app.command("noop")(lambda: None)
    env = {"THADS_DATABASE_URL": live.settings.resolved_database_url}
    result = CliRunner().invoke(app, ["admin", "create-user", "Lan", "--role", "supervisor", "--office", "THADS TP Hà Nội",
                                      "--password", "mot-mat-khau-dai", "--data-dir", str(live.settings.data_dir)], env=env)
    assert result.exit_code == 0, result.output
    login = live.client.post("/api/staff/login", json={"username": "lan", "password": "mot-mat-khau-dai"}).json()
    assert login["role"] == "supervisor" and login["office"] == "THADS TP Hà Nội"
    dup = CliRunner().invoke(app, ["admin", "create-user", "lan", "--password", "mot-mat-khau-dai",
                                   "--data-dir", str(live.settings.data_dir)], env=env)
    assert dup.exit_code == 1


def test_logs_contain_no_phone_or_content(live):
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record) + str(record.__dict__))

    cap = Capture()
    cap.addFilter(PersonalDataFilter())
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(cap)
    try:
        marker = "NOIDUNGBIMAT-7731"
        ok = _submit(live, content=f"Nội dung {marker} rất riêng tư.", contact={"phone": "0911222333", "name": "Ẩn Danh"})
        live.client.post("/api/submissions", json=body(content=marker, contact={"phone": "0911222333"}, bogus=marker))
        handler = live.user("logger-check")
        live.client.get(f"/api/staff/submissions/{ok['code']}", headers=handler)
        logging.getLogger("casework.test").info("caller slipped %s", "0911222333")
    finally:
        root.removeHandler(cap)
        root.setLevel(old_level)
    joined = "\n".join(records)
    assert records and ok["code"] in joined  # intake is logged (by code only)
    assert "0911222333" not in joined and marker not in joined and "Ẩn Danh" not in joined
