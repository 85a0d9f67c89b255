"""Errors raised by the SDK. Every HTTP error carries the server's ``{"error", "code"}`` body."""

from __future__ import annotations

from typing import Any


class LoopClientError(Exception):
    """Base class of everything the SDK raises."""


class LoopConnectionError(LoopClientError):
    """The server could not be reached (after any retries)."""


class LoopAPIError(LoopClientError):
    """The server answered with an error status.

    ``status`` is the HTTP status, ``error`` the human-readable message, ``code`` the machine code
    (``not_found``, ``insufficient_scope`` …; ``None`` when the body had none) and ``body`` the whole decoded
    body (a dict, or the raw text when it was not JSON).
    """

    def __init__(
        self, status: int, error: str, code: str | None = None, body: Any = None, headers: Any = None
    ) -> None:
        self.status = status
        self.error = error
        self.code = code
        self.body = body
        self.headers = dict(headers or {})
        super().__init__(f"{status} {error}" + (f" ({code})" if code else ""))


class ValidationError(LoopAPIError):
    """400 or 422: the request was invalid; ``body.get("details")`` lists the problems when the server sent them."""


class Unauthorized(LoopAPIError):
    """401: missing, unknown, expired or revoked token."""


class Forbidden(LoopAPIError):
    """403: plan, role or scope (``body["missing"]`` names missing scopes)."""


class NotFound(LoopAPIError):
    """404: missing, or belonging to another organisation."""


class Conflict(LoopAPIError):
    """409: duplicate, or a state that forbids the change."""


class RateLimited(LoopAPIError):
    """429: ``retry_after`` is the number of seconds the server asked to wait (or ``None``)."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after") or self.headers.get("Retry-After"))


class ServerError(LoopAPIError):
    """5xx."""


_BY_STATUS: dict[int, type[LoopAPIError]] = {
    400: ValidationError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: ValidationError,
    429: RateLimited,
}


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            from datetime import UTC, datetime

            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def error_for(status: int, body: Any, headers: Any = None) -> LoopAPIError:
    message, code = f"HTTP {status}", None
    if isinstance(body, dict):
        raw = body.get("error")
        if isinstance(raw, str):
            message = raw
        elif raw is not None:
            message = str(raw)
        elif isinstance(body.get("detail"), str):
            message = body["detail"]
        code = body.get("code") if isinstance(body.get("code"), str) else None
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else LoopAPIError)
    return cls(status, message, code, body, headers)
