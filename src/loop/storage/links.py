"""Signed, expiring links to stored files.

Expiry times are rounded up to a bucket (a tenth of the lifetime) so that the same file keeps the same URL
for a while and browsers can cache it; a link is valid for between 90% and 100% of ``ttl`` plus a bucket.
"""

from __future__ import annotations

import math
import time
from urllib.parse import quote

from loop.core.security import sign, verify_signature

FILES_PATH = "/api/v1/files"


def _message(key: str) -> str:
    return f"file:{key}"


class FileLinks:
    def __init__(self, secret: str, base_url: str, ttl_s: int) -> None:
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl_s = max(60, ttl_s)

    def url(self, key: str | None, *, now: float | None = None) -> str | None:
        if not key:
            return None
        bucket = max(1, self.ttl_s // 10)
        expires = math.ceil(((now if now is not None else time.time()) + self.ttl_s) / bucket) * bucket
        signature = sign(self.secret, _message(key), expires)
        return f"{self.base_url}{FILES_PATH}/{quote(key)}?expires={expires}&signature={signature}"

    def verify(self, key: str, expires: int, signature: str) -> str:
        """'ok', 'expired' or 'invalid'."""
        return verify_signature(self.secret, _message(key), expires, signature)
