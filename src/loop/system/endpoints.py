"""System endpoints: health, service info, machine-readable docs and metrics. No authentication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy import text

from loop import __version__
from loop.core.clock import utcnow
from loop.core.jsonresp import json_response
from loop.core.metrics import CONTENT_TYPE_LATEST

router = APIRouter(tags=["System"])

SCALAR_VERSION = "1.72.1"


class Health(BaseModel):
    ok: bool
    service: str
    version: str
    database: str
    timestamp: str


class ServiceInfo(BaseModel):
    name: str
    version: str
    docs: str
    openapi: str
    health: str


@router.get("/health", response_model=Health, summary="Liveness and database check")
async def health(request: Request):
    database = request.app.state.database
    status = "ok"
    try:
        async with database.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception:
        status = "unavailable"
    body = {
        "ok": status == "ok",
        "service": "loop-api",
        "version": __version__,
        "database": status,
        "timestamp": utcnow(),
    }
    return json_response(body, 200 if status == "ok" else 503)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def scalar_page(title: str, spec_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<div id="app"></div>
<script src="/static/vendor/scalar/{SCALAR_VERSION}/standalone.js"></script>
<script>
Scalar.createApiReference('#app', {{
  url: '{spec_url}',
  withDefaultFonts: false,
  showDeveloperTools: 'never',
  agent: {{ disabled: true }},
  mcp: {{ disabled: true }},
  documentDownloadType: 'json'
}});
</script>
</body>
</html>"""


@router.get(
    "/",
    response_model=ServiceInfo,
    summary="Service info (JSON), or the API reference for a browser",
    responses={200: {"content": {"text/html": {}}}},
)
async def root(request: Request) -> Any:
    if _wants_html(request):
        return HTMLResponse(scalar_page("Loop API reference", "/openapi.json"))
    return json_response(
        {
            "name": "Loop API",
            "version": __version__,
            "docs": "/docs",
            "openapi": "/openapi.json",
            "health": "/health",
        }
    )


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return HTMLResponse(scalar_page("Loop API reference", "/openapi.json"))


@router.get("/api/openapi.json", include_in_schema=False)
async def engine_openapi(request: Request) -> Response:
    """The engine's own document (its clients fetch it here): only the engine paths of the full spec."""
    spec = request.app.openapi()
    paths = {
        path: item
        for path, item in spec["paths"].items()
        if (path.startswith("/api/") and not path.startswith("/api/v1/")) or path in ("/", "/health")
    }
    return json_response({**spec, "paths": paths, "info": {**spec["info"], "title": "Loop engine API"}})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
