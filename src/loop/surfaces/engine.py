"""Engine surface (seed 001): camelCase, ``{data}`` / ``{data, total}``, limit 1–200 (default 50) + offset,
``page`` accepted too."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from loop.auth.deps import Requires
from loop.auth.policy import ENGINE
from loop.core.jsonresp import JSONBody, json_response
from loop.core.pagination import PageParams

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")


class EngineModel(BaseModel):
    """Request and response models of the engine: camelCase on the wire, unknown keys ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Data(BaseModel, Generic[T]):
    data: T


class Page(BaseModel, Generic[T]):
    data: list[T]
    total: int


def pagination(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1–200)")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
    page: Annotated[
        int | None, Query(ge=1, description="1-based page; sets offset to (page-1)×limit")
    ] = None,
) -> PageParams:
    if page is not None:
        offset = (page - 1) * limit
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(pagination)]


def requires(*scopes: str) -> Any:
    return Depends(Requires(*scopes, policy=ENGINE))


def one(item: Any, status_code: int = 200) -> JSONBody:
    return json_response({"data": item}, status_code)


def page(items: list[Any], total: int) -> JSONBody:
    return json_response({"data": items, "total": total})
