"""The staff web dashboard: server-rendered Vietnamese pages over the same core as the JSON API.
`router` is mounted by api.app; templates and static files ship inside this package."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

from api.web import pages_auth, pages_feedback, pages_queue, pages_reports, pages_research
from api.web.common import HERE

STATIC = {"app.css": "text/css", "app.js": "text/javascript"}

router = APIRouter(include_in_schema=False)
for module in (pages_auth, pages_queue, pages_research, pages_reports, pages_feedback):
    router.include_router(module.router)


@router.get("/staff")
@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/staff/", status_code=307)


@router.get("/staff/static/{name}")
def static(name: str) -> FileResponse:
    """Vendored assets only (a fixed list: no path from the request reaches the filesystem)."""
    if name not in STATIC:
        raise HTTPException(404, detail="Không tìm thấy.")
    return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
