"""Staff endpoints: login, queue with filters, claim, assign, transition, notes, triage, CSV, stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse

from api.auth import COOKIE_NAME, StaffPrincipal, csrf_token, request_token
from api.deps import rate_limit, services
from api.schemas import (
    AssignIn,
    ItemPage,
    LoginIn,
    LoginOut,
    MeOut,
    NoteIn,
    NoteOut,
    ReasonOut,
    StaffItemOut,
    StatsOut,
    TransitionIn,
    TriageIn,
)
from casework import attachments as files
from casework import staff
from casework.deadlines import RULES
from casework.queue import Filters
from casework.states import Kind, Priority, Status, reasons_for

router = APIRouter(prefix="/api/staff", tags=["staff"])
_NF = {404: {"description": "Không tìm thấy (hoặc ngoài phạm vi của bạn)"}}


@router.post("/login", response_model=LoginOut, responses={401: {"description": "Sai thông tin"}, 429: {"description": "Quá nhiều lần thử"}})
def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    svc = services(request)
    rate_limit(request, "login", svc.settings.rate_login_per_minute)
    with svc.db.write() as s:
        user = staff.authenticate(s, body.username, body.password)
        if user is None:
            raise HTTPException(401, detail="Tên đăng nhập hoặc mật khẩu không đúng.")
        issued = staff.open_session(s, user, svc.settings.session_max_age)
    csrf = None
    if body.cookie:
        response.set_cookie(COOKIE_NAME, issued.token, max_age=svc.settings.session_max_age, httponly=True,
                            secure=svc.settings.cookie_secure, samesite="lax")
        csrf = csrf_token(svc.settings.signing_key(), issued.token)
    p = issued.principal
    return LoginOut(access_token=issued.token, expires_at=issued.expires_at, username=p.username, role=p.role.value,
                    office=p.office, csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, principal: StaffPrincipal) -> Response:
    token = request_token(request)
    with services(request).db.write() as s:
        if token:
            staff.revoke_token(s, token)
    response.delete_cookie(COOKIE_NAME)
    response.status_code = 204
    return response


@router.get("/me", response_model=MeOut)
def me(principal: StaffPrincipal) -> MeOut:
    return MeOut(username=principal.username, role=principal.role.value, office=principal.office,
                 permissions=sorted(p.value for p in principal.permissions))


def filters(
    kind: Kind | None = None,
    status: Status | None = None,
    office: Annotated[str | None, Query(max_length=200)] = None,
    assignee: Annotated[str | None, Query(max_length=64, description="username, 'me' or 'none'")] = None,
    overdue: bool = False,
    due_soon: bool = False,
    priority: Priority | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Tìm theo mã, nội dung, số hồ sơ")] = None,
) -> Filters:
    return Filters(kind=kind, status=status, office=office, assignee=assignee, overdue=overdue, due_soon=due_soon,
                   priority=priority, text=q)


QueueFilters = Annotated[Filters, Depends(filters)]


@router.get("/submissions", response_model=ItemPage, summary="Danh sách đơn (sắp theo hạn)")
def list_items(request: Request, principal: StaffPrincipal, f: QueueFilters,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1,
               per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    items, total = services(request).queue.list(principal, f, page=page, per_page=per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/submissions/export.csv", response_class=Response, summary="Xuất CSV (áp dụng cùng quy tắc ẩn danh tính)")
def export_csv(request: Request, principal: StaffPrincipal, f: QueueFilters) -> Response:
    body = services(request).queue.export_csv(principal, f)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="don-thu.csv"'})


@router.get("/stats", response_model=StatsOut)
def stats(request: Request, principal: StaffPrincipal) -> dict:
    return services(request).queue.stats(principal)


@router.get("/reasons", response_model=list[ReasonOut], summary="Lý do không thụ lý hợp lệ theo loại đơn")
def reasons(principal: StaffPrincipal, kind: Kind = Kind.COMPLAINT) -> list[dict]:
    return [{"code": r.code, "label": r.label, "legal_basis": r.legal_basis, "guidance": r.guidance} for r in reasons_for(kind)]


@router.get("/deadline-rules", summary="Bảng thời hạn pháp lý và căn cứ")
def deadline_rules(principal: StaffPrincipal) -> list[dict]:
    return [{"code": r.code, "phase": r.phase, "kind": r.kind, "level": r.level, "targets": list(r.targets),
             "amount": r.amount, "unit": r.unit, "label": r.label, "description": r.description,
             "legal_basis": r.legal_basis, "confirmed": r.confirmed, "note": r.note} for r in RULES]


@router.post("/submissions/claim-next", response_model=StaffItemOut | None, summary="Nhận hồ sơ gấp nhất chưa có người xử lý")
def claim_next(request: Request, principal: StaffPrincipal, f: QueueFilters) -> dict | None:
    return services(request).queue.claim_next(principal, f)


@router.get("/submissions/{code}", response_model=StaffItemOut, responses=_NF)
def detail(code: str, request: Request, principal: StaffPrincipal) -> dict:
    return services(request).queue.detail(principal, code)


@router.post("/submissions/{code}/claim", response_model=StaffItemOut, responses={**_NF, 409: {"description": "Đã có người nhận"}})
def claim(code: str, request: Request, principal: StaffPrincipal) -> dict:
    return services(request).queue.claim(principal, code)


@router.post("/submissions/{code}/assign", response_model=StaffItemOut, responses=_NF)
def assign(code: str, body: AssignIn, request: Request, principal: StaffPrincipal) -> dict:
    return services(request).queue.assign(principal, code, body.username, note=body.note)


@router.post("/submissions/{code}/transition", response_model=StaffItemOut,
             responses={**_NF, 409: {"description": "Chuyển trạng thái không hợp lệ"}})
def transition(code: str, body: TransitionIn, request: Request, principal: StaffPrincipal) -> dict:
    return services(request).queue.transition(
        principal, code, body.to, note=body.note, reason=body.reason, transfer_to=body.transfer_to,
        merged_into=body.merged_into, decision_summary=body.decision_summary, expected_version=body.version)


@router.post("/submissions/{code}/notes", response_model=NoteOut, status_code=201, responses=_NF)
def add_note(code: str, body: NoteIn, request: Request, principal: StaffPrincipal) -> dict:
    return services(request).queue.add_note(principal, code, body.body)


@router.patch("/submissions/{code}/triage", responses=_NF, summary="Sửa phân loại (trở thành ví dụ gán nhãn)")
def edit_triage(code: str, body: TriageIn, request: Request, principal: StaffPrincipal) -> dict:
    changes = body.model_dump(exclude={"note"}, exclude_none=True)
    return services(request).queue.update_triage(principal, code, changes, note=body.note)


@router.get("/submissions/{code}/attachments/{attachment_id}", response_class=FileResponse, responses=_NF)
def download(code: str, attachment_id: int, request: Request, principal: StaffPrincipal) -> FileResponse:
    svc = services(request)
    att = svc.queue.attachment(principal, code, attachment_id)
    path = files.open_path(svc.cfg.data_dir, att.storage_path)
    return FileResponse(path, media_type=att.content_type, filename=att.filename)
