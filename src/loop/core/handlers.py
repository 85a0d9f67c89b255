"""Exception handlers: every failure, on every surface, leaves as ``{"error", "code"}`` with a 4xx for bad
input. Nothing a client sends produces a 500; an unexpected error is logged with its request id."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from loop.core.errors import LoopError
from loop.core.jsonresp import json_response

log = structlog.get_logger("loop.errors")

_JSON_TYPES = ("application/json",)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) if parts else (str(loc[0]) if loc else "request")


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in _JSON_TYPES or content_type.endswith("+json")


async def handle_loop_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, LoopError)
    return json_response(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def handle_validation_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for error in errors:
        if error.get("type") == "json_invalid":
            return json_response({"error": "Malformed JSON in request body", "code": "invalid_json"}, 400)
    body_errors = [e for e in errors if e.get("loc", ())[:1] == ("body",)]
    content_type = request.headers.get("content-type")
    if body_errors and content_type and not _is_json(request) and "multipart" not in content_type:
        return json_response(
            {"error": "Content-Type must be application/json", "code": "unsupported_media_type"}, 415
        )
    details = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if loc == ("body",) and error.get("type") == "missing":
            details.append(
                {"field": "body", "location": "body", "message": "A JSON request body is required"}
            )
            continue
        details.append(
            {
                "field": _field_name(loc),
                "location": str(loc[0]) if loc else "request",
                "message": error.get("msg", "Invalid value"),
            }
        )
    first = details[0] if details else {"field": "request", "message": "Invalid request"}
    if first["field"] == "body":
        message = first["message"]
    else:
        message = f"Invalid '{first['field']}': {first['message']}"
    return json_response({"error": message, "code": "validation_error", "details": details}, 400)


async def handle_http_exception(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404:
        body = {"error": "Not found", "code": "not_found"}
    elif status == 405:
        body = {
            "error": f"Method {request.method} not allowed on {request.url.path}",
            "code": "method_not_allowed",
        }
    else:
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed"
        body = {"error": detail, "code": "http_error"}
    return json_response(body, status_code=status, headers=getattr(exc, "headers", None))


async def handle_store_busy(request: Request, exc: Exception) -> Any:
    """The store is saturated (no pool connection in time, or SQLite's write lock held past the busy
    timeout): a temporary condition the client can retry, not a server fault."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc).lower():
        return await handle_unexpected(request, exc)
    log.warning("store_busy", path=request.url.path, error=type(exc).__name__)
    return json_response(
        {"error": "The server is busy; retry shortly", "code": "busy"}, 503, headers={"Retry-After": "1"}
    )


async def handle_unexpected(request: Request, exc: Exception) -> Any:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return json_response({"error": "Internal server error", "code": "internal_error"}, 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoopError, handle_loop_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(PoolTimeout, handle_store_busy)
    app.add_exception_handler(OperationalError, handle_store_busy)
    app.add_exception_handler(Exception, handle_unexpected)
