"""The helpers every prompt template can call.

Each helper is a plain function ``fn(*args, **hash)``: positional arguments come from the template in order,
``key=value`` arguments arrive as keywords. Helpers are total: a missing or odd argument gives an empty or
false result, never an exception, because a template that renders for one issue must not fail for the next.
They only see the sanitised context (dicts, lists, strings, numbers, booleans, null) and return the same kinds
of values, so no helper is a way into Python objects.

``docs/prompts.md`` documents each one for template authors; ``HELPER_DOCS`` is the same list in code.
"""

from __future__ import annotations

import json as _json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

PRIORITY_LABELS = {1: "urgent", 2: "high", 3: "medium", 4: "low", 0: "none"}


def to_text(value: Any) -> str:
    """How Handlebars prints a value: null is empty, booleans are ``true``/``false``, whole floats lose their
    ``.0``, lists are comma-joined and objects print as ``[object Object]``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "[object Object]"
    if isinstance(value, Sequence):
        return ",".join(to_text(item) for item in value)
    return str(value)


def truthy(value: Any) -> bool:
    """Handlebars' ``{{#if}}`` rule: false, null, 0, "" and [] are false; everything else (even {}) is true."""
    if isinstance(value, bool):
        return value
    if value is None or value == "" or (isinstance(value, (int, float)) and value == 0):
        return False
    return not (isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 0)


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def json(value: Any = None, *_: Any, **__: Any) -> str:
    """Pretty JSON with a 2-space indent; a missing value prints ``null``."""
    return _json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False, default=str)


def priority_label(value: Any = None, *_: Any, **__: Any) -> str:
    """1 urgent, 2 high, 3 medium, 4 low, 0 none; anything else ``unknown``."""
    number = _as_int(value)
    return PRIORITY_LABELS.get(number, "unknown") if number is not None else "unknown"


def _same(a: Any, b: Any) -> bool:
    # Strict equality as in JavaScript's ===: true is not 1, "1" is not 1, but 1 is 1.0.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if _number(a) is not None and _number(b) is not None:
        return a == b
    return type(a) is type(b) and a == b


def eq(a: Any = None, b: Any = None, *_: Any, **__: Any) -> bool:
    """True when both values are equal and of the same kind (``1`` is not ``"1"``, ``true`` is not ``1``)."""
    return _same(a, b)


def ne(a: Any = None, b: Any = None, *_: Any, **__: Any) -> bool:
    """The opposite of ``eq``."""
    return not _same(a, b)


def _compare(a: Any, b: Any, test: Callable[[Any, Any], bool]) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return test(x, y)
    if isinstance(a, str) and isinstance(b, str):
        return test(a, b)
    return False


def gt(a: Any = None, b: Any = None, *_: Any, **__: Any) -> bool:
    """``a > b`` for two numbers or two strings; false for anything else."""
    return _compare(a, b, lambda x, y: x > y)


def gte(a: Any = None, b: Any = None, *_: Any, **__: Any) -> bool:
    """``a >= b`` for two numbers or two strings; false for anything else."""
    return _compare(a, b, lambda x, y: x >= y)


def lt(a: Any = None, b: Any = None, *_: Any, **__: Any) -> bool:
    """``a < b`` for two numbers or two strings; false for anything else."""
    return _compare(a, b, lambda x, y: x < y)


def lte(a: Any = None, b: Any = None, *_: Any, **__: Any) -> bool:
    """``a <= b`` for two numbers or two strings; false for anything else."""
    return _compare(a, b, lambda x, y: x <= y)


def and_(*args: Any, **__: Any) -> bool:
    """True when every argument is truthy (and there is at least one)."""
    return bool(args) and all(truthy(arg) for arg in args)


def or_(*args: Any, **__: Any) -> bool:
    """True when any argument is truthy."""
    return any(truthy(arg) for arg in args)


def not_(value: Any = None, *_: Any, **__: Any) -> bool:
    """True when the value is falsy."""
    return not truthy(value)


def default(value: Any = None, fallback: Any = "", *_: Any, **__: Any) -> Any:
    """The value, or the fallback when the value is missing, null or an empty string."""
    return fallback if value is None or value == "" else value


def join(items: Any = None, separator: Any = ", ", *_: Any, **__: Any) -> str:
    """The items of a list printed and joined by the separator (default ``", "``); a single value prints as
    itself."""
    sep = separator if isinstance(separator, str) else ", "
    if isinstance(items, Sequence) and not isinstance(items, str):
        return sep.join(to_text(item) for item in items)
    return to_text(items)


def truncate(text: Any = None, length: Any = None, *_: Any, suffix: Any = "…", **__: Any) -> str:
    """The text cut to at most ``length`` characters, ending with ``suffix`` (default ``…``) when it was cut.
    Without a usable length the text is returned whole."""
    value = to_text(text)
    limit = _as_int(length)
    if limit is None or limit < 0 or len(value) <= limit:
        return value
    tail = suffix if isinstance(suffix, str) else "…"
    if len(tail) >= limit:
        return value[:limit]
    return value[: limit - len(tail)].rstrip() + tail


def length(value: Any = None, *_: Any, **__: Any) -> int:
    """The number of items in a list or object, or of characters in a string; 0 for anything else."""
    if isinstance(value, (str, Mapping, Sequence)):
        return len(value)
    return 0


def upper(value: Any = None, *_: Any, **__: Any) -> str:
    """The text in upper case."""
    return to_text(value).upper()


def lower(value: Any = None, *_: Any, **__: Any) -> str:
    """The text in lower case."""
    return to_text(value).lower()


def log(*_: Any, **__: Any) -> str:
    """Accepted for compatibility with Handlebars templates; prints nothing anywhere."""
    return ""


BUILTIN_HELPERS: dict[str, Callable[..., Any]] = {
    "json": json,
    "priority_label": priority_label,
    "eq": eq,
    "ne": ne,
    "gt": gt,
    "gte": gte,
    "lt": lt,
    "lte": lte,
    "and": and_,
    "or": or_,
    "not": not_,
    "default": default,
    "join": join,
    "truncate": truncate,
    "length": length,
    "upper": upper,
    "lower": lower,
    "log": log,
}

HELPER_DOCS: dict[str, str] = {name: (fn.__doc__ or "").strip() for name, fn in BUILTIN_HELPERS.items()}
