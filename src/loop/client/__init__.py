"""The Loop Python SDK: ``LoopClient`` (blocking) and ``AsyncLoopClient`` (asyncio), over httpx2.

    from loop.client import LoopClient
    with LoopClient("http://127.0.0.1:5667", token="tok_…") as loop:
        issue = loop.issues.create(title="Login fails", type="task", status="todo")
        for item in loop.issues.iter(status="todo"):
            print(item["number"], item["title"])

See ``docs/sdk.md``.
"""

from __future__ import annotations

from typing import Any

from loop.client import resources as r
from loop.client._core import AsyncTransport, SyncTransport
from loop.client.errors import (
    Conflict,
    Forbidden,
    LoopAPIError,
    LoopClientError,
    LoopConnectionError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
)

__all__ = [
    "AsyncLoopClient",
    "Conflict",
    "Forbidden",
    "LoopAPIError",
    "LoopClient",
    "LoopClientError",
    "LoopConnectionError",
    "NotFound",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "ValidationError",
]


class _Groups:
    def _mount(self, transport: Any) -> None:
        self.issues = r.Issues(transport)
        self.comments = r.Comments(transport)
        self.relations = r.Relations(transport)
        self.labels = r.Labels(transport)
        self.projects = r.Projects(transport)
        self.goals = r.Goals(transport)
        self.signals = r.Signals(transport)
        self.dispatch = r.Dispatch(transport)
        self.templates = r.Templates(transport)
        self.reviews = r.Reviews(transport)
        self.dashboard = r.Dashboard(transport)
        self.feedback = r.Feedback(transport)
        self.tickets = r.Tickets(transport)
        self.boards = r.Boards(transport)
        self.tokens = r.Tokens(transport)
        self.time = r.TimeEntries(transport)
        self.invoices = r.Invoices(transport)
        self.invoice_clients = r.InvoiceClients(transport)
        self.drafts = r.Drafts(transport)
        self.system = r.System(transport)


class LoopClient(_Groups):
    """Blocking client. ``base_url`` defaults to ``$LOOP_URL`` (else ``http://127.0.0.1:5667``), ``token`` to
    ``$LOOP_TOKEN``. ``max_retries`` (default 2) applies only to safe requests: GET/HEAD, and POST with an
    ``idempotency_key``; on 429/502/503/504 and connection errors, with exponential backoff (``backoff`` ×
    2ⁿ, jittered, at most ``max_backoff``), honouring ``Retry-After``."""

    def __init__(self, base_url: str | None = None, token: str | None = None, **options: Any) -> None:
        self._transport = SyncTransport(base_url, token, **options)
        self._mount(self._transport)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Any endpoint: ``client.request("GET", "/api/issues", params={...})`` → the decoded body."""
        return self._transport.request(method, path, **kwargs)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> LoopClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncLoopClient(_Groups):
    """Asyncio client; the same groups and methods as :class:`LoopClient`, as coroutines (``iter`` methods are
    async iterators)."""

    def __init__(self, base_url: str | None = None, token: str | None = None, **options: Any) -> None:
        self._transport = AsyncTransport(base_url, token, **options)
        self._mount(self._transport)

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._transport.request(method, path, **kwargs)

    async def aclose(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncLoopClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
