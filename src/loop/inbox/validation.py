"""Checks on what a draft is made of: addresses, attachments, send times. Each failure is a 400 that names
the field."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from email_validator import EmailNotValidError, validate_email

from loop.core.errors import BadRequest

# A send_at this little in the past means "now" (clocks differ, requests take time).
SEND_AT_TOLERANCE = timedelta(seconds=60)
_MIME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")


def single_line(value: str | None, field: str) -> str | None:
    if value is not None and ("\r" in value or "\n" in value):
        raise BadRequest(f"{field} must be a single line", code="validation_error")
    return value


def address(value: Any, where: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        raw, name = value.get("address"), value.get("name")
    else:
        raw, name = getattr(value, "address", None), getattr(value, "name", None)
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequest(f"{where}.address is required", code="invalid_address")
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise BadRequest(f"Invalid email address '{raw}' in {where}: {exc}", code="invalid_address") from exc
    name = single_line(name.strip() if isinstance(name, str) else None, f"{where}.name") or None
    return {"address": checked.normalized, "name": name}


def addresses(values: Sequence[Any] | None, field: str) -> list[dict[str, Any]]:
    return [address(value, f"{field}[{index}]") for index, value in enumerate(values or [])]


def file_name(raw: str, where: str) -> str:
    name = PureWindowsPath(PurePosixPath(raw.strip()).name).name.strip()
    if not name or name in (".", "..") or any(ord(c) < 32 for c in name):
        raise BadRequest(f"{where}.filename is not a usable file name", code="invalid_attachment")
    return name[:255]


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"


def too_large(limit: int) -> BadRequest:
    return BadRequest(
        f"Attachments are larger than the {size_text(limit)} limit (all attachments of a draft together)",
        code="attachments_too_large",
    )


def attachments(values: Sequence[Any], limit: int) -> list[tuple[str, str, bytes]]:
    decoded: list[tuple[str, str, bytes]] = []
    total = 0
    for index, value in enumerate(values):
        item = value if isinstance(value, Mapping) else value.model_dump()
        where = f"attachments[{index}]"
        filename = file_name(str(item.get("filename") or ""), where)
        data = item.get("data")
        if data is None:
            encoded = re.sub(r"\s+", "", str(item.get("base64_data") or ""))
            if len(encoded) * 3 // 4 > limit + 3:  # refuse before decoding a huge value
                raise too_large(limit)
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise BadRequest(
                    f"{where}.base64_data is not valid base64", code="invalid_attachment"
                ) from exc
        content_type = (
            item.get("content_type") or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        if not _MIME.match(content_type):
            raise BadRequest(
                f"{where}.content_type '{content_type}' is not a MIME type such as application/pdf",
                code="invalid_attachment",
            )
        total += len(data)
        if total > limit:
            raise too_large(limit)
        decoded.append((filename, content_type.lower(), bytes(data)))
    return decoded


def send_at(value: Any, now: datetime) -> datetime:
    try:
        when = datetime.fromtimestamp(int(value), UTC)
    except (OverflowError, ValueError, OSError, TypeError) as exc:
        raise BadRequest("send_at is not a valid epoch time in seconds", code="invalid_send_at") from exc
    if when < now - SEND_AT_TOLERANCE:
        raise BadRequest("send_at is in the past", code="invalid_send_at")
    return when
