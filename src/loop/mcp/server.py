"""The MCP server: one ``MCPServer`` whose tools call Loop's services, served over streamable HTTP at
``/mcp`` and ``/api/mcp`` inside the API process.

Every HTTP request to the endpoint is authenticated like a REST request (``Authorization: Bearer`` or
``X-API-Key``; 401 otherwise), spends one unit of the same per-credential rate limit (429), and only then
reaches the SDK. The endpoint is stateless: nothing about a client is remembered between requests, so a
revoked or expired token is refused on its very next call, and any replica can answer any request.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import structlog
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from loop import __version__
from loop.auth.service import authenticate, token_from_headers
from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import LoopError
from loop.core.jsonresp import json_response
from loop.db.session import Database
from loop.mcp import tools_developer, tools_dispatch, tools_engine, tools_track
from loop.mcp.runtime import Runtime, tool_error, validation_error

log = structlog.get_logger("loop.mcp")

INSTRUCTIONS = """Loop is the team's issue tracker, feedback inbox and time/invoice book.
Typical agent loop: claim work with loop_get_next_task (it comes with a prompt), comment as you go
(loop_create_comment), record new work you discover (loop_create_issue, loop_add_relation), finish with
loop_complete_task (it reports the issues your work unblocked) or give the issue back with
loop_release_task, then rate the prompt with loop_submit_review. Errors are JSON objects with
"error" (what went wrong), "code" and "status"."""

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class LoopMCPServer(MCPServer):
    """Every failed call answers Loop's error body, including the ones the SDK catches before a tool runs
    (arguments that fail the input schema, an unknown tool) and unexpected crashes."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, PoolTimeout) or (
                isinstance(cause, OperationalError) and "locked" in str(cause).lower()
            ):
                raise tool_error(503, {"error": "The server is busy; retry shortly", "code": "busy"}) from exc
            log.exception("mcp_tool_failed", tool=name)
            raise tool_error(500, {"error": "Internal server error", "code": "internal_error"}) from exc
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise validation_error(exc.__cause__) from exc
            if self._tool_manager.get_tool(name) is None:
                raise tool_error(404, {"error": f"Unknown tool: {name}", "code": "unknown_tool"}) from exc
            raise


def build_server(runtime: Runtime) -> MCPServer:
    server = LoopMCPServer(name="loop", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    tools_engine.register(server, runtime)
    tools_dispatch.register(server, runtime)
    tools_developer.register(server, runtime)
    tools_track.register(server, runtime)
    return server


def transport_security(settings: Settings) -> TransportSecuritySettings:
    """Which Host and Origin headers the endpoint answers (DNS-rebinding protection).

    Default: loopback on any port, plus the host of ``LOOP_PUBLIC_URL`` and a non-wildcard ``LOOP_HOST``.
    ``LOOP_MCP_ALLOWED_HOSTS`` / ``LOOP_MCP_ALLOWED_ORIGINS`` add to that; ``*`` in the hosts turns the
    check off (behind a proxy that already checks them).
    """
    if "*" in settings.mcp_allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = [f"{host}:*" for host in LOOPBACK_HOSTS] + list(LOOPBACK_HOSTS)
    origins = [f"http://{host}:*" for host in LOOPBACK_HOSTS] + [f"http://{host}" for host in LOOPBACK_HOSTS]
    if settings.host not in ("0.0.0.0", "::", "", *LOOPBACK_HOSTS):
        hosts += [settings.host, f"{settings.host}:*"]
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        if parts.netloc:
            hosts.append(parts.netloc)
            origins.append(f"{parts.scheme}://{parts.netloc}")
    hosts += settings.mcp_allowed_hosts
    origins += settings.mcp_allowed_origins
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


class AuthenticatedEndpoint:
    """ASGI: Loop's authentication and rate limit in front of the SDK's streamable-HTTP handler."""

    def __init__(self, inner: ASGIApp, app_state: Any) -> None:
        self.inner = inner
        self.state = app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        state = self.state
        try:
            async with state.database.read_connection() as conn:
                principal = await authenticate(
                    conn, state.secret_key, token_from_headers(Headers(scope=scope))
                )
            request_state = scope.setdefault("state", {})
            request_state["principal"] = principal
            decision = await state.limiter.hit(
                f"cred:{principal.credential_id}", principal.plan, principal.rate_limit
            )
        except LoopError as exc:
            await json_response(exc.body(), exc.status_code, exc.headers)(scope, receive, send)
            return
        if decision is not None:
            request_state["rate_limit_headers"] = decision.headers()
        state.usage.note(principal.credential_id, principal.last_used_at, utcnow())
        await self.inner(scope, receive, send)


class MCPEndpoint:
    """The MCP server of one app: its ASGI endpoint and the session manager the app's lifespan runs."""

    def __init__(self, database: Database, settings: Settings, app_state: Any) -> None:
        self.server = build_server(Runtime(database=database, settings=settings))
        self._http = self.server.streamable_http_app(
            streamable_http_path="/",
            stateless_http=True,
            json_response=True,
            transport_security=transport_security(settings),
        )
        handler = _route_app(self._http)
        self.asgi = AuthenticatedEndpoint(handler, app_state)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the SDK's session manager for the app's lifetime.

        It lives in a task of its own: its task group must be left by the task that entered it, and an
        app's lifespan is not always entered and left by one task (test harnesses, some servers).
        """
        started, stopping = asyncio.Event(), asyncio.Event()

        async def keep_running() -> None:
            async with self.server.session_manager.run():
                started.set()
                await stopping.wait()

        task = asyncio.create_task(keep_running(), name="loop-mcp-session-manager")
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiter.cancel()
            await task  # raises what stopped it
        try:
            yield
        finally:
            stopping.set()
            await task


def _route_app(starlette_app: Any) -> ASGIApp:
    """The SDK's handler without its Starlette wrapper, so ``/mcp`` is served as is (no redirect to ``/mcp/``)."""
    for route in starlette_app.routes:
        endpoint = getattr(route, "endpoint", None) or getattr(route, "app", None)
        if endpoint is not None:
            return endpoint
    raise RuntimeError("the MCP SDK's streamable HTTP app has no route")
