"""What a template may see: plain data only, with credentials removed."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence, Set
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from loop.core.clock import iso
from loop.prompts.helpers import to_text

MAX_CONTEXT_DEPTH = 32
REDACTED = "[redacted]"
# Every Loop token format: a known prefix and 64 lowercase hex characters.
TOKEN_PATTERN = re.compile(
    r"(?<![0-9A-Za-z_])(?:tok_|loop_|looped_live_|looped_test_)[0-9a-f]{64}(?![0-9A-Za-z])"
)


class SanitizedContext(dict):  # type: ignore[type-arg]
    """A context that went through ``sanitize_context``; rendering does not copy it again."""


def redact(text: str) -> str:
    return TOKEN_PATTERN.sub(REDACTED, text) if TOKEN_PATTERN.search(text) else text


def sanitize_value(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` made only of dict/list/str/int/float/bool/None. Dates become ISO-8601 strings
    (UTC, milliseconds, ``Z``), enums their value, UUIDs and Decimals strings/numbers, NaN and infinities
    null. Values nested deeper than ``MAX_CONTEXT_DEPTH`` become null. Any other type is a programming error
    (TypeError): an object must never reach a template."""
    if value is None or type(value) is bool or type(value) is int:
        return value
    if type(value) is str:
        return redact(value)
    if isinstance(value, Enum):
        return sanitize_value(value.value, _depth)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return redact(str(value))
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, (date, time_of_day)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if _depth >= MAX_CONTEXT_DEPTH:
        return None
    if isinstance(value, Mapping):
        return {_key(key): sanitize_value(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)) or (
        isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray, memoryview))
    ):
        return [sanitize_value(item, _depth + 1) for item in value]
    if isinstance(value, Set):
        return [sanitize_value(item, _depth + 1) for item in sorted(value, key=repr)]
    raise TypeError(f"a prompt context cannot hold a {type(value).__name__}")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, (bool, int, float)):
        return to_text(key)
    raise TypeError(f"a prompt context key cannot be a {type(key).__name__}")


def sanitize_context(context: Mapping[str, Any]) -> SanitizedContext:
    if isinstance(context, SanitizedContext):
        return context
    if not isinstance(context, Mapping):
        raise TypeError("a prompt context must be a mapping")
    return SanitizedContext(sanitize_value(context))
