"""Enforcement-case status. Citizens: link a case (signed code or case number + ID last 4 + date of
birth), list their cases, read the explanation. Staff: search, view, import, stage changes, link
codes, analytics. Same auth, rate limits and 404-not-403 rule as the queue; the core is
casework.cases (the bot calls it directly, without HTTP)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Header, HTTPException, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import client_key, rate_limit, services
from api.auth import StaffPrincipal
from casework.cases import CaseConfig, CaseService, Citizen, LookupLocked
from casework.cases.crypto import new_citizen_token
from casework.cases.stages import Classification, Stage

router = APIRouter(tags=["cases"])
_NF = {404: {"description": "Không tìm thấy (hoặc không phải hồ sơ của bạn / ngoài phạm vi của bạn)"}}
_CITIZEN_ERRORS = {**_NF, 401: {"description": "Thiếu mã công dân"}, 429: {"description": "Quá nhiều yêu cầu hoặc nhập sai quá nhiều lần"}}

CitizenToken = Annotated[str | None, Header(alias="X-Citizen-Token", max_length=100,
                                            description="Mã công dân nhận được ở lần liên kết hồ sơ đầu tiên")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LinkIn(_Strict):
    code: str | None = Field(None, max_length=64, description="Mã liên kết in trên thông báo (cách a)")
    case_number: str | None = Field(None, max_length=100, description="Số hồ sơ / số thụ lý thi hành án (cách b)")
    id_last4: str | None = Field(None, pattern=r"^\d{4}$", description="4 chữ số cuối số CCCD (cách b)")
    birth_date: date | None = Field(None, description="Ngày sinh (cách b)")
    office: str | None = Field(None, max_length=200, description="Cơ quan thi hành án (không bắt buộc)")

    @model_validator(mode="after")
    def one_method(self) -> LinkIn:
        by_identity = (self.case_number, self.id_last4, self.birth_date)
        if self.code and any(v is not None for v in by_identity):
            raise ValueError("Chỉ dùng một cách: mã liên kết, hoặc số hồ sơ + 4 số cuối CCCD + ngày sinh.")
        if not self.code and not all(by_identity):  # "" counts as missing (it would reach the service empty)
            raise ValueError("Cần mã liên kết, hoặc đủ số hồ sơ, 4 số cuối CCCD và ngày sinh.")
        return self


class StageIn(_Strict):
    stage: Stage
    on: date | None = Field(None, description="Ngày bắt đầu bước này (mặc định hôm nay)")
    note: str | None = Field(None, max_length=2000, description="Ghi chú công khai (công dân xem được)")
    classification: Classification | None = None


def case_service(request: Request) -> CaseService:
    """One CaseService per app, built on the queue's Database and the same signing key."""
    state = request.app.state
    svc = getattr(state, "case_service", None)
    if svc is None:
        base = services(request)
        svc = state.case_service = CaseService(base.db, CaseConfig.from_settings(base.settings))
    return svc


def _citizen_limit(request: Request) -> None:
    rate_limit(request, "case_lookup", services(request).settings.rate_lookup_per_minute)


def _locked(exc: LookupLocked) -> HTTPException:
    return HTTPException(429, detail=exc.message, headers={"Retry-After": str(int(exc.retry_after) + 1)})


def _require_token(token: str | None) -> Citizen:
    if not token:
        raise HTTPException(401, detail="Thiếu mã công dân (X-Citizen-Token). Hãy liên kết hồ sơ trước.")
    return Citizen.from_token(token)


# --- citizens --------------------------------------------------------------------------------------


@router.post("/api/cases/link", responses={**_CITIZEN_ERRORS, 410: {"description": "Mã liên kết hết hạn"}},
             summary="Liên kết hồ sơ thi hành án của tôi (mã trên thông báo, hoặc số hồ sơ + 4 số cuối CCCD + ngày sinh)")
def link(body: LinkIn, request: Request, response: Response, token: CitizenToken = None) -> dict[str, Any]:
    _citizen_limit(request)
    issued = None
    if not token:
        token = issued = new_citizen_token()
    citizen = Citizen.from_token(token)
    svc = case_service(request)
    client = f"ip:{client_key(request)}"
    try:
        if body.code:
            result = svc.link_with_code(citizen, body.code, client=client)
        else:
            assert body.case_number and body.id_last4 and body.birth_date
            result = svc.link_with_identity(citizen, body.case_number, body.id_last4, body.birth_date, office=body.office, client=client)
    except LookupLocked as exc:
        raise _locked(exc) from exc
    response.status_code = 201 if result.created else 200
    return {"citizen_token": issued, "created": result.created, "cases": result.cases,
            "message": "Đã liên kết hồ sơ." + (" Hãy lưu mã công dân để xem hồ sơ lần sau." if issued else "")}


@router.get("/api/cases/mine", responses=_CITIZEN_ERRORS, summary="Danh sách hồ sơ thi hành án của tôi")
def my_cases(request: Request, token: CitizenToken = None) -> dict[str, Any]:
    _citizen_limit(request)
    return {"cases": case_service(request).my_cases(_require_token(token))}


@router.get("/api/cases/mine/{ref}", responses=_CITIZEN_ERRORS, summary="Tình trạng hồ sơ, giải thích bằng lời dễ hiểu")
def my_case(ref: str, request: Request, token: CitizenToken = None) -> dict[str, Any]:
    _citizen_limit(request)
    return case_service(request).case_status(_require_token(token), ref)


@router.delete("/api/cases/mine/{ref}", status_code=204, responses=_CITIZEN_ERRORS, summary="Bỏ liên kết hồ sơ")
def unlink(ref: str, request: Request, token: CitizenToken = None) -> Response:
    _citizen_limit(request)
    case_service(request).unlink(_require_token(token), ref)
    return Response(status_code=204)


# --- staff -----------------------------------------------------------------------------------------


@router.get("/api/staff/cases", summary="Tìm hồ sơ thi hành án (số hồ sơ, số quyết định, Chấp hành viên, tên đương sự)")
def search(request: Request, principal: StaffPrincipal,
           q: Annotated[str | None, Query(max_length=200)] = None,
           office: Annotated[str | None, Query(max_length=200)] = None,
           stage: Stage | None = None, classification: Classification | None = None, open_only: bool = False,
           page: Annotated[int, Query(ge=1, le=100_000)] = 1, per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    items, total = case_service(request).search(principal, q=q, office=office, stage=stage, classification=classification,
                                                open_only=open_only, page=page, per_page=per_page)
    return {"items": items, "total": total, "page": page, "per_page": per_page}


@router.get("/api/staff/cases/analytics", summary="Thống kê: tuổi hồ sơ (trên 1, 3, 5, 10 năm), phân loại, bước, cơ quan")
def analytics(request: Request, principal: StaffPrincipal) -> dict[str, Any]:
    return case_service(request).analytics(principal)


@router.post("/api/staff/cases/import", responses={422: {"description": "Tệp có lỗi: không dòng nào được nhập; xem báo cáo"}},
             summary="Nhập hồ sơ từ tệp CSV hoặc JSON (docs/case-import.md); tất cả hoặc không")
def import_cases(request: Request, principal: StaffPrincipal, file: Annotated[UploadFile, File(description="Tệp CSV hoặc JSON")],
                 dry_run: bool = False) -> JSONResponse:
    svc = case_service(request)
    data = file.file.read(svc.cfg.max_import_bytes + 1)
    report = svc.import_file(data, filename=file.filename, principal=principal, dry_run=dry_run, source=f"upload:{principal.username}")
    return JSONResponse(status_code=200 if report.ok else 422, content=report.to_dict())


@router.get("/api/staff/cases/{ref}", responses=_NF, summary="Xem hồ sơ thi hành án")
def view(ref: str, request: Request, principal: StaffPrincipal) -> dict[str, Any]:
    return case_service(request).view(principal, ref)


@router.post("/api/staff/cases/{ref}/stage", responses=_NF, summary="Chuyển bước (thông báo cho công dân đã liên kết)")
def change_stage(ref: str, body: StageIn, request: Request, principal: StaffPrincipal) -> dict[str, Any]:
    return case_service(request).record_stage(principal, ref, body.stage, on=body.on, note=body.note, classification=body.classification)


@router.post("/api/staff/cases/{ref}/parties/{party_ref}/link-code", responses=_NF, summary="Cấp mã liên kết để in trên thông báo")
def link_code(ref: str, party_ref: str, request: Request, principal: StaffPrincipal) -> dict[str, Any]:
    return case_service(request).issue_link_code(principal, ref, party_ref)
