"""Every router, in the order paths must be matched (exact paths before parametrised neighbours)."""

from __future__ import annotations

from fastapi import FastAPI

from loop.boards.endpoints import router as boards_router
from loop.clients.developer_endpoints import router as developer_clients_router
from loop.clients.invoicing_endpoints import router as invoice_clients_router
from loop.dashboard.endpoints import router as dashboard_router
from loop.discussion.endpoints import router as discussion_router
from loop.dispatch.endpoints import router as dispatch_router
from loop.feedback.endpoints import router as feedback_router
from loop.goals.endpoints import router as goals_router
from loop.inbox.endpoints import drafts as drafts_router
from loop.inbox.endpoints import reports as reports_router
from loop.invoices.endpoints import router as invoices_router
from loop.invoices.paypage import router as pay_page_router
from loop.invoices.team import router as team_router
from loop.issues.endpoints import router as issues_router
from loop.labels.endpoints import router as labels_router
from loop.projects.developer_endpoints import router as developer_projects_router
from loop.projects.engine_endpoints import router as engine_projects_router
from loop.projects.track_endpoints import router as track_projects_router
from loop.prompts.endpoints import reviews_router as prompt_reviews_router
from loop.prompts.endpoints import router as templates_router
from loop.signals.endpoints import router as signals_router
from loop.storage.endpoints import router as files_router
from loop.system.endpoints import router as system_router
from loop.tickets.endpoints import router as tickets_router
from loop.tokens.endpoints import router as tokens_router
from loop.track.endpoints import router as track_router
from loop.web.router import router as web_router
from loop.widget.endpoints import router as widget_router


def include_routers(app: FastAPI) -> None:
    # Dispatch first: agents call it most, and nothing else lives under /api/dispatch, so its requests skip
    # matching every other router's paths.
    app.include_router(dispatch_router)
    app.include_router(system_router)
    app.include_router(reports_router)  # /api/v1/report/*: before the developer API's /api/v1
    app.include_router(drafts_router)
    app.include_router(tokens_router)
    app.include_router(issues_router)
    app.include_router(labels_router)
    app.include_router(engine_projects_router)
    app.include_router(goals_router)
    app.include_router(templates_router)
    app.include_router(prompt_reviews_router)
    app.include_router(dashboard_router)
    # developer API
    app.include_router(developer_projects_router)
    app.include_router(developer_clients_router)
    app.include_router(feedback_router)
    app.include_router(discussion_router)
    app.include_router(boards_router)
    app.include_router(tickets_router)
    app.include_router(widget_router)
    app.include_router(files_router)
    # Track & invoices: /v1/invoices/clients before /v1/invoices/{id}
    app.include_router(track_projects_router)
    app.include_router(track_router)
    app.include_router(invoice_clients_router)
    app.include_router(invoices_router)
    app.include_router(team_router)
    app.include_router(pay_page_router)  # /pay/{token}: public, the signed token is the authorisation
    app.include_router(signals_router)
    app.include_router(web_router)
