"""``loop auth``: remember a server and a token for the client commands; ``loop completions``."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from loop.cli import config
from loop.cli.remote import EXIT_AUTH, EXIT_UNREACHABLE, err, out, print_json
from loop.client import LoopAPIError, LoopClient, LoopConnectionError

app = typer.Typer(
    help="Log in to a Loop server (saves the URL and token), show or forget it.", no_args_is_help=True
)


def _check(url: str, token: str) -> tuple[bool, str]:
    """Is the server there, and does it accept the token? Any scope will do: a 403 still proves the token."""
    with LoopClient(url, token, timeout=10, max_retries=0) as loop:
        try:
            loop.system.health()
        except (LoopConnectionError, LoopAPIError) as exc:
            return False, f"cannot reach {url}: {exc}"
        try:
            loop.issues.list(limit=1)
        except LoopAPIError as exc:
            if exc.status == 401:
                return False, f"the server refused the token: {exc.error}"
            if exc.status != 403:
                return False, f"unexpected answer: {exc}"
        except LoopConnectionError as exc:
            return False, str(exc)
    return True, "ok"


@app.command("login")
def login(
    url: Annotated[str | None, typer.Option("--url", help="Server URL")] = None,
    token: Annotated[str | None, typer.Option("--token", help="API token (prompted for when absent)")] = None,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Save without checking the server")] = False,
) -> None:
    """Check a server URL and a token, then save both for later commands.

    Example: loop auth login --url http://127.0.0.1:5667   (then paste the token)
    """
    current = config.resolve()
    if url is None:
        url = typer.prompt("Server URL", default=current.url) if os.isatty(0) else current.url
    if token is None:
        if not os.isatty(0):
            err.print("[red]error:[/red] give --token (no terminal to prompt on)")
            raise typer.Exit(2)
        token = typer.prompt("API token", hide_input=True)
    url = url.rstrip("/")
    if not no_verify:
        ok, why = _check(url, token)
        if not ok:
            err.print(f"[red]error:[/red] {why}", highlight=False)
            raise typer.Exit(EXIT_UNREACHABLE if why.startswith("cannot reach") else EXIT_AUTH)
    path = config.write_file({"url": url, "token": token})
    out.print(f"logged in to {url} as {config.mask(token)}; saved in {path}", highlight=False)


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False) -> None:
    """Show which server and token the client commands use, where each comes from, and whether they work.

    Example: loop auth status
    """
    remote = config.resolve()
    ok, why = _check(remote.url, remote.token) if remote.token else (False, "no token configured")
    report = {"url": remote.url, "url_source": remote.url_source, "token": config.mask(remote.token),
              "token_source": remote.token_source, "ok": ok, "message": why}  # fmt: skip
    if as_json:
        print_json(report)
    else:
        out.print(f"server  {remote.url}  ({remote.url_source})", highlight=False)
        out.print(f"token   {config.mask(remote.token)}  ({remote.token_source or '-'})", highlight=False)
        out.print(f"check   {'[green]ok[/green]' if ok else '[red]' + why + '[/red]'}", highlight=False)
    if not ok:
        raise typer.Exit(EXIT_UNREACHABLE if why.startswith("cannot reach") else EXIT_AUTH)


@app.command("logout")
def logout() -> None:
    """Forget the saved URL and token (LOOP_URL / LOOP_TOKEN in the environment still apply).

    Example: loop auth logout
    """
    removed = config.clear_file()
    out.print("logged out" if removed else "nothing saved")


config_app = typer.Typer(help="Read and change the saved client settings (url, token).", no_args_is_help=True)


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="url | token")],
    value: Annotated[str, typer.Argument(help="The new value")],
) -> None:
    """Save one setting without checking it (`loop auth login` checks).

    Example: loop config set url https://loop.example.com
    """
    if key not in ("url", "token"):
        err.print(f"[red]error:[/red] unknown setting {key!r}: url or token")
        raise typer.Exit(2)
    values = config.read_file()
    values[key] = value.rstrip("/") if key == "url" else value
    path = config.write_file(values)
    out.print(f"{key} saved in {path}", highlight=False)


@config_app.command("get")
def config_get(key: Annotated[str, typer.Argument(help="url | token")]) -> None:
    """Print one saved setting (the token masked).

    Example: loop config get url
    """
    value = config.read_file().get(key)
    if value is None:
        err.print(f"[red]error:[/red] {key} is not set")
        raise typer.Exit(1)
    typer.echo(config.mask(value) if key == "token" else value)


@config_app.command("list")
def config_list() -> None:
    """Print the saved settings and the file they are in.

    Example: loop config list
    """
    values = config.read_file()
    out.print(f"file   {config.config_path()}", highlight=False)
    out.print(f"url    {values.get('url', '(not set)')}", highlight=False)
    out.print(f"token  {config.mask(values.get('token'))}", highlight=False)


def completions(
    shell: Annotated[
        str | None, typer.Argument(help="bash | zsh | fish | powershell (default: from $SHELL)")
    ] = None,
) -> None:
    """Print the shell completion script.

    Example: loop completions bash > ~/.local/share/bash-completion/completions/loop
    """
    from typer._completion_shared import get_completion_script

    chosen = shell or os.path.basename(os.environ.get("SHELL", "bash")) or "bash"
    if chosen not in ("bash", "zsh", "fish", "powershell", "pwsh"):
        err.print(f"[red]error:[/red] unsupported shell {chosen!r}: bash, zsh, fish or powershell")
        raise typer.Exit(2)
    typer.echo(get_completion_script(prog_name="loop", complete_var="_LOOP_COMPLETE", shell=chosen))
