"""Queue and item pages. Every read and write goes through casework.queue.StaffQueue, so the same
office scoping, permissions and identity redaction apply as on the JSON API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import services
from api.web.common import FormUser, PageUser, index_access, redirect, render, validity_text
from casework import attachments as files
from casework import codes
from casework.deadlines import TARGET_LABELS, ComplaintTarget
from casework.directory import assignable, offices
from casework.errors import CaseworkError
from casework.preview import preview_transition
from casework.privacy import Permission
from casework.queue import Filters
from casework.regulations import related_regulations
from casework.states import (
    KIND_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
    TRANSITIONS,
    Kind,
    Priority,
    Status,
    Topic,
    reasons_for,
)

router = APIRouter()
PER_PAGE = 25

ACTION_LABELS = {
    Status.ACCEPTED: "Thụ lý",
    Status.NOT_ACCEPTED: "Không thụ lý",
    Status.TRANSFERRED: "Chuyển cơ quan có thẩm quyền",
    Status.MERGED: "Gộp vào hồ sơ khác",
    Status.IN_PROGRESS: "Bắt đầu giải quyết",
    Status.RESOLVED: "Giải quyết xong",
    Status.CLOSED: "Đóng hồ sơ",
}
EVENT_LABELS = {
    "received": "Tiếp nhận đơn",
    "claimed": "Nhận xử lý",
    "assigned": "Giao hồ sơ",
    "transition": "Chuyển trạng thái",
    "note_added": "Thêm ghi chú nội bộ",
    "triage_updated": "Sửa phân loại",
    "identity_viewed": "Xem danh tính người tố cáo",
    "withdrawn": "Công dân rút đơn",
    "approved_answer_created": "Duyệt câu trả lời mẫu",
}
DUPLICATE_REASONS = {"same_citizen_case": "Cùng người gửi, cùng hồ sơ", "similar_content": "Nội dung gần giống"}
LABELS = {"kinds": KIND_LABELS, "statuses": STATUS_LABELS, "priorities": PRIORITY_LABELS, "topics": TOPIC_LABELS,
          "targets": TARGET_LABELS, "actions": ACTION_LABELS, "events": EVENT_LABELS, "dup_reasons": DUPLICATE_REASONS}


def _enum(cls: Any, value: str | None) -> Any:
    try:
        return cls(value) if value else None
    except ValueError:
        return None


def _filters(params: Any) -> tuple[Filters, dict[str, str]]:
    """Query string → core Filters; unknown values are ignored rather than failing the page."""
    raw = {k: (params.get(k) or "").strip()[:200] for k in ("kind", "status", "office", "assignee", "priority", "q")}
    raw["overdue"] = "1" if params.get("overdue") else ""
    raw["due_soon"] = "1" if params.get("due_soon") else ""
    f = Filters(kind=_enum(Kind, raw["kind"]), status=_enum(Status, raw["status"]), office=raw["office"] or None,
                assignee=raw["assignee"][:64] or None, overdue=bool(raw["overdue"]), due_soon=bool(raw["due_soon"]),
                priority=_enum(Priority, raw["priority"]), text=raw["q"] or None)
    return f, {k: v for k, v in raw.items() if v}


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        return 1


@router.get("/staff/", response_class=HTMLResponse)
def queue_page(request: Request, user: PageUser):
    svc = services(request)
    f, active = _filters(request.query_params)
    page = _page_number(request.query_params.get("page"))
    try:
        items, total = svc.queue.list(user.principal, f, page=page, per_page=PER_PAGE)
        stats = svc.queue.stats(user.principal) if user.can(Permission.STATS) else None
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    pages = max(1, -(-total // PER_PAGE))
    query = urlencode(active)
    return render(request, "queue.html", {
        "items": items, "total": total, "page": page, "pages": pages, "stats": stats, "active": active, "query": query,
        "offices": offices(svc.db, user.principal), "labels": LABELS, "kinds": list(Kind), "statuses": list(Status),
        "priority_values": list(Priority),
    }, user=user)


@router.get("/staff/export.csv")
def export_csv(request: Request, user: PageUser):
    f, _ = _filters(request.query_params)
    try:
        body = services(request).queue.export_csv(user.principal, f)
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="don-thu.csv"', "Cache-Control": "no-store"})


@router.post("/staff/claim-next")
def claim_next(request: Request, user: FormUser):
    try:
        item = services(request).queue.claim_next(user.principal, Filters())
    except CaseworkError as exc:
        return redirect(request, "/staff/", exc.message, "error")
    if item is None:
        return redirect(request, "/staff/", "Không còn hồ sơ nào chưa có người nhận.")
    return redirect(request, f"/staff/items/{item['code']}", f"Bạn đã nhận hồ sơ {item['code']}.")


def _regulations(request: Request, record: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    access = index_access(request)
    searcher = access.searcher()
    if searcher is None:
        return [], access.error or "Chưa có chỉ mục văn bản (chạy `thads ingest`)."
    regs = related_regulations(searcher, record["content"], TOPIC_LABELS[Topic(record["topic"])])
    for r in regs:
        r["validity"] = validity_text(r.get("in_force"), r.get("valid_to"), r.get("replaced_by"))
    return regs, None


def _item_context(request: Request, user: Any, code: str) -> dict[str, Any]:
    svc = services(request)
    record = svc.queue.detail(user.principal, code, with_regulations=False)
    regs, regs_note = _regulations(request, record)
    status = Status(record["status"])
    mine = record["assignee"] == user.principal.username
    may_act = user.can(Permission.QUEUE_WORK) and (mine or user.can(Permission.QUEUE_TRANSITION_ANY))
    return {
        "item": record, "regulations": regs, "regulations_note": regs_note, "labels": LABELS,
        "next_statuses": sorted(TRANSITIONS[status], key=list(Status).index) if may_act else [],
        "may_act": may_act, "mine": mine,
        "may_claim": record["assignee"] is None and user.can(Permission.QUEUE_CLAIM) and status in (Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS),
        "assignable": assignable(svc.db, user.principal, record["office"]),
        "reasons": reasons_for(Kind(record["kind"])), "kinds": list(Kind), "topics": list(Topic),
        "priority_values": list(Priority), "targets": list(ComplaintTarget),
        "office_choices": offices(svc.db, user.principal),
    }


@router.get("/staff/items/{code}", response_class=HTMLResponse)
def item_page(code: str, request: Request, user: PageUser):
    try:
        ctx = _item_context(request, user, code)
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    return render(request, "item.html", ctx, user=user)


def _item_url(code: str) -> str:
    return f"/staff/items/{codes.normalize_code(code)}"


@router.post("/staff/items/{code}/claim")
def claim(code: str, request: Request, user: FormUser):
    try:
        services(request).queue.claim(user.principal, code)
    except CaseworkError as exc:
        return redirect(request, _item_url(code), exc.message, "error")
    return redirect(request, _item_url(code), "Bạn đã nhận xử lý hồ sơ này.")


@router.post("/staff/items/{code}/assign")
def assign(code: str, request: Request, user: FormUser, username: Annotated[str, Form(max_length=64)] = "",
           note: Annotated[str, Form(max_length=2000)] = ""):
    try:
        services(request).queue.assign(user.principal, code, username or None, note=note or None)
    except CaseworkError as exc:
        return redirect(request, _item_url(code), exc.message, "error")
    return redirect(request, _item_url(code), f"Đã giao hồ sơ cho {username}." if username else "Đã bỏ giao hồ sơ.")


@router.post("/staff/items/{code}/notes")
def add_note(code: str, request: Request, user: FormUser, body: Annotated[str, Form(max_length=10_000)] = ""):
    try:
        services(request).queue.add_note(user.principal, code, body)
    except CaseworkError as exc:
        return redirect(request, _item_url(code), exc.message, "error")
    return redirect(request, _item_url(code) + "#ghi-chu", "Đã thêm ghi chú nội bộ.")


@router.post("/staff/items/{code}/triage")
def edit_triage(code: str, request: Request, user: FormUser,
                kind: Annotated[str, Form()] = "", topic: Annotated[str, Form()] = "", priority: Annotated[str, Form()] = "",
                office: Annotated[str, Form(max_length=200)] = "", complaint_target: Annotated[str, Form()] = "",
                complaint_level: Annotated[str, Form()] = "", note: Annotated[str, Form(max_length=2000)] = ""):
    svc = services(request)
    try:
        current = svc.queue.detail(user.principal, code, with_regulations=False)
        wanted: dict[str, Any] = {"kind": _enum(Kind, kind), "topic": _enum(Topic, topic), "priority": _enum(Priority, priority),
                                  "office": office.strip() or None, "complaint_target": _enum(ComplaintTarget, complaint_target),
                                  "complaint_level": int(complaint_level) if complaint_level in ("1", "2") else None}
        changes = {k: v for k, v in wanted.items() if v is not None and (v.value if hasattr(v, "value") else v) != current.get(k)}
        result = svc.queue.update_triage(user.principal, code, changes, note=note or None)
    except CaseworkError as exc:
        return redirect(request, _item_url(code), exc.message, "error")
    if result.get("moved_out_of_scope"):
        return redirect(request, "/staff/", f"Hồ sơ {result['code']} đã chuyển sang {result['office']} (ngoài phạm vi của bạn).")
    return redirect(request, _item_url(code), "Đã cập nhật phân loại; thời hạn được tính lại theo phân loại mới.")


def _transition_fields(to: str, note: str, reason: str, transfer_to: str, merged_into: str, decision_summary: str) -> dict[str, Any]:
    return {"to": _enum(Status, to), "note": note.strip() or None, "reason": reason or None,
            "transfer_to": transfer_to.strip() or None, "merged_into": merged_into.strip() or None,
            "decision_summary": decision_summary.strip() or None}


@router.post("/staff/items/{code}/preview", response_class=HTMLResponse)
def preview(code: str, request: Request, user: FormUser, to: Annotated[str, Form()] = "",
            note: Annotated[str, Form(max_length=2000)] = "", reason: Annotated[str, Form(max_length=60)] = "",
            transfer_to: Annotated[str, Form(max_length=300)] = "", merged_into: Annotated[str, Form(max_length=30)] = "",
            decision_summary: Annotated[str, Form(max_length=10_000)] = "", version: Annotated[str, Form()] = ""):
    """Step one of every status change: show the exact message the citizen will receive."""
    fields = _transition_fields(to, note, reason, transfer_to, merged_into, decision_summary)
    if fields["to"] is None:
        return redirect(request, _item_url(code), "Thao tác không hợp lệ.", "error")
    svc = services(request)
    try:
        result = preview_transition(svc.queue, user.principal, code, **fields)
    except CaseworkError as exc:
        return redirect(request, _item_url(code), exc.message, "error")
    return render(request, "preview.html", {
        "code": codes.normalize_code(code), "preview": result, "fields": fields, "version": version,
        "action_label": ACTION_LABELS[fields["to"]], "labels": LABELS,
    }, user=user)


@router.post("/staff/items/{code}/transition")
def transition(code: str, request: Request, user: FormUser, to: Annotated[str, Form()] = "",
               note: Annotated[str, Form(max_length=2000)] = "", reason: Annotated[str, Form(max_length=60)] = "",
               transfer_to: Annotated[str, Form(max_length=300)] = "", merged_into: Annotated[str, Form(max_length=30)] = "",
               decision_summary: Annotated[str, Form(max_length=10_000)] = "", version: Annotated[str, Form()] = ""):
    fields = _transition_fields(to, note, reason, transfer_to, merged_into, decision_summary)
    target = fields.pop("to")
    if target is None:
        return redirect(request, _item_url(code), "Thao tác không hợp lệ.", "error")
    try:
        services(request).queue.transition(user.principal, code, target, **fields,
                                           expected_version=int(version) if version.isdigit() else None)
    except CaseworkError as exc:
        return redirect(request, _item_url(code), exc.message, "error")
    return redirect(request, _item_url(code), f"Đã chuyển hồ sơ sang “{STATUS_LABELS[target]}”; thông báo đã được xếp hàng gửi.")


@router.get("/staff/items/{code}/attachments/{attachment_id}")
def download(code: str, attachment_id: int, request: Request, user: PageUser):
    svc = services(request)
    try:
        att = svc.queue.attachment(user.principal, code, attachment_id)
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    path = files.open_path(svc.cfg.data_dir, att.storage_path)
    return FileResponse(path, media_type=att.content_type, filename=att.filename,
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

