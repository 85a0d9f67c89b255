"""Screenshot uploads: read with a size cap, identify by their content (never by the declared type), and
accept only raster images a browser displays safely (no SVG: it can carry script)."""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass

import anyio.to_thread

from loop.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

# Pillow format name -> (file extension, media type)
IMAGE_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}
MAX_PIXELS = 50_000_000  # a 7000×7000 screenshot is already far beyond any real screen
WRONG_TYPE = "Screenshot must be a PNG, JPEG, GIF or WebP image"
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?:;[\w=.+-]+)*;base64,(?P<data>.*)$", re.S)


@dataclass(frozen=True)
class Image:
    data: bytes
    extension: str
    media_type: str
    width: int
    height: int


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.3g} KB"


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Screenshot is too large (max {human_size(limit)})", code="upload_too_large", limit=limit
    )


def check_declared_type(declared: str | None) -> None:
    """A part that says it is not an image is refused before its bytes are even looked at."""
    if not declared:
        return
    declared = declared.split(";")[0].strip().lower()
    if declared and not declared.startswith("image/") and declared != "application/octet-stream":
        raise UnsupportedMediaType(WRONG_TYPE, code="unsupported_upload_type")
    if declared == "image/svg+xml":
        raise UnsupportedMediaType(WRONG_TYPE, code="unsupported_upload_type")


def _identify(data: bytes) -> Image:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in IMAGE_FORMATS:
                raise UnsupportedMediaType(WRONG_TYPE, code="unsupported_upload_type")
            if width * height > MAX_PIXELS:
                raise BadRequest("Screenshot dimensions are too large", code="invalid_upload")
            img.verify()  # structure and checksums, without decoding every pixel
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaType(WRONG_TYPE, code="unsupported_upload_type") from exc
    except (UnsupportedMediaType, BadRequest):
        raise
    except Exception as exc:  # truncated or corrupt files raise a zoo of errors
        raise BadRequest(
            "Screenshot is not a valid image (the file is corrupt or truncated)", code="invalid_upload"
        ) from exc
    extension, media_type = IMAGE_FORMATS[fmt]
    return Image(data=data, extension=extension, media_type=media_type, width=width, height=height)


async def identify_image(data: bytes, *, limit: int, declared: str | None = None) -> Image:
    if len(data) > limit:
        raise too_large(limit)
    if not data:
        raise BadRequest("Screenshot is empty", code="invalid_upload")
    check_declared_type(declared)
    return await anyio.to_thread.run_sync(_identify, data)


def decode_data_url(value: str, *, limit: int) -> tuple[bytes, str | None]:
    """``data:image/png;base64,…`` (or bare base64) → bytes and the declared type."""
    value = value.strip()
    declared = None
    match = _DATA_URL.match(value)
    if match:
        declared, value = match["type"], match["data"]
    if len(value) > (limit * 4) // 3 + 8:
        raise too_large(limit)
    try:
        return base64.b64decode(value, validate=True), declared
    except (binascii.Error, ValueError) as exc:
        raise BadRequest(
            "screenshot must be a base64 data URL (data:image/png;base64,…)", code="invalid_upload"
        ) from exc
