"""Case endpoints over HTTP (real uvicorn): citizen link / list / status with no other party's data
in any response, lockout as 429, and staff search / view / import / stage / link codes / analytics."""

from __future__ import annotations

from sqlalchemy import select

from casework.cases.models import CaseParty
from casework.models import OutboxMessage
from casework.privacy import Role
from case_helpers import PERSONAL, walk

CREDITOR = {"case_number": "125/2026/TLTHA", "id_last4": "2345", "birth_date": "1985-04-12"}


def _import(live, headers, examples):
    for name in ("cases-example.csv", "cases-example.json"):
        with open(examples / name, "rb") as fh:
            resp = live.client.post("/api/staff/cases/import", headers=headers, files={"file": (name, fh)})
        assert resp.status_code == 200 and resp.json()["applied"], resp.text


def _forbidden_strings(db) -> set[str]:
    """The debtor's name, ID, phone, birth date, and every stored hash and salt."""
    name = "Lê Văn Cường"
    out = {name, *PERSONAL[name], "8765"}
    with db.read() as s:
        for p in s.scalars(select(CaseParty)):
            out |= {v for v in (p.national_id_hmac, p.phone_hmac, p.verifier_salt, p.verifier_hmac, p.match_key) if v}
    return out


def test_citizen_flow_never_shows_another_partys_data(live, examples):
    c = live.client
    _import(live, live.user("giamsat", Role.SUPERVISOR), examples)
    bad = _forbidden_strings(live.db)
    responses = []

    linked = c.post("/api/cases/link", json=CREDITOR)
    assert linked.status_code == 201, linked.text
    token = linked.json()["citizen_token"]
    assert token and linked.json()["cases"][0]["your_role"] == "creditor"
    responses.append(linked.json())
    h = {"X-Citizen-Token": token}
    again = c.post("/api/cases/link", json=CREDITOR, headers=h)
    assert again.status_code == 200 and again.json()["citizen_token"] is None  # same citizen, already linked
    responses.append(again.json())
    mine = c.get("/api/cases/mine", headers=h)
    assert mine.status_code == 200 and len(mine.json()["cases"]) == 1
    responses.append(mine.json())
    ref = mine.json()["cases"][0]["ref"]
    status = c.get(f"/api/cases/mine/{ref}", headers=h)
    assert status.status_code == 200
    body = status.json()
    assert body["stage_label"] == "Đang trong thời hạn tự nguyện thi hành án" and body["step"] == 4
    assert body["amounts"]["remaining"] == 150_000_000 and "Điều 45 Luật THADS 2008" in body["text"]
    assert body["next_limits"][0]["due_date"] == "2026-03-19"
    responses.append(body)
    # Own data may appear; nobody else's, and never a hash — anywhere in any citizen response.
    for resp in responses:
        strings = list(walk(resp))
        for needle in bad:
            assert not any(needle in s for s in strings), needle
    # Someone else's token, a missing token, an unknown case: 404 / 401, same as a missing case.
    other = c.post("/api/cases/link", json={"case_number": "77/2019/TLTHA", "id_last4": "1122", "birth_date": "1990-01-05"})
    other_h = {"X-Citizen-Token": other.json()["citizen_token"]}
    assert c.get(f"/api/cases/mine/{ref}", headers=other_h).status_code == 404
    assert c.get(f"/api/cases/mine/{ref}", headers={"X-Citizen-Token": "made-up"}).status_code == 404
    assert c.get("/api/cases/mine").status_code == 401
    assert c.get("/api/cases/mine/nope", headers=h).status_code == 404
    assert c.delete(f"/api/cases/mine/{ref}", headers=other_h).status_code == 404
    assert c.delete(f"/api/cases/mine/{ref}", headers=h).status_code == 204
    assert c.get("/api/cases/mine", headers=h).json()["cases"] == []


def test_link_validation_and_lockout(live, examples):
    c = live.client
    _import(live, live.user("giamsat", Role.SUPERVISOR), examples)
    both = c.post("/api/cases/link", json={**CREDITOR, "code": "cAAAA"})
    assert both.status_code == 422 and both.json()["message"]
    assert c.post("/api/cases/link", json={"case_number": "1"}).status_code == 422
    assert c.post("/api/cases/link", json={**CREDITOR, "id_last4": "12"}).status_code == 422  # not counted as a guess
    for _ in range(3):
        wrong = c.post("/api/cases/link", json={**CREDITOR, "birth_date": "1985-04-13"})
        assert wrong.status_code == 404 and "Không tìm thấy" in wrong.json()["detail"]
    locked = c.post("/api/cases/link", json=CREDITOR)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0 and "phút" in locked.json()["detail"]
    assert c.post("/api/cases/link", json={"code": "c" + "A" * 36}).status_code == 429


def test_staff_endpoints_scope_permissions_and_link_codes(live, examples):
    c = live.client
    sup = live.user("giamsat", Role.SUPERVISOR)
    handler = live.user("canbo", Role.HANDLER)
    bac_ninh = live.user("bacninh", Role.SUPERVISOR, office="THADS tỉnh Bắc Ninh")
    with open(examples / "cases-example.csv", "rb") as fh:
        assert c.post("/api/staff/cases/import", headers=handler, files={"file": ("a.csv", fh)}).status_code == 403
    with open(examples / "cases-example.csv", "rb") as fh:
        scoped = c.post("/api/staff/cases/import", headers=bac_ninh, files={"file": ("a.csv", fh)})
    assert scoped.status_code == 422 and {e["field"] for e in scoped.json()["errors"]} == {"office"}
    _import(live, sup, examples)
    bad = c.post("/api/staff/cases/import", headers=sup, files={"file": ("b.csv", b"case_number,office,stage,party_role,party_name\n1,X,??,creditor,A\n")})
    assert bad.status_code == 422 and bad.json()["errors"][0]["row"] == 2 and not bad.json()["applied"]

    found = c.get("/api/staff/cases", headers=handler, params={"q": "Cường"}).json()
    assert found["total"] == 1
    ref = found["items"][0]["ref"]
    view = c.get(f"/api/staff/cases/{ref}", headers=handler).json()
    assert {p["role"] for p in view["parties"]} == {"creditor", "debtor"} and all(p["can_verify"] for p in view["parties"])
    assert "001085012345" not in str(view) and "hmac" not in str(view)
    assert c.get(f"/api/staff/cases/{ref}", headers=bac_ninh).status_code == 404  # other office: 404, not 403
    assert c.get("/api/staff/cases", headers=bac_ninh).json()["total"] == 1
    assert c.get("/api/staff/cases", headers=handler, params={"stage": "classified", "classification": "chua_co_dieu_kien"}).json()["total"] == 1

    debtor = next(p for p in view["parties"] if p["role"] == "debtor")
    assert c.post(f"/api/staff/cases/{ref}/parties/{debtor['ref']}/link-code", headers=handler).status_code == 403
    issued = c.post(f"/api/staff/cases/{ref}/parties/{debtor['ref']}/link-code", headers=sup).json()
    assert len(issued["code"]) <= 64 and issued["telegram_start"] == f"/start {issued['code']}"
    linked = c.post("/api/cases/link", json={"code": issued["code"]})
    assert linked.status_code == 201 and linked.json()["cases"][0]["your_role"] == "debtor"
    assert "Nguyễn Văn An" not in linked.text

    moved = c.post(f"/api/staff/cases/{ref}/stage", headers=sup, json={"stage": "verification", "on": "2026-11-20"})
    assert moved.status_code == 200 and moved.json()["stage"] == "verification"
    assert c.post(f"/api/staff/cases/{ref}/stage", headers=sup, json={"stage": "nope"}).status_code == 422
    mine = c.get(f"/api/cases/mine/{ref}", headers={"X-Citizen-Token": linked.json()["citizen_token"]}).json()
    assert mine["stage"] == "verification" and mine["stage_since"] == "2026-11-20"
    # The count started under Law 106/2025: no date computed from the old law's figure.
    assert mine["next_limits"][0]["due_date"] is None
    with live.db.read() as s:
        assert s.scalars(select(OutboxMessage)).all() == []  # API citizens have no push channel

    stats = c.get("/api/staff/cases/analytics", headers=handler).json()
    assert stats["total"] == 4 and stats["open_by_age"] == {"over_1_year": 2, "over_3_years": 2, "over_5_years": 2, "over_10_years": 1}
    assert stats["by_classification"]["chua_co_dieu_kien"]["over_5_years"] == 1
    assert [o["office"] for o in stats["by_office"]] == ["THADS TP Hà Nội", "THADS tỉnh Bắc Ninh"]
    scoped_stats = c.get("/api/staff/cases/analytics", headers=bac_ninh).json()
    assert scoped_stats["total"] == 1 and scoped_stats["open_by_age"]["over_10_years"] == 1
    assert c.get("/api/staff/cases/analytics").status_code == 401
