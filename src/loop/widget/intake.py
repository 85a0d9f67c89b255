"""Reading a widget submission: JSON or multipart, with the body capped before it is parsed."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.datastructures import UploadFile

from loop.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from loop.feedback.schemas import FeedbackFields
from loop.feedback.uploads import Image, decode_data_url, human_size, identify_image, too_large
from loop.projects.developer_support import validate

FIELD_OVERHEAD = 256 * 1024  # room for the text fields beside the screenshot
TEXT_FIELDS = ("title", "description", "type", "page_url", "reporter_name", "reporter_email")
JSON_FIELDS = ("browser_info", "annotations")
WRONG_CONTENT_TYPE = (
    "Content-Type must be application/json, multipart/form-data or application/x-www-form-urlencoded"
)


async def read_capped(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise PayloadTooLarge(
            f"Request body too large (max {human_size(cap)})", code="upload_too_large", limit=cap
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise PayloadTooLarge(
                f"Request body too large (max {human_size(cap)})",
                code="upload_too_large",
                limit=cap,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _json_field(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"Invalid '{name}': not valid JSON", code="validation_error") from exc
    return value


async def parse(request: Request, max_upload: int) -> tuple[FeedbackFields, Image | None]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        body = await read_capped(request, (max_upload * 4) // 3 + FIELD_OVERHEAD)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("Malformed JSON in request body", code="invalid_json") from exc
        if not isinstance(data, dict):
            raise BadRequest("The request body must be a JSON object", code="validation_error")
        image = None
        screenshot = data.get("screenshot")
        if screenshot:
            if not isinstance(screenshot, str):
                raise BadRequest("screenshot must be a base64 data URL", code="invalid_upload")
            raw, declared = decode_data_url(screenshot, limit=max_upload)
            image = await identify_image(raw, limit=max_upload, declared=declared)
        return validate(FeedbackFields, data), image
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _parse_form(request, max_upload)
    raise UnsupportedMediaType(WRONG_CONTENT_TYPE, code="unsupported_media_type")


async def _parse_form(request: Request, max_upload: int) -> tuple[FeedbackFields, Image | None]:
    body = await read_capped(request, max_upload + FIELD_OVERHEAD)
    replayed = False

    async def receive() -> dict[str, Any]:
        nonlocal replayed
        if replayed:
            return {"type": "http.disconnect"}
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    buffered = Request(request.scope, receive)
    try:
        form = await buffered.form(max_files=2, max_fields=32, max_part_size=128 * 1024)
    except Exception as exc:  # python-multipart / Starlette parse errors
        raise BadRequest(
            f"Malformed multipart body: {getattr(exc, 'detail', exc)}", code="invalid_multipart"
        ) from exc
    try:
        data: dict[str, Any] = {}
        image = None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "screenshot":
                    raise BadRequest(
                        f"Unexpected file field '{name}' (only 'screenshot')", code="invalid_upload"
                    )
                content = await value.read(max_upload + 1)
                if len(content) > max_upload:
                    raise too_large(max_upload)
                if content:
                    image = await identify_image(content, limit=max_upload, declared=value.content_type)
            elif name in TEXT_FIELDS:
                data[name] = value
            elif name in JSON_FIELDS:
                data[name] = _json_field(name, value)
            elif name == "screenshot" and value:
                raw, declared = decode_data_url(value, limit=max_upload)
                image = await identify_image(raw, limit=max_upload, declared=declared)
        return validate(FeedbackFields, data), image
    finally:
        await form.close()
