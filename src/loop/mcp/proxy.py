"""``loop mcp``: a stdio MCP server for local tools (Claude Code, Cursor, …) that forwards every request to
a Loop server's streamable-HTTP endpoint with a token. The tools, their schemas and their answers are the
server's own: the proxy lists what the server lists and passes each call through unchanged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx2
import orjson
from mcp.client.streamable_http import streamable_http_client
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from mcp.types import (
    INTERNAL_ERROR,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
)

from loop import __version__
from loop.mcp.server import INSTRUCTIONS
from mcp import Client


def endpoint_url(url: str) -> str:
    """Accept the server's base URL or its MCP endpoint."""
    url = url.rstrip("/")
    return url if url.endswith("/mcp") else url + "/mcp"


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


async def _failure(upstream: Upstream, exc: BaseException) -> str:
    """What went wrong talking to the server, as Loop's error body.

    The SDK's client reports an HTTP error only as "error response", so ask the endpoint once more,
    plainly, and pass on the server's own answer (401 with "API key revoked", 429, …) when it has one.
    """
    try:
        async with upstream._http() as http:
            response = await http.post(upstream.url, json={}, headers={"Accept": "application/json"})
        body = response.json()
        if response.status_code >= 400 and isinstance(body, dict) and "error" in body:
            return orjson.dumps({**body, "status": response.status_code}).decode()
    except Exception:
        pass
    message = str(_leaf(exc)) or type(_leaf(exc)).__name__
    return orjson.dumps(
        {
            "error": f"Could not use the Loop server at {upstream.url}: {message}",
            "code": "upstream_unavailable",
        }
    ).decode()


@dataclass
class Upstream:
    """The connection to the Loop server, opened once; reopened per call if the first attempt failed."""

    url: str
    token: str
    timeout: float = 60.0
    client: Client | None = None
    error: BaseException | None = None
    stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    def _http(self) -> httpx2.AsyncClient:
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": f"loop-mcp/{__version__}"}
        return httpx2.AsyncClient(headers=headers, timeout=self.timeout)

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Client]:
        async with self._http() as http, Client(streamable_http_client(self.url, http_client=http)) as client:
            yield client

    async def open(self) -> None:
        try:
            self.client = await self.stack.enter_async_context(self.connect())
        except Exception as exc:
            self.error = exc
            await self.stack.aclose()
            self.stack = AsyncExitStack()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Client]:
        if self.client is not None:
            yield self.client
            return
        async with self.connect() as client:  # the server was unreachable at start: try again now
            yield client


def build_proxy(url: str, token: str) -> Server[Upstream]:
    upstream = Upstream(endpoint_url(url), token)

    @asynccontextmanager
    async def lifespan(_: Server[Upstream]) -> AsyncIterator[Upstream]:
        await upstream.open()
        try:
            yield upstream
        finally:
            await upstream.stack.aclose()

    async def list_tools(ctx: Any, params: PaginatedRequestParams | None) -> ListToolsResult:
        try:
            async with upstream.session() as client:
                result = await client.list_tools(cursor=params.cursor if params else None)
        except Exception as exc:
            raise MCPError(INTERNAL_ERROR, await _failure(upstream, exc)) from exc
        return ListToolsResult(tools=result.tools, next_cursor=result.next_cursor)

    async def call_tool(ctx: Any, params: CallToolRequestParams) -> CallToolResult:
        try:
            async with upstream.session() as client:
                return await client.call_tool(params.name, params.arguments or {})
        except Exception as exc:
            return CallToolResult(
                content=[TextContent(type="text", text=await _failure(upstream, exc))], is_error=True
            )

    return Server(
        "loop",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio(url: str, token: str) -> None:
    server = build_proxy(url, token)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
