"""The ``loop`` command."""

from __future__ import annotations

import typer

from loop import __version__
from loop.cli import db, serve, tokens, webhooks
from loop.cli.mcp import mcp
from loop.jobs.cli import worker

app = typer.Typer(
    name="loop",
    help="Loop: the server, and a client for every Loop API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("worker")(worker)
app.command("mcp")(mcp)
app.add_typer(db.app, name="db")
app.add_typer(tokens.app, name="tokens")
webhooks.register(app)


@app.command("version")
def version() -> None:
    """Print the version.

    Example: loop version
    """
    typer.echo(__version__)


def main() -> None:
    app()
