"""PostHog destinations do not sign requests: the destination sends a shared secret in a custom header,
``X-PostHog-Secret``, compared in constant time. Replays are caught by the event's uuid."""

from __future__ import annotations

from loop.integrations.common import Headers, refuse, same


def verify(secret: str, headers: Headers, body: bytes, now: float) -> None:
    given = headers.get("x-posthog-secret")
    if not given:
        raise refuse("Missing X-PostHog-Secret header", "signature_missing")
    if not same(secret, given):
        raise refuse("Invalid webhook secret", "signature_invalid")
