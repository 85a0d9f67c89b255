"""The client commands (over the SDK), added to the ``loop`` app by ``register``."""

from __future__ import annotations

from typing import Annotated

import typer

from loop.cli import agency, auth, backup, dispatch, engine, remote, webhooks


def _options(
    url: Annotated[
        str | None, typer.Option("--url", help="Server URL for client commands (env LOOP_URL)")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="API token for client commands (env LOOP_TOKEN)")
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="Lists as tab-separated lines, no table or colour")
    ] = False,
) -> None:
    remote.set_globals(url, token, plain=plain)


def register(app: typer.Typer) -> None:
    app.callback()(_options)
    app.add_typer(auth.app, name="auth")
    app.add_typer(auth.config_app, name="config")
    app.add_typer(engine.issues, name="issues")
    app.add_typer(engine.comments, name="comments")
    app.add_typer(engine.relations, name="relations")
    app.add_typer(engine.labels, name="labels")
    app.add_typer(engine.projects, name="projects")
    app.add_typer(engine.goals, name="goals")
    webhooks.signals_app.command("ingest")(engine.signals_ingest)
    webhooks.signals_app.command("get")(engine.signals_get)
    app.add_typer(engine.triage, name="triage")
    app.command("status")(engine.status)
    app.command("dashboard")(engine.dashboard)
    app.command("next")(dispatch.next_)
    app.command("queue")(dispatch.queue)
    app.command("heartbeat")(dispatch.heartbeat)
    app.command("release")(dispatch.release)
    app.command("review")(dispatch.review)
    app.add_typer(dispatch.templates, name="templates")
    app.add_typer(agency.feedback, name="feedback")
    app.add_typer(agency.tickets, name="tickets")
    app.add_typer(agency.boards, name="boards")
    app.add_typer(agency.time_, name="time")
    app.add_typer(agency.invoices, name="invoices")
    app.add_typer(agency.drafts, name="drafts")
    app.command("completions")(auth.completions)
    app.command("export")(backup.export)
    app.command("import")(backup.import_)
