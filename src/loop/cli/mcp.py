"""``loop mcp``: Loop's MCP tools over stdio, for local AI tools, talking to a Loop server with a token."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from loop.cli.common import err_console
from loop.config import DEFAULT_PORT


def mcp(
    url: Annotated[
        str,
        typer.Option("--url", envvar="LOOP_URL", help="The Loop server's URL (env LOOP_URL)"),
    ] = f"http://127.0.0.1:{DEFAULT_PORT}",
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="LOOP_TOKEN", help="An API token (env LOOP_TOKEN)", show_default=False
        ),
    ] = None,
) -> None:
    """Serve Loop's MCP tools on stdin/stdout, forwarding each call to a Loop server.

    Example: LOOP_URL=https://loop.example.com LOOP_TOKEN=tok_… loop mcp

    In Claude Code: claude mcp add loop -e LOOP_URL=https://loop.example.com -e LOOP_TOKEN=tok_… -- loop mcp
    """
    if not token:
        err_console.print(
            "loop mcp needs a token: pass --token or set LOOP_TOKEN (create one with `loop tokens create`)"
        )
        raise typer.Exit(1)
    from loop.mcp.proxy import serve_stdio

    asyncio.run(serve_stdio(url, token))
