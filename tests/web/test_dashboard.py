"""The staff dashboard in a real browser against a live `thads serve`: log in, filter, claim, accept,
start and resolve an item (each message previewed, then found in the citizen's outbox row), identity
redaction for a handler, reports, CSRF, logout, and an approved answer that `thads ask` then gives."""

from __future__ import annotations

import json
import re
import sqlite3
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from casework.approved_answers import CONFIRMED_MARK
from casework.privacy import REDACTED

from dashboard_support import ARTIFACTS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

CHAT_ID = "700001"
DENOUNCER = "Trần Thị Bảo Mật"
QUESTION = "Thời hạn giải quyết khiếu nại về thi hành án dân sự lần đầu là bao lâu?"


def _submit(url: str, body: dict) -> str:
    notice = httpx.get(f"{url}/api/consent-notice", timeout=10).json()["version"]
    if body.get("contact"):
        body = {**body, "consent": {"notice_version": notice, "agreed": True}}
    resp = httpx.post(f"{url}/api/submissions", json=body, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()["code"]


@pytest.fixture(scope="module")
def seeded(service):
    url = service.url
    service.codes = {
        "complaint": _submit(url, {"kind": "complaint", "case_number": "123/QĐ-CCTHADS",
                                   "content": "Tôi khiếu nại việc Chi cục THADS chậm tổ chức thi hành bản án đã có hiệu lực hơn 6 tháng.",
                                   "contact": {"name": "Nguyễn Văn An", "telegram_chat_id": CHAT_ID}}),
        "complaint2": _submit(url, {"kind": "complaint", "content": "Khiếu nại quyết định kê biên tài sản không đúng quy định.",
                                    "contact": {"name": "Lê Văn Bình", "phone": "0987654321"}}),
        "feedback": _submit(url, {"kind": "feedback", "content": "Phản ánh thái độ của cán bộ tiếp dân chưa đúng mực.",
                                  "contact": {"name": "Phạm Thị Cúc"}}),
        "denunciation": _submit(url, {"kind": "denunciation", "content": "Tố cáo chấp hành viên nhận tiền của đương sự để kéo dài việc thi hành án.",
                                      "contact": {"name": DENOUNCER, "phone": "0912345678", "address": "12 Phố Huế, Hà Nội"}}),
        "question": _submit(url, {"kind": "question", "content": QUESTION, "contact": {"telegram_chat_id": "700002"}}),
    }
    return service


def _login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/staff/")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_test_id("who")).to_contain_text(username)


def _transition(page: Page, action: str, **fields: str) -> str:
    """Fill an action form, check the preview, confirm; returns the previewed citizen message."""
    form = page.get_by_test_id(f"action-{action}")
    if not form.is_visible():
        form.locator("xpath=..").locator("summary").click()
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_role("button", name="Xem trước thông báo").click()
    preview = page.get_by_test_id("preview-text")
    expect(preview).to_be_visible()
    text = preview.inner_text()
    page.get_by_test_id("confirm").click()
    expect(page.locator(".flash")).to_contain_text("thông báo đã được xếp hàng gửi")
    return text


def _outbox(service, code: str) -> list[tuple[str, str, dict]]:
    with sqlite3.connect(service.db_path) as conn:
        rows = conn.execute("SELECT o.event, o.recipient, o.payload FROM outbox o JOIN submissions s ON s.id = o.submission_id "
                            "WHERE s.code = ? ORDER BY o.id", (code,)).fetchall()
    return [(event, recipient, json.loads(payload)) for event, recipient, payload in rows]


def test_handler_works_an_item_end_to_end(seeded, browser):
    codes = seeded.codes
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    _login(page, seeded.url, "canbo")

    cookie = next(c for c in context.cookies() if c["name"] == "thads_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # cookie_secure defaults off
    assert 8 * 3600 - 120 < cookie["expires"] - time.time() <= 8 * 3600  # Settings.session_max_age

    # Queue: everything in scope, sorted by deadline, with counts.
    links = page.get_by_test_id("item-link")
    expect(links).to_have_count(5)
    expect(page.get_by_test_id("total")).to_contain_text("5 hồ sơ")
    page.screenshot(path=str(ARTIFACTS / "dashboard-queue.png"), full_page=True)

    # Filter by kind, then by text.
    page.get_by_label("Loại đơn").select_option("complaint")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"kind=complaint"))
    expect(links).to_have_count(2)
    expect(page.locator("table.queue")).not_to_contain_text("Tố cáo")
    page.get_by_label("Tìm kiếm").fill("chậm tổ chức thi hành")
    page.get_by_role("button", name="Lọc").click()
    expect(links).to_have_count(1)
    expect(links.first).to_have_text(codes["complaint"])

    # Claim, accept, start, resolve: every message previewed, then queued exactly as previewed.
    links.first.click()
    expect(page.get_by_test_id("code")).to_have_text(codes["complaint"])
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("assignee")).to_have_text("canbo")
    accepted = _transition(page, "accepted", note="Chúng tôi đã thụ lý đơn của ông.")
    expect(page.get_by_test_id("status")).to_have_text("Đã thụ lý")
    started = _transition(page, "in_progress")
    summary = "Chi cục đã tổ chức thi hành và thông báo kết quả cho đương sự."
    resolved = _transition(page, "resolved", decision_summary=summary)
    expect(page.get_by_test_id("status")).to_have_text("Đã giải quyết")
    assert codes["complaint"] in accepted and "Đã thụ lý" in accepted and "Chúng tôi đã thụ lý" in accepted
    assert summary in resolved
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Nhận xử lý")
    expect(timeline).to_contain_text("Đang giải quyết → Đã giải quyết")
    page.screenshot(path=str(ARTIFACTS / "dashboard-item.png"), full_page=True)

    rows = _outbox(seeded, codes["complaint"])
    status_rows = [(event, recipient, payload["text"]) for event, recipient, payload in rows if event.startswith("status:")]
    assert status_rows == [("status:accepted", CHAT_ID, accepted), ("status:in_progress", CHAT_ID, started),
                           ("status:resolved", CHAT_ID, resolved)]

    # Internal note (never sent to the citizen).
    page.get_by_label("Thêm ghi chú").fill("Đã gọi điện xác minh với đương sự.")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(page.locator("#ghi-chu")).to_contain_text("Đã gọi điện xác minh")
    assert len(_outbox(seeded, codes["complaint"])) == len(rows)

    # Reports: three server-side charts, medians, CSV.
    page.goto(f"{seeded.url}/staff/reports")
    expect(page.locator("svg.chart")).to_have_count(3)
    expect(page.get_by_test_id("median-accept")).not_to_have_text("—")
    expect(page.get_by_test_id("median-resolve")).not_to_have_text("—")
    page.screenshot(path=str(ARTIFACTS / "dashboard-reports.png"), full_page=True)
    csv = page.request.get(f"{seeded.url}/staff/reports.csv")
    assert csv.ok and "Đúng hạn / quá hạn theo cơ quan" in csv.text() and "Tố cáo" in csv.text()
    assert page.locator("script[src^=http], link[href^=http], img[src^=http]").count() == 0  # nothing from outside

    # CSRF: a POST with the session cookie but without the form token is refused.
    token = cookie["value"]
    with httpx.Client(base_url=seeded.url, cookies={"thads_session": token}) as raw:
        no_token = raw.post(f"/staff/items/{codes['complaint2']}/claim", data={})
        wrong = raw.post(f"/staff/items/{codes['complaint2']}/claim", data={"csrf_token": "x" * 40})
        assert no_token.status_code == 403 and wrong.status_code == 403
        assert raw.get(f"/api/staff/submissions/{codes['complaint2']}").json()["assignee"] is None

    # Logout revokes the session: the old cookie no longer opens anything.
    page.goto(f"{seeded.url}/staff/")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/staff/login"))
    with httpx.Client(base_url=seeded.url, cookies={"thads_session": token}) as raw:
        assert raw.get("/staff/", follow_redirects=False).status_code == 303
        assert raw.get("/api/staff/me").status_code == 401
    context.close()


def test_denouncer_identity_is_redacted_for_a_handler(seeded, browser):
    code = seeded.codes["denunciation"]
    handler = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)  # a tablet, portrait
    page = handler.new_page()
    _login(page, seeded.url, "canbo")
    page.goto(f"{seeded.url}/staff/?kind=denunciation")
    expect(page.locator("table.queue")).to_contain_text(REDACTED)
    page.screenshot(path=str(ARTIFACTS / "dashboard-queue-tablet.png"), full_page=True)
    page.get_by_test_id("item-link").first.click()
    expect(page.get_by_test_id("redaction-note")).to_be_visible()
    expect(page.get_by_test_id("identity")).to_contain_text(REDACTED)
    body = page.content()
    assert DENOUNCER not in body and "0912345678" not in body and "Phố Huế" not in body
    csv = page.request.get(f"{seeded.url}/staff/export.csv?kind=denunciation").text()
    assert DENOUNCER not in csv and REDACTED in csv
    handler.close()

    supervisor = browser.new_context()
    page = supervisor.new_page()
    _login(page, seeded.url, "lanhdao")
    page.goto(f"{seeded.url}/staff/items/{code}")
    expect(page.get_by_test_id("identity")).to_contain_text(DENOUNCER)
    expect(page.get_by_test_id("redaction-note")).to_have_count(0)
    expect(page.get_by_test_id("timeline")).to_contain_text("Xem danh tính người tố cáo")  # the reading is audited
    supervisor.close()


def test_approved_answer_is_used_by_thads_ask(seeded, browser):
    code = seeded.codes["question"]
    context = browser.new_context()
    page = context.new_page()
    _login(page, seeded.url, "canbo")
    page.goto(f"{seeded.url}/staff/feedback")
    page.get_by_test_id(f"answer-{code}").click()
    expect(page.get_by_label("Câu hỏi")).to_have_value(QUESTION)
    sources = page.get_by_test_id("source")
    expect(sources.first).to_be_visible()
    sources.first.check()
    staff_answer = "Người khiếu nại được trả lời trong thời hạn luật định; cán bộ sẽ hướng dẫn cụ thể theo từng trường hợp."
    page.get_by_label("Câu trả lời").fill(staff_answer)
    page.get_by_role("button", name="Lưu câu trả lời được duyệt").click()
    expect(page.locator(".flash")).to_contain_text("Đã lưu câu trả lời được duyệt")
    expect(page.get_by_test_id("approved-status").first).to_have_text("Đang dùng")

    # The live API's assistant (research page) gives it, marked as confirmed by staff.
    page.goto(f"{seeded.url}/staff/research?mode=ask&q={QUESTION}")
    expect(page.get_by_test_id("answer")).to_contain_text("Đã được cán bộ xác nhận")
    context.close()

    # And so does the CLI, in another process, for the same question asked a little differently.
    asked = seeded.thads("ask", QUESTION.lower().rstrip("?") + " ?", "--json")
    assert asked.returncode == 0, asked.stderr[-2000:]
    answer = json.loads(asked.stdout)
    assert answer["mode"] == "approved"
    assert staff_answer in answer["answer"] and CONFIRMED_MARK in answer["answer"]
    assert answer["citations"] and answer["citations"][0]["validity"]
