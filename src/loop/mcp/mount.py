"""Serving the MCP endpoint inside the API: ``/mcp`` and ``/api/mcp`` (with or without a trailing slash)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Route

from loop.config import Settings
from loop.db.session import Database
from loop.mcp.server import MCPEndpoint

PATHS = ("/mcp", "/mcp/", "/api/mcp", "/api/mcp/")


def mount_mcp(app: FastAPI, database: Database, settings: Settings) -> MCPEndpoint:
    """Add the routes; the app's lifespan must run ``endpoint.running()`` (the SDK's session manager)."""
    endpoint = MCPEndpoint(database, settings, app.state)
    # POST carries every message. The endpoint is stateless, so it opens no server-to-client stream: GET
    # answers 405 (as the protocol allows) instead of holding a connection open with nothing to send.
    for path in PATHS:
        app.router.routes.append(
            Route(path, endpoint.asgi, methods=["POST", "DELETE"], include_in_schema=False)
        )
    app.state.mcp = endpoint
    return endpoint
