"""The ``loop`` command."""

from __future__ import annotations

import typer

from loop import __version__
from loop.cli import db, serve, tokens, users, webhooks
from loop.cli.mcp import mcp
from loop.jobs.cli import worker

app = typer.Typer(
    name="loop",
    help="Loop: the server, and a client for every Loop API. Client commands use the server and token saved "
    "by `loop auth login`, or LOOP_URL / LOOP_TOKEN, or --url / --token. Exit codes: 0 ok, 1 error, 2 usage, "
    "3 auth, 4 not found, 5 invalid or conflict, 6 unreachable, 7 rate limited.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("worker")(worker)
app.command("mcp")(mcp)
app.add_typer(db.app, name="db")
app.add_typer(tokens.app, name="tokens")
app.add_typer(users.app, name="users")
webhooks.register(app)

from loop.cli import client_commands  # noqa: E402  (after the server commands: it extends `loop signals`)

client_commands.register(app)


@app.command("version")
def version() -> None:
    """Print the version.

    Example: loop version
    """
    typer.echo(__version__)


def main() -> None:
    app()
