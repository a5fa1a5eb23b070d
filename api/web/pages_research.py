"""Research: search the index or ask the assistant, with filters; passages with citations and validity."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.web.common import PageUser, index_access, render

router = APIRouter()
MAX_QUERY = 500


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/staff/research", response_class=HTMLResponse)
def research_page(request: Request, user: PageUser):
    from retrieval.search import SearchFilters
    from retrieval.validity import validity_note

    params = request.query_params
    q = (params.get("q") or "").strip()[:MAX_QUERY]
    mode = "ask" if params.get("mode") == "ask" else "search"
    kind, issuer = (params.get("kind") or "").strip() or None, (params.get("issuer") or "").strip() or None
    in_force_on = _date(params.get("in_force_on"))
    access = index_access(request)
    ctx: dict = {"q": q, "mode": mode, "kind": kind, "issuer": issuer, "in_force_on": params.get("in_force_on") or "",
                 "results": [], "answer": None, "error": None, "kinds": [], "issuers": []}
    answerer = access.answerer()
    if answerer is None:
        ctx["error"] = access.error or "Chưa có chỉ mục văn bản: hãy chạy `thads ingest`."
        return render(request, "research.html", ctx, user=user)
    ctx["kinds"], ctx["issuers"] = access.kinds(), access.issuers()
    if q:
        filters = SearchFilters(kind=kind, issuer=issuer, in_force_on=in_force_on)
        if mode == "ask":
            ctx["answer"] = answerer(q, filters=filters)
        results = ctx["answer"].passages[:8] if ctx["answer"] is not None and ctx["answer"].passages else \
            answerer.searcher.search(q, k=10, filters=filters)
        ctx["results"] = [{"r": r, "validity": validity_note(r)} for r in results]
    return render(request, "research.html", ctx, user=user)
