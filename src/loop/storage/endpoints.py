"""``GET /api/v1/files/{key}``: a stored file through a signed, expiring link (no token needed: the
signature is the credential, so the link works in an ``<img>`` tag)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from loop.core.errors import Forbidden, NotFound
from loop.storage.base import FileStorage, InvalidKey, check_key
from loop.storage.deps import get_file_links, get_storage
from loop.storage.links import FILES_PATH, FileLinks

router = APIRouter(prefix=FILES_PATH, tags=["Files"])

MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "webm": "video/webm",
    "mp4": "video/mp4",
}


@router.get(
    "/{key:path}",
    summary="Download a stored file through a signed link",
    responses={200: {"content": {"image/png": {}}}, 403: {}, 404: {}},
)
async def download(
    key: str,
    expires: Annotated[int, Query(description="Expiry (epoch seconds), as written in the link")],
    signature: Annotated[str, Query(max_length=100, description="Signature, as written in the link")],
    storage: Annotated[FileStorage, Depends(get_storage)],
    links: Annotated[FileLinks, Depends(get_file_links)],
):
    verdict = links.verify(key, expires, signature)
    if verdict == "expired":
        raise Forbidden("This link has expired", code="link_expired")
    if verdict != "ok":
        raise Forbidden("Invalid link signature", code="invalid_signature")
    try:
        check_key(key)
    except InvalidKey as exc:
        raise NotFound("File not found") from exc
    data = await storage.read(key)
    if data is None:
        raise NotFound("File not found")
    extension = key.rsplit(".", 1)[-1].lower()
    return Response(
        data,
        media_type=MEDIA_TYPES.get(extension, "application/octet-stream"),
        headers={
            "Cache-Control": "private, max-age=300",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
            "Content-Security-Policy": "default-src 'none'",
        },
    )
