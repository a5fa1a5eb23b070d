"""Citizen endpoints: submit (JSON or multipart with attachments), status by code and secret, withdraw."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, HTTPException, Request, Response, UploadFile, status
from pydantic import ValidationError

from api.deps import rate_limit, services
from api.schemas import CitizenStatusOut, ConsentNoticeOut, LookupIn, ReceiptOut, SubmissionIn, WithdrawIn
from casework import attachments as files
from casework import consent, intake
from casework.states import Channel

router = APIRouter(prefix="/api", tags=["citizen"])

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=100, description="Khóa chống gửi trùng: gửi lại cùng khóa trả về cùng một đơn"),
]
_ERRORS = {404: {"description": "Không tìm thấy (mã sai, hoặc không phải hồ sơ của bạn)"}, 429: {"description": "Quá nhiều yêu cầu"}}


def _to_request(body: SubmissionIn, key: str | None, stored: tuple[files.StoredFile, ...]) -> intake.IntakeRequest:
    c = body.contact
    contact = intake.Contact(c.name, c.phone, c.email, c.address, c.telegram_chat_id) if c else intake.Contact()
    return intake.IntakeRequest(
        kind=body.kind, content=body.content, channel=Channel.API, contact=contact,
        consent_version=body.consent.notice_version if body.consent else None, office=body.office,
        case_number=body.case_number, complaint_target=body.complaint_target, complaint_level=body.complaint_level,
        confidential=body.confidential, anonymous=body.anonymous, idempotency_key=key, attachments=stored,
    )


def _receipt(request: Request, response: Response, body: SubmissionIn, key: str | None,
             stored: tuple[files.StoredFile, ...] = ()) -> ReceiptOut:
    svc = services(request)
    receipt = intake.submit(svc.db, _to_request(body, key, stored), svc.cfg)
    response.status_code = status.HTTP_201_CREATED if receipt.created else status.HTTP_200_OK
    return ReceiptOut(**receipt.__dict__)


@router.get("/consent-notice", response_model=ConsentNoticeOut, summary="Thông báo xử lý dữ liệu cá nhân cần đồng ý")
def consent_notice() -> ConsentNoticeOut:
    n = consent.CURRENT
    return ConsentNoticeOut(version=n.version, text=n.text, purposes=list(n.purposes), data_types=list(n.data_types))


@router.post("/submissions", response_model=ReceiptOut, status_code=201, responses={200: {"description": "Đơn đã tồn tại (cùng Idempotency-Key)"}, **_ERRORS},
             summary="Gửi khiếu nại, tố cáo, phản ánh, kiến nghị hoặc câu hỏi")
def submit_json(body: SubmissionIn, request: Request, response: Response, idempotency_key: IdempotencyKey = None) -> ReceiptOut:
    rate_limit(request, "submit", services(request).settings.rate_submit_per_minute)
    return _receipt(request, response, body, idempotency_key)


@router.post("/submissions/multipart", response_model=ReceiptOut, status_code=201, responses=_ERRORS,
             summary="Gửi đơn kèm tệp (ảnh JPEG/PNG/WebP hoặc PDF)")
def submit_multipart(
    request: Request,
    response: Response,
    payload: Annotated[str, Form(description="SubmissionIn as a JSON string")],
    attachments: Annotated[list[UploadFile], File(description="Tệp đính kèm")] = [],  # noqa: B006 (FastAPI default)
    idempotency_key: IdempotencyKey = None,
) -> ReceiptOut:
    svc = services(request)
    rate_limit(request, "submit", svc.settings.rate_submit_per_minute)
    try:
        body = SubmissionIn.model_validate(json.loads(payload))
    except json.JSONDecodeError as exc:
        raise HTTPException(422, detail=[{"loc": ["body", "payload"], "msg": "payload phải là JSON hợp lệ.", "type": "json_invalid"}]) from exc
    except ValidationError as exc:
        raise HTTPException(422, detail=[{**{k: e[k] for k in ("loc", "msg", "type")}, "loc": ["body", "payload", *e["loc"]]}
                                         for e in exc.errors()]) from exc
    if len(attachments) > svc.cfg.attachment_max_count:
        raise HTTPException(422, detail=[{"loc": ["body", "attachments"], "type": "too_long",
                                          "msg": f"Chỉ được gửi tối đa {svc.cfg.attachment_max_count} tệp."}])
    stored = tuple(_store(upload, svc.cfg) for upload in attachments)
    return _receipt(request, response, body, idempotency_key, stored)


def _store(upload: UploadFile, cfg) -> files.StoredFile:
    data = upload.file.read(cfg.attachment_max_bytes + 1)  # never read more than the limit allows
    try:
        return files.store(data, filename=upload.filename, data_dir=cfg.data_dir, max_bytes=cfg.attachment_max_bytes)
    except files.AttachmentError as exc:
        raise HTTPException(exc.status, detail=str(exc)) from exc


@router.post("/submissions/status", response_model=CitizenStatusOut, responses=_ERRORS, summary="Tra cứu tình trạng bằng mã hồ sơ và mã bí mật")
def lookup(body: LookupIn, request: Request) -> dict:
    svc = services(request)
    rate_limit(request, "lookup", svc.settings.rate_lookup_per_minute)
    return intake.status(svc.db, body.code, secret=body.secret, due_soon_days=svc.cfg.due_soon_days)


@router.post("/submissions/withdraw", response_model=CitizenStatusOut, responses={**_ERRORS, 409: {"description": "Đơn đã kết thúc"}},
             summary="Rút đơn")
def withdraw(body: WithdrawIn, request: Request) -> dict:
    svc = services(request)
    rate_limit(request, "lookup", svc.settings.rate_lookup_per_minute)
    return intake.withdraw(svc.db, body.code, secret=body.secret, reason=body.reason, due_soon_days=svc.cfg.due_soon_days)
