"""Token generation, keyed hashing and URL signing (stdlib only: tokens are 256-bit random values, so a
keyed SHA-256 is the right tool; a slow password hash would add nothing but latency)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

# format name -> literal prefix. The random part is always 64 lowercase hex characters (256 bits).
TOKEN_FORMATS: dict[str, str] = {
    "tok": "tok_",
    "loop": "loop_",
    "looped_live": "looped_live_",
    "looped_test": "looped_test_",
}
DEFAULT_TOKEN_FORMAT = "tok"
_RANDOM_HEX = 64
DISPLAY_CHARS = 8  # characters of the random part shown in listings


def generate_token(fmt: str = DEFAULT_TOKEN_FORMAT) -> str:
    return TOKEN_FORMATS[fmt] + secrets.token_hex(_RANDOM_HEX // 2)


def token_format(token: str) -> str | None:
    """The format of a well-formed token, or None. Longest prefix first (looped_live_ before loop_)."""
    for fmt, prefix in sorted(TOKEN_FORMATS.items(), key=lambda item: -len(item[1])):
        if token.startswith(prefix):
            rest = token[len(prefix) :]
            if len(rest) == _RANDOM_HEX and all(c in "0123456789abcdef" for c in rest):
                return fmt
            return None
    return None


def display_prefix(token: str) -> str:
    fmt = token_format(token)
    prefix = TOKEN_FORMATS[fmt] if fmt else ""
    return token[: len(prefix) + DISPLAY_CHARS]


def hash_token(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


# -- signed, expiring values (download links) --------------------------------------------------------
def sign(secret: str, message: str, expires_at: int) -> str:
    mac = hmac.new(secret.encode(), f"{message}\n{expires_at}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def verify_signature(
    secret: str, message: str, expires_at: int, signature: str, *, now: float | None = None
) -> str:
    """'ok', 'expired' or 'invalid'. The signature is checked before the expiry so that a tampered link is
    reported as invalid even when it is also old."""
    expected = sign(secret, message, expires_at)
    if not constant_time_equal(expected, signature):
        return "invalid"
    if (now if now is not None else time.time()) > expires_at:
        return "expired"
    return "ok"
