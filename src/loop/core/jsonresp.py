"""A JSON response encoded with orjson.

Endpoints build plain dicts (see each module's ``schemas.py``) and return them through ``json_response``;
their ``response_model`` still documents the shape in OpenAPI, and the contract tests check both agree.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from loop.core.clock import iso


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(content: Any) -> bytes:
    # OPT_PASSTHROUGH_DATETIME sends datetimes to _default, so every timestamp gets the same Z/ms form.
    return orjson.dumps(content, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(content: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONBody:
    return JSONBody(content, status_code=status_code, headers=headers)
