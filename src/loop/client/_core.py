"""Transport shared by the sync and async clients: request building, retries, error mapping, pagination."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2

from loop import __version__
from loop.client.errors import LoopConnectionError, error_for, parse_retry_after

RETRY_STATUSES = frozenset({429, 502, 503, 504})
SAFE_METHODS = frozenset({"GET", "HEAD"})
DEFAULT_URL = "http://127.0.0.1:5667"
Unwrap = Callable[[Any], Any] | str | None


@dataclass(frozen=True, slots=True)
class Paging:
    """How a list endpoint pages: ``offset`` (``limit``/``offset``, total in ``total`` or ``meta.total``) or
    ``page`` (``page``/``pageSize``, ``pagination.totalPages``); ``key`` is where the items are."""

    style: str = "offset"
    key: str = "data"
    page_size: int = 50


ENGINE = Paging("offset", "data", 200)
DEVELOPER = Paging("offset", "data", 100)
DRAFTS = Paging("offset", "drafts", 100)
TRACK = Paging("page", "data", 100)


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        out[key] = value
    return out


def _decode(response: httpx2.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    ctype = response.headers.get("content-type", "")
    if "json" in ctype:
        try:
            return response.json()
        except ValueError:
            return response.text
    if ctype.startswith("text/"):
        return response.text
    return response.content


def _apply(unwrap: Unwrap, body: Any) -> Any:
    if unwrap is None or body is None:
        return body
    if callable(unwrap):
        return unwrap(body)
    return body.get(unwrap) if isinstance(body, dict) else body


class _Base:
    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> None:
        import os

        self.base_url = (base_url or os.environ.get("LOOP_URL") or DEFAULT_URL).rstrip("/")
        self.token = token if token is not None else os.environ.get("LOOP_TOKEN")
        self.timeout = timeout
        self.max_retries = max(0, max_retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._headers = {"User-Agent": f"loop-python/{__version__}", "Accept": "application/json"}
        if self.token:
            self._headers["Authorization"] = f"Bearer {self.token}"
        self._headers.update(headers or {})

    # retry policy ------------------------------------------------------------------------------------------
    def _retryable(self, method: str, idempotency_key: str | None, retry: bool | None) -> bool:
        if retry is not None:
            return retry
        return method in SAFE_METHODS or (method == "POST" and bool(idempotency_key))

    def _delay(self, attempt: int, response: httpx2.Response | None) -> float:
        if response is not None:
            asked = parse_retry_after(response.headers.get("retry-after"))
            if asked is not None:
                return min(asked, self.max_backoff)
        base = min(self.backoff * (2**attempt), self.max_backoff)
        return base / 2 + random.uniform(0, base / 2)

    def _build(self, method: str, idempotency_key: str | None, headers: dict[str, str] | None) -> dict:
        extra = dict(headers or {})
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        return extra

    def _finish(self, response: httpx2.Response, unwrap: Unwrap, raw: bool) -> Any:
        if response.status_code >= 400:
            raise error_for(response.status_code, _decode(response), response.headers)
        if raw:
            return response
        return _apply(unwrap, _decode(response))

    @staticmethod
    def _page_state(paging: Paging, params: dict[str, Any], limit: int | None) -> dict[str, Any]:
        size = limit or paging.page_size
        params = dict(params)
        if paging.style == "page":
            params.setdefault("page", 1)
            params["pageSize"] = size
        else:
            params.setdefault("offset", 0)
            params["limit"] = size
        return params

    @staticmethod
    def _advance(paging: Paging, params: dict[str, Any], body: Any) -> tuple[list, dict[str, Any] | None]:
        if isinstance(body, list):
            return body, None
        items = list(body.get(paging.key) or []) if isinstance(body, dict) else []
        if not items:
            return items, None
        if paging.style == "page":
            pages = (body.get("pagination") or {}).get("totalPages") or 0
            if params["page"] >= pages:
                return items, None
            return items, {**params, "page": params["page"] + 1}
        total = body.get("total")
        if total is None:
            total = (body.get("meta") or {}).get("total")
        offset = params["offset"] + len(items)
        if total is not None and offset >= total:
            return items, None
        if total is None and len(items) < params["limit"]:
            return items, None
        return items, {**params, "offset": offset}


class SyncTransport(_Base):
    """The blocking transport behind :class:`loop.client.LoopClient`."""

    def __init__(self, *args: Any, transport: httpx2.BaseTransport | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = httpx2.Client(
            base_url=self.base_url, headers=self._headers, timeout=self.timeout, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        unwrap: Unwrap = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        retry: bool | None = None,
        raw: bool = False,
        timeout: float | None = None,
    ) -> Any:
        method = method.upper()
        retryable = self._retryable(method, idempotency_key, retry)
        extra = self._build(method, idempotency_key, headers)
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    method, path, params=_clean(params), json=json, headers=extra,
                    timeout=timeout if timeout is not None else self.timeout,
                )  # fmt: skip
            except httpx2.TransportError as exc:
                if retryable and attempt < self.max_retries:
                    time.sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise LoopConnectionError(f"cannot reach {self.base_url}: {exc}") from exc
            if response.status_code in RETRY_STATUSES and retryable and attempt < self.max_retries:
                time.sleep(self._delay(attempt, response))
                attempt += 1
                continue
            return self._finish(response, unwrap, raw)

    def paginate(
        self, path: str, params: dict[str, Any] | None, paging: Paging, limit: int | None = None
    ) -> Iterator[Any]:
        state: dict[str, Any] | None = self._page_state(paging, params or {}, limit)
        while state is not None:
            body = self.request("GET", path, params=state)
            items, state = self._advance(paging, state, body)
            yield from items


class AsyncTransport(_Base):
    """The asyncio transport behind :class:`loop.client.AsyncLoopClient`."""

    def __init__(self, *args: Any, transport: httpx2.AsyncBaseTransport | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = httpx2.AsyncClient(
            base_url=self.base_url, headers=self._headers, timeout=self.timeout, transport=transport
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        unwrap: Unwrap = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        retry: bool | None = None,
        raw: bool = False,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Any:
        method = method.upper()
        retryable = self._retryable(method, idempotency_key, retry)
        extra = self._build(method, idempotency_key, headers)
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method, path, params=_clean(params), json=json, headers=extra,
                    timeout=timeout if timeout is not None else self.timeout,
                )  # fmt: skip
            except httpx2.TransportError as exc:
                if retryable and attempt < self.max_retries:
                    await asyncio.sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise LoopConnectionError(f"cannot reach {self.base_url}: {exc}") from exc
            if response.status_code in RETRY_STATUSES and retryable and attempt < self.max_retries:
                await asyncio.sleep(self._delay(attempt, response))
                attempt += 1
                continue
            return self._finish(response, unwrap, raw)

    async def paginate(
        self, path: str, params: dict[str, Any] | None, paging: Paging, limit: int | None = None
    ) -> AsyncIterator[Any]:
        state: dict[str, Any] | None = self._page_state(paging, params or {}, limit)
        while state is not None:
            body = await self.request("GET", path, params=state)
            items, state = self._advance(paging, state, body)
            for item in items:
                yield item
