"""One error shape for every surface: ``{"error": "<message>", "code": "<snake_case>"}`` (+ documented extras).

Domain code raises a ``LoopError`` subclass; ``loop.core.handlers`` renders it. Messages that a product
documents are used verbatim by the code that raises them.
"""

from __future__ import annotations

from typing import Any


class LoopError(Exception):
    status_code = 500
    code = "internal_error"
    default_message = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, **self.extra}


class BadRequest(LoopError):
    status_code = 400
    code = "bad_request"
    default_message = "Bad request"


class ValidationFailed(BadRequest):
    code = "validation_error"
    default_message = "Invalid request"


class Unauthorized(LoopError):
    status_code = 401
    code = "unauthorized"
    default_message = "Unauthorized"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="loop"'})
        super().__init__(message, **kwargs)


class Forbidden(LoopError):
    status_code = 403
    code = "forbidden"
    default_message = "Forbidden"


class NotFound(LoopError):
    status_code = 404
    code = "not_found"
    default_message = "Not found"


class MethodNotAllowed(LoopError):
    status_code = 405
    code = "method_not_allowed"
    default_message = "Method not allowed"


class Conflict(LoopError):
    status_code = 409
    code = "conflict"
    default_message = "Conflict"


class PayloadTooLarge(LoopError):
    status_code = 413
    code = "payload_too_large"
    default_message = "Request body too large"


class UnsupportedMediaType(LoopError):
    status_code = 415
    code = "unsupported_media_type"
    default_message = "Content-Type must be application/json"


class Unprocessable(LoopError):
    status_code = 422
    code = "unprocessable"
    default_message = "Unprocessable request"


class RateLimited(LoopError):
    status_code = 429
    code = "rate_limited"
    default_message = "Rate limit exceeded"


class ServiceUnavailable(LoopError):
    status_code = 503
    code = "unavailable"
    default_message = "Service unavailable"


class UpstreamFailed(LoopError):
    """A provider Loop depends on failed (an LLM endpoint, an SMTP server)."""

    status_code = 500
    code = "upstream_failed"
