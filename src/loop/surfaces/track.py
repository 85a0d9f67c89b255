"""Track & invoices surface (seed 004, Looped): camelCase; mutations answer
``{success, data: "<message>", <entity>: {...}}``; lists are bare arrays (time, sections, tags, todos) or
``{data, pagination: {page, pageSize, total, totalPages}}`` (projects, invoices) with ``page``/``pageSize``
(default 10, max 100; ``limit`` is accepted for ``pageSize``). No plan or role rule beyond scopes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from loop.auth.deps import Requires
from loop.auth.policy import TRACK
from loop.core.errors import BadRequest
from loop.core.jsonresp import JSONBody, json_response

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
T = TypeVar("T")


class TrackModel(BaseModel):
    """Request and response models of the surface: camelCase on the wire, unknown keys ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Pagination(TrackModel):
    page: int
    page_size: int
    total: int
    total_pages: int


class Paged(TrackModel, Generic[T]):
    data: list[T]
    pagination: Pagination


class Message(TrackModel):
    success: bool = True
    data: str


class PageParams(BaseModel):
    page: int
    page_size: int

    @property
    def limit(self) -> int:
        return self.page_size

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def pagination(
    page: Annotated[int, Query(ge=1, description="1-based page number")] = 1,
    page_size: Annotated[
        int | None, Query(alias="pageSize", ge=1, description="Items per page (default 10, max 100)")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, description="Same as pageSize")] = None,
) -> PageParams:
    size = page_size or limit or DEFAULT_PAGE_SIZE
    return PageParams(page=page, page_size=min(size, MAX_PAGE_SIZE))


Pages = Annotated[PageParams, Depends(pagination)]


def requires(*scopes: str) -> Any:
    return Depends(Requires(*scopes, policy=TRACK))


# -- envelopes ---------------------------------------------------------------------------------------------
def mutation(message: str, status_code: int = 200, **entities: Any) -> JSONBody:
    """``{success: true, data: "<message>", <entity>: {...}}``."""
    return json_response({"success": True, "data": message, **entities}, status_code)


def entity(item: Any, status_code: int = 200) -> JSONBody:
    return json_response(item, status_code)


def items(rows: list[Any]) -> JSONBody:
    return json_response(rows)


def paged(rows: list[Any], total: int, params: PageParams) -> JSONBody:
    pages = (total + params.page_size - 1) // params.page_size if total else 0
    return json_response(
        {
            "data": rows,
            "pagination": {
                "page": params.page,
                "pageSize": params.page_size,
                "total": total,
                "totalPages": pages,
            },
        }
    )


# -- parsing helpers shared by the surface -------------------------------------------------------------
def parse_day(value: str | date | datetime | None, field: str, *, required: bool = False) -> date | None:
    """A calendar day from ``YYYY-MM-DD`` or a full ISO 8601 timestamp (its time of day is dropped)."""
    if value is None or value == "":
        if required:
            raise BadRequest(f"{field} is required (YYYY-MM-DD)", code="validation_error", field=field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        raise BadRequest(
            f"Invalid '{field}': expected an ISO 8601 date (YYYY-MM-DD)", code="validation_error", field=field
        ) from None
