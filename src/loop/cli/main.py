"""The ``loop`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from loop import __version__
from loop.cli import agency, auth, backup, db, dispatch, engine, remote, serve, tokens, webhooks
from loop.jobs.cli import worker

app = typer.Typer(
    name="loop",
    help="Loop: the server, and a client for every Loop API. Client commands use the server and token saved "
    "by `loop auth login`, or LOOP_URL / LOOP_TOKEN, or --url / --token. Exit codes: 0 ok, 1 error, 2 usage, "
    "3 auth, 4 not found, 5 invalid or conflict, 6 unreachable, 7 rate limited.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    url: Annotated[
        str | None, typer.Option("--url", help="Server URL for client commands (env LOOP_URL)")
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="API token for client commands (env LOOP_TOKEN)")
    ] = None,
) -> None:
    remote.set_globals(url, token)


app.command("serve")(serve.serve)
app.command("worker")(worker)
app.add_typer(db.app, name="db")
app.add_typer(tokens.app, name="tokens")
webhooks.register(app)

# client commands (over the SDK)
app.add_typer(auth.app, name="auth")
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
app.command("dashboard")(engine.status)
app.add_typer(agency.feedback, name="feedback")
app.add_typer(agency.tickets, name="tickets")
app.add_typer(agency.boards, name="boards")
app.add_typer(agency.time_, name="time")
app.add_typer(agency.invoices, name="invoices")
app.add_typer(agency.drafts, name="drafts")
app.command("next")(dispatch.next_)
app.command("queue")(dispatch.queue)
app.command("heartbeat")(dispatch.heartbeat)
app.command("release")(dispatch.release)
app.command("review")(dispatch.review)
app.add_typer(dispatch.templates, name="templates")
app.command("completions")(auth.completions)
app.command("export")(backup.export)
app.command("import")(backup.import_)


@app.command("version")
def version() -> None:
    """Print the version.

    Example: loop version
    """
    typer.echo(__version__)


def main() -> None:
    app()
