"""``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the webhook secret>``.

GitHub signs nothing but the body; replays are caught by the delivery id (``X-GitHub-Delivery``), which a
redelivery keeps."""

from __future__ import annotations

from loop.integrations.common import Headers, hmac_sha256_hex, refuse, same

HEADER = "x-hub-signature-256"


def verify(secret: str, headers: Headers, body: bytes, now: float) -> None:
    given = headers.get(HEADER)
    if not given:
        raise refuse("Missing X-Hub-Signature-256 header", "signature_missing")
    if not same("sha256=" + hmac_sha256_hex(secret, body), given):
        raise refuse("Invalid webhook signature", "signature_invalid")
