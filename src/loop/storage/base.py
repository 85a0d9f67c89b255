"""The storage interface every backend implements. Keys are relative paths made of safe segments
(``<org_id>/feedback/<feedback_id>/screenshot.png``); callers never see where or how bytes are kept."""

from __future__ import annotations

import re
from typing import Protocol

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class InvalidKey(ValueError):
    pass


def check_key(key: str) -> str:
    """A key is 1–8 segments of letters, digits, dots, dashes and underscores (no ``..``, no leading dot)."""
    parts = key.split("/")
    if not 1 <= len(parts) <= 8 or not all(_SEGMENT.match(p) and ".." not in p for p in parts):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


class FileStorage(Protocol):
    async def save(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there (readers never see a partial file)."""

    async def read(self, key: str) -> bytes | None:
        """The bytes under ``key``, or None when there is no such file."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing file is not an error."""
