"""Reports: charts drawn on the server (SVG) from casework.reports, and their CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import services
from api.web import charts
from api.web.common import PageUser, render
from casework import reports
from casework.deadlines import today_local
from casework.errors import CaseworkError
from casework.states import KIND_LABELS, STATUS_LABELS, Kind, Status

router = APIRouter()


def _granularity(value: str | None) -> reports.Granularity:
    return "month" if value == "month" else "week"


def _period_label(start, granularity: str) -> str:
    return start.strftime("%d/%m") if granularity == "week" else start.strftime("%m/%Y")


@router.get("/staff/reports", response_class=HTMLResponse)
def reports_page(request: Request, user: PageUser):
    granularity = _granularity(request.query_params.get("by"))
    try:
        rep = reports.build(services(request).db, user.principal, today=today_local(), granularity=granularity)
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    labels = [_period_label(p, granularity) for p in rep.periods]
    series = {KIND_LABELS[Kind(k)]: v for k, v in rep.by_period.items()}
    statuses = [(STATUS_LABELS[Status(s)], n) for s, n in rep.by_status.items()]
    offices = [(o.office, o.on_time, o.overdue) for o in rep.by_office]
    return render(request, "reports.html", {
        "report": rep, "granularity": granularity, "labels": labels, "series": series, "statuses": statuses,
        "offices": offices,
        "chart_time": charts.stacked_columns("Số đơn theo thời gian và loại đơn", labels, series),
        "chart_status": charts.horizontal_bars("Số đơn theo trạng thái", statuses),
        "chart_office": charts.split_bars("Đúng hạn và quá hạn theo cơ quan", offices),
    }, user=user)


@router.get("/staff/reports.csv")
def reports_csv(request: Request, user: PageUser):
    granularity = _granularity(request.query_params.get("by"))
    try:
        rep = reports.build(services(request).db, user.principal, today=today_local(), granularity=granularity)
    except CaseworkError as exc:
        return render(request, "error.html", {"message": exc.message}, user=user, status_code=exc.status)
    return Response(reports.to_csv(rep), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="bao-cao.csv"', "Cache-Control": "no-store"})
