"""Feedback review: questions citizens sent to staff (queue items of kind question) and answers rated
👎 in the bot (casework.chat_answers), and the approved answers staff write from them.
Opening the page re-checks every approved answer's sources against the index catalog."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from api.deps import services
from api.web.common import FormUser, PageUser, index_access, redirect, render
from casework import approved_answers as approved
from casework import chat_answers
from casework.errors import CaseworkError
from casework.queue import Filters
from casework.states import KIND_LABELS, STATUS_LABELS, Kind

router = APIRouter()
QUOTE_CHARS = 400


@router.get("/staff/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, user: PageUser):
    svc = services(request)
    access = index_access(request)
    hashes = access.doc_hashes()
    flagged = approved.flag_changed(svc.db, hashes) if hashes is not None else []
    try:
        questions, total = svc.queue.list(user.principal, Filters(kind=Kind.QUESTION), per_page=50)
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    return render(request, "feedback.html", {
        "questions": questions, "questions_total": total, "negative": chat_answers.disliked(svc.db),
        "answers": approved.list_answers(svc.db, user.principal), "flagged_now": flagged,
        "index_ready": hashes is not None, "status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS,
    }, user=user)


def _candidates(request: Request, query: str) -> tuple[list[dict[str, Any]], str | None]:
    from retrieval.validity import validity_note

    access = index_access(request)
    searcher = access.searcher()
    if searcher is None:
        return [], access.error or "Chưa có chỉ mục văn bản: hãy chạy `thads ingest`."
    if not query:
        return [], None
    return [{"r": r, "validity": validity_note(r)} for r in searcher.search(query, k=8)], None


@router.get("/staff/feedback/new", response_class=HTMLResponse)
def new_answer(request: Request, user: PageUser):
    svc = services(request)
    origin = (request.query_params.get("from") or "").strip()[:30]
    feedback_id = (request.query_params.get("feedback") or "").strip()
    question = (request.query_params.get("q") or "").strip()[:2000]
    if origin and not question:
        try:
            question = svc.queue.detail(user.principal, origin, with_regulations=False)["content"][:2000]
        except CaseworkError as exc:
            return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    search_q = (request.query_params.get("sq") or question).strip()[:500]
    candidates, error = _candidates(request, search_q)
    return render(request, "approve.html", {
        "origin": origin, "feedback_id": feedback_id if feedback_id.isdigit() else "", "question": question,
        "search_q": search_q, "candidates": candidates, "error": error,
    }, user=user)


def _sources(request: Request, chunk_ids: list[str]) -> list[approved.Source]:
    """Snapshot the chosen passages from the index, with their documents' content hashes."""
    from retrieval.search import Searcher
    from retrieval.validity import validity_note

    access = index_access(request)
    searcher, hashes = access.searcher(), access.doc_hashes() or {}
    if searcher is None:
        return []
    snap = searcher.snapshot()
    out = []
    for chunk_id in dict.fromkeys(chunk_ids):
        row = snap.rows.get(chunk_id)
        if row is None or row.doc_id not in hashes:
            continue
        r = Searcher._result(row, 0.0, None, None, date.today())
        out.append(approved.Source(doc_id=r.doc_id, chunk_id=r.chunk_id, title=r.title or "", section=r.section,
                                   citation=r.citation, quote=r.text[:QUOTE_CHARS], in_force=r.in_force,
                                   validity=validity_note(r), content_hash=hashes[r.doc_id]))
    return out


@router.post("/staff/feedback/approved")
def create_answer(request: Request, user: FormUser, question: Annotated[str, Form(max_length=2000)] = "",
                  answer: Annotated[str, Form(max_length=10_000)] = "",
                  chunk_ids: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 (FastAPI default)
                  origin: Annotated[str, Form(max_length=30)] = "", feedback_id: Annotated[str, Form(max_length=20)] = ""):
    svc = services(request)
    try:
        new_id = approved.create(svc.db, user.principal, question=question, answer=answer,
                                 sources=_sources(request, chunk_ids[:20]), origin_code=origin or None,
                                 origin_feedback_id=int(feedback_id) if feedback_id.isdigit() else None)
    except CaseworkError as exc:
        back = "/staff/feedback/new?" + ("from=" + origin if origin else "q=" + question[:200])
        return redirect(request, back, exc.message, "error")
    return redirect(request, f"/staff/feedback#tl-{new_id}",
                    "Đã lưu câu trả lời được duyệt. Trợ lý sẽ dùng câu trả lời này cho các câu hỏi tương tự.")


@router.post("/staff/feedback/approved/{answer_id}/status")
def set_status(answer_id: int, request: Request, user: FormUser, status: Annotated[str, Form(max_length=20)] = ""):
    svc = services(request)
    try:
        approved.set_status(svc.db, user.principal, answer_id, status, current=index_access(request).doc_hashes())
    except CaseworkError as exc:
        return redirect(request, "/staff/feedback", exc.message, "error")
    message = "Đã xác nhận lại câu trả lời với nội dung văn bản hiện tại." if status == approved.ACTIVE else "Đã ngừng dùng câu trả lời."
    return redirect(request, f"/staff/feedback#tl-{answer_id}", message)
