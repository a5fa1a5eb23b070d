"""Operations and public knowledge endpoints: liveness, readiness, Prometheus metrics, ask and search."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from api.deps import rate_limit, services
from casework.privacy import Principal, Role

router = APIRouter()


class Metrics:
    """One registry per app: request latency, answers and abstentions, and queue/outbox gauges."""

    def __init__(self, app_state: Any) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("thads_http_request_seconds", "Request latency", ["route", "method", "status"],
                                 registry=self.registry)
        self.answers = Counter("thads_answers_total", "Answers given", ["abstained", "mode"], registry=self.registry)
        self.registry.register(_QueueCollector(app_state))


class _QueueCollector:
    """Queue sizes, overdue counts and outbox backlog, read from the database at scrape time."""

    def __init__(self, app_state: Any) -> None:
        self.state = app_state

    def collect(self):  # noqa: ANN201 (prometheus collector protocol)
        svc = self.state.services
        system = Principal(user_id=0, username="metrics", role=Role.ADMIN, office=None)
        try:
            stats = svc.queue.stats(system)
        except Exception:  # a scrape must not fail because the database is briefly away
            return
        by_status = GaugeMetricFamily("thads_queue_items", "Queue items by status", labels=["status"])
        for status, n in stats["by_status"].items():
            by_status.add_metric([status], n)
        yield by_status
        for name in ("open", "overdue", "due_soon", "unassigned_open"):
            yield GaugeMetricFamily(f"thads_queue_{name}", f"Queue items: {name}", value=stats[name])
        outbox = GaugeMetricFamily("thads_outbox_messages", "Outbox rows by status", labels=["status"])
        for status, n in (stats.get("outbox") or {}).items():
            outbox.add_metric([status], n)
        yield outbox


def install_metrics(app: Any) -> None:
    metrics = Metrics(app.state)
    app.state.metrics = metrics

    @app.middleware("http")
    async def observe(request: Request, call_next):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.latency.labels(path, request.method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


@router.get("/healthz", tags=["ops"], summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["ops"], summary="Readiness: database reachable and search index usable")
def readyz(request: Request, response: Response) -> dict[str, Any]:
    svc = services(request)
    checks: dict[str, str] = {}
    try:
        with svc.db.read() as s:
            s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: this is the health answer
        checks["database"] = f"lỗi: {exc.__class__.__name__}"
    retrieval = request.app.state.retrieval
    checks["index"] = "ok" if retrieval.available() else "chưa có chỉ mục (chạy `thads ingest`)"
    ready = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ready else 503
    return {"status": "ready" if ready else "not ready", "checks": checks}


@router.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=2, max_length=1000, description="Câu hỏi tiếng Việt.")


class CitationOut(BaseModel):
    n: int
    title: str
    section: str
    quote: str
    doc_id: str
    in_force: bool | None
    validity: str


class AskResponse(BaseModel):
    answer: str
    citations: list[CitationOut]
    confidence: float
    abstained: bool
    mode: str


@router.post("/api/ask", tags=["knowledge"], response_model=AskResponse,
             summary="Trả lời câu hỏi về thủ tục, quy định, báo cáo (có trích dẫn nguồn)")
def ask(body: AskRequest, request: Request) -> dict[str, Any]:
    svc = services(request)
    rate_limit(request, "ask", svc.settings.rate_lookup_per_minute)
    retrieval = request.app.state.retrieval
    if not retrieval.available():
        raise HTTPException(status_code=503, detail="Chỉ mục tài liệu chưa sẵn sàng. Vui lòng thử lại sau.")
    answer = retrieval.answerer(body.question)
    request.app.state.metrics.answers.labels(str(answer.abstained).lower(), answer.mode).inc()
    return answer.to_dict()


@router.get("/api/search", tags=["knowledge"], summary="Tìm đoạn văn bản kèm trích dẫn và hiệu lực")
def search(
    request: Request,
    q: str = Query(min_length=2, max_length=500),
    k: int = Query(10, ge=1, le=50),
    kind: str | None = Query(None, max_length=40),
    issuer: str | None = Query(None, max_length=200),
    in_force_on: date | None = None,
) -> list[dict[str, Any]]:
    from retrieval.search import SearchFilters
    from retrieval.validity import validity_note

    rate_limit(request, "search", services(request).settings.rate_lookup_per_minute)
    retrieval = request.app.state.retrieval
    results = retrieval.search(q, k=k, filters=SearchFilters(kind=kind, issuer=issuer, in_force_on=in_force_on))
    return [{"citation": r.citation, "title": r.title, "section": r.section, "text": r.text, "doc_id": r.doc_id,
             "kind": r.kind, "in_force": r.in_force, "validity": validity_note(r), "score": r.score} for r in results]
