"""Citizen endpoints over HTTP: submit, attachments, status, withdraw, idempotency, 404s, 429s, 422s."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib

import httpx
from sqlalchemy import func, select

from casework import consent
from casework.models import Attachment, Submission

CONSENT = {"notice_version": consent.NOTICE_VERSION, "agreed": True}


def body(**kw) -> dict:
    return {"kind": "complaint", "content": "Bản án đã có hiệu lực 2 năm nhưng chưa được thi hành.",
            "contact": {"name": "Phạm Văn C", "phone": "0912345678", "telegram_chat_id": "5550001"},
            "consent": CONSENT, **kw}


def png_bytes() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def test_submit_status_withdraw_and_isolation(live):
    c = live.client
    a = c.post("/api/submissions", json=body())
    assert a.status_code == 201, a.text
    ra = a.json()
    assert ra["code"].startswith("KN-") and ra["secret"] and "Hạn thụ lý dự kiến" in ra["message"]
    rb = c.post("/api/submissions", json=body(contact={"name": "Người B"})).json()
    st = c.post("/api/submissions/status", json={"code": ra["code"], "secret": ra["secret"]})
    assert st.status_code == 200 and st.json()["status_label"] == "Đã tiếp nhận"
    assert st.json()["deadline"]["rule"]["legal_basis"].startswith("Luật Thi hành án dân sự 2008")
    # citizen B, with B's own valid secret, gets 404 on A's item (and on withdraw)
    for path in ("/api/submissions/status", "/api/submissions/withdraw"):
        resp = c.post(path, json={"code": ra["code"], "secret": rb["secret"]})
        assert resp.status_code == 404 and "Không tìm thấy" in resp.json()["detail"]
    assert c.post("/api/submissions/status", json={"code": "KN-2026-AAAAAA", "secret": "x" * 10}).status_code == 404
    w = c.post("/api/submissions/withdraw", json={"code": ra["code"], "secret": ra["secret"], "reason": "Đã thỏa thuận"})
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    again = c.post("/api/submissions/withdraw", json={"code": ra["code"], "secret": ra["secret"]})
    assert again.status_code == 409 and "không thể rút đơn" in again.json()["detail"]


def test_validation_errors_name_the_field(live):
    c = live.client
    resp = c.post("/api/submissions", json=body(surprise="x"))
    assert resp.status_code == 422
    (err,) = resp.json()["detail"]
    assert err["loc"] == ["body", "surprise"] and err["type"] == "extra_forbidden" and err["msg_vi"]
    assert "input" not in err  # submitted values are not echoed back
    no_consent = c.post("/api/submissions", json=body(consent=None))
    assert no_consent.status_code == 422 and no_consent.json()["detail"][0]["loc"] == ["body", "consent"]
    pre_ticked = c.post("/api/submissions", json=body(consent={"notice_version": consent.NOTICE_VERSION, "agreed": False}))
    assert pre_ticked.status_code == 422
    bad_kind = c.post("/api/submissions", json=body(kind="lawsuit"))
    assert bad_kind.json()["detail"][0]["loc"] == ["body", "kind"]
    anon = c.post("/api/submissions", json={"kind": "denunciation", "content": "x", "anonymous": True,
                                            "contact": {"phone": "0912345678"}})
    assert anon.status_code == 422 and anon.json()["detail"][0]["loc"] == ["body", "contact"]


def test_anonymous_tip_receipt_only(live):
    resp = live.client.post("/api/submissions", json={"kind": "denunciation", "anonymous": True,
                                                      "content": "Cán bộ thi hành án nhận tiền của đương sự."})
    assert resp.status_code == 201 and resp.json()["secret"] is None and resp.json()["code"].startswith("TC-")


def test_same_idempotency_key_ten_times_concurrently(live):
    async def fire():
        async with httpx.AsyncClient(base_url=live.url, timeout=30) as client:
            return await asyncio.gather(*[
                client.post("/api/submissions", json=body(), headers={"Idempotency-Key": "e7b1c2d3-same"}) for _ in range(10)
            ])

    responses = asyncio.run(fire())
    assert {r.status_code for r in responses} <= {200, 201}
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert len({(r.json()["code"], r.json()["secret"]) for r in responses}) == 1
    with live.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
    other = live.client.post("/api/submissions", json=body(content="Khác"), headers={"Idempotency-Key": "e7b1c2d3-same"})
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["body", "idempotency_key"]


def test_attachments_checked_by_content(live):
    c = live.client
    payload = json.dumps(body())
    ok = c.post("/api/submissions/multipart", data={"payload": payload},
                files=[("attachments", ("anh chup.png", png_bytes(), "image/png")),
                       ("attachments", ("don.pdf", b"%PDF-1.4\n%test\n", "application/pdf"))])
    assert ok.status_code == 201, ok.text
    with live.db.read() as s:
        atts = list(s.scalars(select(Attachment)))
    assert sorted(a.content_type for a in atts) == ["application/pdf", "image/png"]
    assert all((live.settings.data_dir / a.storage_path).read_bytes()[:4] in (b"\x89PNG", b"%PDF") for a in atts)
    disguised = c.post("/api/submissions/multipart", data={"payload": payload},
                       files=[("attachments", ("anh.png", b"MZ\x90\x00" + b"\x00" * 200, "image/png"))])
    assert disguised.status_code == 415 and "Chỉ nhận tệp" in disguised.json()["detail"]
    big = png_bytes() + b"\x00" * live.settings.attachment_max_bytes
    too_big = c.post("/api/submissions/multipart", data={"payload": payload}, files=[("attachments", ("a.png", big, "image/png"))])
    assert too_big.status_code == 413
    bad_payload = c.post("/api/submissions/multipart", data={"payload": json.dumps(body(extra=1))})
    assert bad_payload.status_code == 422 and bad_payload.json()["detail"][0]["loc"] == ["body", "payload", "extra"]
    # a handler downloads the stored file
    headers = live.user("handler")
    code = ok.json()["code"]
    item = c.get(f"/api/staff/submissions/{code}", headers=headers).json()
    png = next(a for a in item["attachments"] if a["content_type"] == "image/png")
    dl = c.get(f"/api/staff/submissions/{code}/attachments/{png['id']}", headers=headers)
    assert dl.status_code == 200 and dl.content == png_bytes()


def test_rate_limited_with_retry_after(live_factory):
    live = live_factory(rate_submit_per_minute=2, rate_lookup_per_minute=3)
    codes = [live.client.post("/api/submissions", json=body()).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    limited = live.client.post("/api/submissions", json=body())
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "Vui lòng thử lại" in limited.json()["detail"]
    lookups = [live.client.post("/api/submissions/status", json={"code": "KN-2026-AAAAAA", "secret": "y" * 10}).status_code
               for _ in range(4)]
    assert lookups == [404, 404, 404, 429]
