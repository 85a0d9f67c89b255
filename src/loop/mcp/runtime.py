"""What every MCP tool call goes through: the caller's credential, its scopes and plan, one unit of work.

The HTTP layer (``loop.mcp.http``) has already authenticated the request and spent one unit of the
credential's rate limit before the SDK sees it; the principal rides on the request's ``state``. A tool
then checks its scopes (and the surface's plan and role rules), opens one transaction (committed when
the tool returns, rolled back when it raises) and calls the services, exactly as a REST endpoint would.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.policy import SurfacePolicy, require_scopes
from loop.auth.principal import Principal
from loop.config import Settings
from loop.core.errors import LoopError, Unauthorized
from loop.core.jsonresp import dumps
from loop.db.session import Database

F = TypeVar("F", bound=Callable[..., Any])


def tool_error(status: int, body: dict[str, Any]) -> ToolError:
    """A tool failure the model can read: Loop's error body, plus the HTTP status REST would answer."""
    return ToolError(orjson.dumps({**body, "status": status}, default=str).decode())


def to_text(value: Any) -> str:
    """Pretty JSON, with timestamps in the same form as the REST API."""
    return orjson.dumps(orjson.loads(dumps(value)), option=orjson.OPT_INDENT_2).decode()


def validation_error(exc: ValidationError) -> ToolError:
    details = [
        {"field": ".".join(str(p) for p in err.get("loc", ())) or "arguments", "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    first = details[0] if details else {"field": "arguments", "message": "Invalid value"}
    return tool_error(
        400,
        {
            "error": f"Invalid '{first['field']}': {first['message']}",
            "code": "validation_error",
            "details": details,
        },
    )


@dataclass
class Runtime:
    database: Database
    settings: Settings

    def principal(self, ctx: Context) -> Principal:
        request = ctx.request_context.request
        principal = getattr(getattr(request, "state", None), "principal", None)
        if principal is None:  # only reachable if the server is mounted without its auth layer
            raise tool_error(401, Unauthorized("Missing or malformed Authorization header").body())
        return principal

    def base_url(self, ctx: Context) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + "/"
        request = ctx.request_context.request
        return str(getattr(request, "base_url", self.settings.base_url + "/"))

    @asynccontextmanager
    async def guard(
        self, ctx: Context, *scopes: str, policy: SurfacePolicy | None = None
    ) -> AsyncIterator[Principal]:
        """Authorise the call (plan and role of the surface, then scopes); Loop errors become tool errors."""
        principal = self.principal(ctx)
        try:
            if policy is not None:
                policy.check(principal)
            require_scopes(principal, scopes)
            yield principal
        except LoopError as exc:
            raise tool_error(exc.status_code, exc.body()) from exc
        except ValidationError as exc:
            raise validation_error(exc) from exc

    @asynccontextmanager
    async def unit(
        self,
        ctx: Context,
        *scopes: str,
        policy: SurfacePolicy | None = None,
        write: bool = False,
    ) -> AsyncIterator[tuple[Principal, AsyncSession]]:
        """``guard``, then one transaction for the call: committed when the tool returns, else rolled back."""
        async with self.guard(ctx, *scopes, policy=policy) as principal:
            opener = self.database.write if write else self.database.read
            async with opener() as session:
                yield principal, session


def loop_tool(server: MCPServer) -> Callable[..., Callable[[F], F]]:
    """``server.tool`` whose failures reach the client as Loop's error body alone (``isError: true``),
    without the SDK's "Error executing tool …" prefix in front of the JSON."""

    def tool(**options: Any) -> Callable[[F], F]:
        def decorator(fn: F) -> F:
            @functools.wraps(fn)
            async def run(*args: Any, **kwargs: Any) -> Any:
                try:
                    return await fn(*args, **kwargs)
                except ToolError as exc:
                    return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)

            server.add_tool(run, **options)
            return fn

        return decorator

    return tool
