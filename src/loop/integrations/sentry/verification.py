"""``Sentry-Hook-Signature: <hex HMAC-SHA256 of the raw body with the integration's client secret>``, and
``Sentry-Hook-Timestamp`` (Unix seconds) within ``TOLERANCE_S`` of the server's clock.

The signature is computed over the bytes received, never over re-serialised JSON (number formatting,
escapes and key order would differ). The signature is checked first, so a forged request is reported as
such even when it is also stale."""

from __future__ import annotations

import math

from loop.integrations.common import Headers, hmac_sha256_hex, refuse, same

TOLERANCE_S = 300


def verify(secret: str, headers: Headers, body: bytes, now: float) -> None:
    given = headers.get("sentry-hook-signature")
    if not given:
        raise refuse("Missing Sentry-Hook-Signature header", "signature_missing")
    if not same(hmac_sha256_hex(secret, body), given):
        raise refuse("Invalid webhook signature", "signature_invalid")
    raw = headers.get("sentry-hook-timestamp")
    if not raw:
        raise refuse("Missing Sentry-Hook-Timestamp header", "timestamp_missing")
    try:
        stamp = float(raw.strip())
    except ValueError:
        stamp = math.nan
    if not math.isfinite(stamp):
        raise refuse("Invalid Sentry-Hook-Timestamp header", "timestamp_invalid")
    if abs(now - stamp) > TOLERANCE_S:
        raise refuse(
            f"Sentry-Hook-Timestamp is more than {TOLERANCE_S} seconds away from the server's clock "
            "(a replayed or delayed delivery)",
            "timestamp_out_of_tolerance",
        )
