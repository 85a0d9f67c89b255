"""The feedback widget: ``POST /api/v1/widget/feedback`` (public, authenticated by the project's ``pk_``
key, CORS limited to the project's site) and ``GET /widget.js`` (the script a site embeds)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from loop.core.errors import Forbidden, LoopError, Unauthorized
from loop.core.jsonresp import json_response
from loop.db.session import ReadSession
from loop.feedback import service as feedback
from loop.feedback.schemas import WidgetAccepted
from loop.storage import FileStorage, get_storage
from loop.surfaces import developer
from loop.widget import intake
from loop.widget.service import (
    INVALID_KEY,
    ORIGIN_REFUSED,
    check_origin,
    cors_headers,
    find_project,
    key_from_request,
    origin_is_registered,
    preflight_headers,
)

router = APIRouter(tags=["Widget"])
INTAKE_PATH = "/api/v1/widget/feedback"
SCRIPT = Path(__file__).parent / "static" / "widget.js"

_FIELDS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 500},
        "description": {"type": "string", "maxLength": 20000},
        "type": {"type": "string", "enum": ["bug", "feature", "general"]},
        "page_url": {"type": "string"},
        "reporter_name": {"type": "string"},
        "reporter_email": {"type": "string"},
        "browser_info": {"type": "object", "description": "JSON text in a multipart form"},
        "annotations": {"type": "array", "items": {"type": "object"}, "description": "JSON text in a form"},
    },
}
_INTAKE_DOC: dict[str, Any] = {
    "parameters": [
        {"name": "X-Project-Key", "in": "header", "schema": {"type": "string"}, "description": "pk_…"},
        {"name": "key", "in": "query", "schema": {"type": "string"}, "description": "pk_… (alternative)"},
    ],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    **_FIELDS_SCHEMA,
                    "properties": {
                        **_FIELDS_SCHEMA["properties"],
                        "screenshot": {"type": "string", "format": "binary"},
                    },
                }
            },
            "application/json": {
                "schema": {
                    **_FIELDS_SCHEMA,
                    "properties": {
                        **_FIELDS_SCHEMA["properties"],
                        "screenshot": {"type": "string", "description": "data:image/png;base64,…"},
                    },
                }
            },
        },
    },
}


def _with_user_agent(fields: Any, request: Request) -> Any:
    user_agent = request.headers.get("user-agent")
    info = dict(fields.browser_info or {})
    if user_agent and not info.get("user_agent"):
        info["user_agent"] = user_agent[:1000]
    return fields.model_copy(update={"browser_info": info or None})


@router.options(INTAKE_PATH, include_in_schema=False)
async def intake_preflight(request: Request, session: ReadSession):
    origin = (request.headers.get("origin") or "").strip()
    if not origin:
        return Response(status_code=204, headers={"Allow": "POST, OPTIONS"})
    key = key_from_request(request.headers, request.query_params)
    allowed = False
    if key:
        try:
            project = await find_project(session, key)
            check_origin(project, origin)
            allowed = True
        except LoopError:
            allowed = False
    else:
        allowed = await origin_is_registered(session, origin)
    if not allowed:
        return json_response({"error": ORIGIN_REFUSED, "code": "origin_not_allowed"}, 403)
    return Response(status_code=204, headers=preflight_headers(origin))


@router.post(
    INTAKE_PATH,
    status_code=201,
    response_model=developer.Data[WidgetAccepted],
    openapi_extra=_INTAKE_DOC,
    responses={
        401: {"description": "Missing or invalid project key"},
        403: {"description": "Origin not allowed / project archived / monthly feedback limit reached"},
        413: {"description": "Screenshot too large"},
        415: {"description": "Not JSON or multipart, or the screenshot is not an image"},
        429: {"description": "Too many submissions for this project key"},
    },
    summary="Submit feedback from the widget (public; authenticated by the project key)",
)
async def intake_submit(
    request: Request, session: ReadSession, storage: Annotated[FileStorage, Depends(get_storage)]
):
    state = request.app.state
    settings = state.settings
    origin = (request.headers.get("origin") or "").strip() or None
    project = await find_project(session, key_from_request(request.headers, request.query_params))
    # Give the connection back before reading a possibly slow upload; the write opens its own.
    await session.rollback()
    check_origin(project, origin)
    headers = cors_headers(origin) if origin else {}
    try:
        if project.archived:
            raise Forbidden(feedback.ARCHIVED, code="project_archived")
        decision = await state.limiter.hit(
            f"widget:{project.project_id}", project.plan, settings.widget_rate_limit
        )
        if decision is not None:
            request.state.rate_limit_headers = decision.headers()
        fields, image = await intake.parse(request, settings.upload_max_bytes)
        submission = feedback.Submission(fields=_with_user_agent(fields, request), screenshot=image)
        row = await feedback.submit(
            state.database,
            storage,
            settings,
            org_id=project.org_id,
            project_id=project.project_id,
            submission=submission,
            project_missing=Unauthorized(INVALID_KEY, code="invalid_project_key"),
        )
    except LoopError as exc:
        exc.headers = {**exc.headers, **headers}
        raise
    body = {
        "id": row.id,
        "project_id": row.project_id,
        "status": row.status,
        "type": row.type,
        "title": row.title,
        "screenshot": row.screenshot_key is not None,
        "created_at": row.created_at,
    }
    return json_response({"data": body}, 201, headers=headers)


@cache
def _script() -> bytes:
    return SCRIPT.read_bytes()


@router.get("/widget.js", summary="The embeddable feedback widget script", response_class=Response)
@router.get("/api/v1/widget.js", include_in_schema=False, response_class=Response)
async def widget_script():
    return Response(
        _script(),
        media_type="application/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )
