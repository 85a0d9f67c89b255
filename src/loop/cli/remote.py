"""Plumbing for the commands that talk to a server through the SDK: the client, output, errors, exit codes.

Exit codes: 0 success · 1 other error (5xx, unexpected answer) · 2 usage (bad option or argument) ·
3 authentication or permission (401/403, no token) · 4 not found (404) · 5 rejected input or conflict
(400/409/413/415/422) · 6 server unreachable · 7 rate limited (429).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from loop.cli import config
from loop.client import LoopAPIError, LoopClient, LoopConnectionError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_INVALID, EXIT_UNREACHABLE, EXIT_RATE = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
)

# Piped output (``| grep``, ``| less``) is not cut at 80 columns; scripts should use --json anyway.
out = Console(soft_wrap=False, width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=200, help="Items per page")]
OffsetOpt = Annotated[int, typer.Option("--offset", min=0, help="Items to skip")]
AllOpt = Annotated[bool, typer.Option("--all", help="Fetch every page (ignores --limit/--offset)")]

_state: dict[str, Any] = {"url": None, "token": None, "plain": False}


def set_globals(url: str | None, token: str | None, *, plain: bool = False) -> None:
    _state["url"], _state["token"], _state["plain"] = url, token, plain


def use_api(local: bool, *store_options: object) -> bool:
    """Commands that can work on the local store or through the API: the API when a token is configured and
    no store option (``--data-dir``, ``--database-url``, ``--org`` …) or ``--local`` was given."""
    if local or any(option is not None for option in store_options):
        return False
    return bool(config.resolve(_state["url"], _state["token"]).token)


def client(*, need_token: bool = True) -> LoopClient:
    remote = config.resolve(_state["url"], _state["token"])
    if need_token and not remote.token:
        err.print(
            "[red]error:[/red] no API token configured. Run `loop auth login`, or set LOOP_TOKEN "
            "(and LOOP_URL)."
        )
        raise typer.Exit(EXIT_AUTH)
    return LoopClient(remote.url, remote.token or "", timeout=30.0)


def exit_code_for(exc: Exception) -> int:
    if isinstance(exc, LoopConnectionError):
        return EXIT_UNREACHABLE
    if isinstance(exc, LoopAPIError):
        if exc.status in (401, 403):
            return EXIT_AUTH
        if exc.status == 404:
            return EXIT_NOT_FOUND
        if exc.status in (400, 409, 413, 415, 422):
            return EXIT_INVALID
        if exc.status == 429:
            return EXIT_RATE
    return EXIT_ERROR


def describe(exc: Exception) -> str:
    if isinstance(exc, LoopConnectionError):
        return f"{exc} (is the server running? check `loop auth status`)"
    if isinstance(exc, LoopAPIError):
        text = exc.error
        if exc.status == 401:
            text += " — the token was refused; run `loop auth login`"
        elif exc.status == 403 and isinstance(exc.body, dict) and exc.body.get("missing"):
            text += f" — the token lacks: {', '.join(exc.body['missing'])}"
        elif exc.status == 429:
            wait = getattr(exc, "retry_after", None)
            text += f" — retry in {wait:g} s" if wait is not None else ""
        details = exc.body.get("details") if isinstance(exc.body, dict) else None
        if isinstance(details, list) and details:
            text += "".join(f"\n  - {_detail(d)}" for d in details[:10])
        return f"{text} (HTTP {exc.status}{', ' + exc.code if exc.code else ''})"
    return str(exc)


def _detail(item: Any) -> str:
    if isinstance(item, dict):
        where = item.get("field") or ".".join(str(p) for p in item.get("loc", []) if p != "body")
        msg = item.get("message") or item.get("msg") or json.dumps(item)
        return f"{where}: {msg}" if where else str(msg)
    return str(item)


def command(fn: F) -> F:
    """Turn SDK errors into a message on stderr and a distinct exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (LoopAPIError, LoopConnectionError) as exc:
            err.print(f"[red]error:[/red] {describe(exc)}", highlight=False)
            raise typer.Exit(exit_code_for(exc)) from None

    return wrapper  # type: ignore[return-value]


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


# -- output -----------------------------------------------------------------------------------------------------
def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _cell(value: Any, width: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return value[:16].replace("T", " ")
    if isinstance(value, list):
        text = ", ".join(_cell(v) for v in value)
    elif isinstance(value, dict):
        text = value.get("name") or value.get("title") or value.get("text") or json.dumps(value)
    else:
        text = str(value)
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return text


Column = tuple[str, str] | tuple[str, str, int]
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def table(rows: Iterable[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None) -> Table:
    rows = list(rows)
    columns = _fit(rows, list(columns), out.width)
    texts = [c for c in columns if len(c) > 2]
    spare = out.width - 1 - sum(_need(rows, c) for c in columns if len(c) <= 2) - 3 * len(texts)
    text_width = max(12, spare // max(1, len(texts)))
    grid = Table(title=title, title_justify="left")
    for column in columns:
        if column[0] == "id":  # ids are copied from tables: never cut them
            grid.add_column(column[0], no_wrap=True, min_width=36)
        elif len(column) > 2:  # free text takes the room that is left
            grid.add_column(column[0], no_wrap=True, overflow="ellipsis", max_width=text_width)
        else:
            grid.add_column(column[0], no_wrap=True, overflow="ellipsis", min_width=len(column[0]))
    for row in rows:
        grid.add_row(*[_cell(_get(row, c[1]), c[2] if len(c) > 2 else None) for c in columns])  # type: ignore[misc]
    return grid


def _need(rows: list[dict[str, Any]], column: Column) -> int:
    """Columns a column takes, borders included (free text: its minimum)."""
    if column[0] == "id":
        return 36 + 3
    if len(column) > 2:
        return 15
    cells = [len(_cell(_get(row, column[1]))) for row in rows]
    return max([len(column[0]), *cells]) + 3


def _fit(rows: list[dict[str, Any]], columns: list[Column], width: int) -> list[Column]:
    """Drop trailing minor columns (never the id or the free text) until the table fits the terminal."""

    while sum(_need(rows, c) for c in columns) + 1 > width:
        minor = [c for c in columns if c[0] != "id" and len(c) <= 2]
        if len(minor) <= 1:
            break
        columns.remove(minor[-1])
    return columns


def _get(row: dict[str, Any], key: str) -> Any:
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def show_list(
    data: Any, columns: Sequence[Column], *, as_json: bool, key: str = "data", empty: str = "Nothing found."
) -> None:
    """A list answer (``{data, total}``, ``{data, meta}``, a bare list …): JSON as given, or a table + total."""
    if as_json:
        print_json(data)
        return
    rows = data.get(key, []) if isinstance(data, dict) else list(data)
    if _state["plain"]:
        for row in rows:
            sys.stdout.write("\t".join(_cell(_get(row, c[1])).replace("\t", " ") for c in columns) + "\n")
        return
    if not rows:
        out.print(empty)
        return
    out.print(table(rows, columns))
    total = None
    if isinstance(data, dict):
        total = data.get("total")
        total = total if total is not None else (data.get("meta") or {}).get("total")
        total = total if total is not None else (data.get("pagination") or {}).get("total")
    if total is not None and total > len(rows):
        out.print(f"[dim]{len(rows)} of {total} shown; use --offset/--limit or --all[/dim]")


def show_item(
    data: Any, *, as_json: bool, fields: Sequence[str] | None = None, title: str | None = None
) -> None:
    if as_json:
        print_json(data)
        return
    grid = Table(show_header=False, title=title, title_justify="left", box=None)
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key in fields or list(data):
        if key in data:
            value = data[key]
            grid.add_row(key, value if isinstance(value, str) else _cell(value))
    out.print(grid)


def collect(iterator: Iterable[dict[str, Any]], label: str) -> dict[str, Any]:
    """Drain an SDK iterator with a progress indicator on stderr; answer ``{data, total}``."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    rows: list[dict[str, Any]] = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task(f"fetching {label}…")
        for row in iterator:
            rows.append(row)
            bar.update(task, description=f"fetching {label}… {len(rows)}")
    return {"data": rows, "total": len(rows)}


def show_page(group: Any, as_json: bool, every: bool, label: str, columns: Sequence[Column], limit: int,
              offset: int, **filters: Any) -> None:  # fmt: skip
    """A list command's answer: one page of an SDK resource group (``--limit``/``--offset``), or every row
    (``--all``, through its iterator), shown with ``show_list``."""
    data = (
        collect(group.iter(**filters), label) if every else group.list(limit=limit, offset=offset, **filters)
    )
    show_list(data, columns, as_json=as_json, empty=f"No {label}.")


def parse_json_option(value: str | None, name: str) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError as exc:
        raise fail(f"{name} is not valid JSON: {exc}", EXIT_USAGE) from exc
