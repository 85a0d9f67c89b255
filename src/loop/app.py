"""``create_app(settings)``: builds everything the server needs from settings, reads nothing at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from loop import __version__
from loop.api import include_routers
from loop.auth.usage import UsageRecorder
from loop.config import Settings
from loop.core.handlers import install_error_handlers
from loop.core.logging import configure_logging
from loop.core.metrics import Metrics
from loop.core.middleware import RequestContextMiddleware
from loop.core.ratelimit import RateLimiter
from loop.db import migrate
from loop.db.session import Database
from loop.jobs import JobRunner, load_handlers
from loop.mcp.mount import mount_mcp

STATIC_DIR = Path(__file__).parent / "web" / "static"

DESCRIPTION = """One server for the Loop APIs, on one store:

* **Engine** (`/api/*`): issues, signals, prompt templates, dispatch to agents, reviews, dashboard.
* **Developer API** (`/api/v1/*`): projects, clients, feedback, comments, boards, tickets, tokens.
* **Inbox** (`/api/v1/report/*`, `/v1/drafts`): report exports and email drafts.
* **Track & invoices** (`/v1/track/*`, `/v1/invoices*`): time, projects, tags, todos, clients, invoices.

Every token works on every surface, sent as `Authorization: Bearer <token>` or `X-API-Key: <token>`.
Errors are `{"error": "<message>", "code": "<code>"}`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_format)
    database = Database(settings)
    limiter = RateLimiter(settings)
    usage = UsageRecorder(database, settings.token_last_used_resolution_s)
    metrics = Metrics()
    jobs = JobRunner(database, settings, registry=load_handlers())
    mcp_endpoint = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.should_auto_migrate:
            await migrate.upgrade(database.engines.write)
        usage.start()
        if settings.jobs_in_process:
            jobs.start()
        try:
            if mcp_endpoint is not None:
                async with mcp_endpoint.running():
                    yield
            else:
                yield
        finally:
            await jobs.stop()
            await usage.stop()
            await limiter.close()
            await database.dispose()

    app = FastAPI(
        title="Loop API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.secret_key = database.secret_key
    app.state.limiter = limiter
    app.state.usage = usage
    app.state.metrics = metrics
    app.state.jobs = jobs

    install_error_handlers(app)
    include_routers(app)
    if settings.mcp_enabled:
        mcp_endpoint = mount_mcp(app, database, settings)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-API-Key",
                "Idempotency-Key",
                "X-Request-ID",
                # Browser MCP clients (the MCP Inspector, web agents) send these on /mcp.
                "Mcp-Protocol-Version",
                "Mcp-Session-Id",
                "Last-Event-ID",
            ],
            expose_headers=["Mcp-Session-Id", "X-Request-ID", "Retry-After"],
            max_age=86400,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, log_requests=settings.access_log)
    return app
