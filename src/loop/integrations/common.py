"""What every provider package offers: a verifier over the raw request bytes, and a mapping from a
verified delivery to either a signal or a reason to ignore it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loop.core.errors import Unauthorized

Headers = Mapping[str, str]


@dataclass(frozen=True)
class Actionable:
    """A delivery that becomes a signal."""

    event: str
    type: str
    severity: str
    title: str
    fingerprint: str | None
    source_id: str | None = None
    labels: tuple[str, ...] = ()
    # Provider-side project keys, most specific first, looked up in the organisation's mappings.
    project_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ignored:
    """A delivery acknowledged without creating work."""

    event: str
    reason: str


Outcome = Actionable | Ignored


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    signature_header: str
    verify: Callable[[str, Headers, bytes, float], None]
    interpret: Callable[[Headers, dict[str, Any]], Outcome]
    delivery_id: Callable[[Headers, dict[str, Any], bytes], str | None]
    setup: dict[str, str] = field(default_factory=dict)


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two header values."""
    return hmac.compare_digest(expected.encode(), given.strip().encode())


def refuse(message: str, code: str) -> Unauthorized:
    # No WWW-Authenticate: a bearer token is never what these endpoints want.
    return Unauthorized(message, code=code, headers={})


def dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]…``, or None as soon as a step is not an object or the key is missing."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def obj(container: Any, key: str) -> dict[str, Any]:
    """The object under ``key`` ({} when absent); a value of another kind is a malformed payload."""
    value = container.get(key) if isinstance(container, dict) else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"'{key}' must be an object")
    return value


def text(value: Any, default: str = "") -> str:
    """A string field as text (numbers too); anything else gives ``default``."""
    if isinstance(value, str):
        return value.strip() or default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return default


def raise_severity(severity: str) -> str:
    order = ("low", "medium", "high", "critical")
    return order[min(order.index(severity) + 1, len(order) - 1)]


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()
