"""Developer API surface (seeds 000, 002): snake_case, ``{data}`` / ``{data, meta: {total, limit, offset}}``,
limit default 50, max 100 (a larger limit is clamped and ``meta.limit`` says so), Pro/Business plan and the
Owner or Developer role."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict

from loop.auth.deps import Requires
from loop.auth.policy import DEVELOPER
from loop.core.jsonresp import JSONBody, json_response
from loop.core.pagination import PageParams

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
T = TypeVar("T")


class DeveloperModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Meta(BaseModel):
    total: int
    limit: int
    offset: int


class Data(BaseModel, Generic[T]):
    data: T


class Page(BaseModel, Generic[T]):
    data: list[T]
    meta: Meta


def pagination(
    limit: Annotated[int, Query(ge=1, description="Items per page (default 50, max 100)")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=min(limit, MAX_LIMIT), offset=offset)


Pagination = Annotated[PageParams, Depends(pagination)]


def requires(*scopes: str) -> Any:
    return Depends(Requires(*scopes, policy=DEVELOPER))


def one(item: Any, status_code: int = 200) -> JSONBody:
    return json_response({"data": item}, status_code)


def page(items: list[Any], total: int, params: PageParams) -> JSONBody:
    return json_response(
        {"data": items, "meta": {"total": total, "limit": params.limit, "offset": params.offset}}
    )
