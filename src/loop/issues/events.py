"""In-process issue events: other modules react to an issue's status change inside the same transaction.

A listener is an async ``(session, org_id, issue, previous_status) -> None`` registered with
``@on_status_changed``; its module is listed in ``LISTENER_MODULES`` so that every process (API server, worker,
MCP) loads it before the first event, whatever it imported. Every path that changes an issue's status — the
issues service's ``update_issue`` (REST, MCP tools) and any other writer such as dispatch — calls
``status_changed`` after the new status is set, with the same session, so a listener's writes commit or roll
back with the change itself. A listener that raises aborts the whole change.

A listener that only has work for some issues may say which, as SQL: ``@on_status_changed(only_if=…)`` takes
a function of the issue (the ``Issue`` entity or an alias of it) that returns a boolean expression. A writer
that loads the issue can add ``listener_columns(issue)`` to that statement and pass ``idle_listeners(row)``
as ``skip``, which spares the listener its own lookup (dispatch does, so a claim makes no ticket query for an
issue without tickets).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from loop.issues.models import Issue

StatusListener = Callable[["AsyncSession", str, "Issue", str], Awaitable[None]]
DeleteListener = Callable[["AsyncSession", str, "Issue"], Awaitable[None]]
Condition = Callable[[Any], Any]
_LISTENERS: list[StatusListener] = []
_CONDITIONS: dict[StatusListener, Condition] = {}
_DELETE_LISTENERS: list[DeleteListener] = []

# Modules whose import registers a listener.
LISTENER_MODULES: tuple[str, ...] = ("loop.dispatch.sessions", "loop.tickets.bridge")
_loaded = False


@overload
def on_status_changed(listener: StatusListener, /) -> StatusListener: ...
@overload
def on_status_changed(*, only_if: Condition) -> Callable[[StatusListener], StatusListener]: ...
def on_status_changed(
    listener: StatusListener | None = None, /, *, only_if: Condition | None = None
) -> StatusListener | Callable[[StatusListener], StatusListener]:
    """Register a status listener (``@on_status_changed``), optionally with the SQL condition on the issue
    outside which it has nothing to do (``@on_status_changed(only_if=…)``)."""

    def register(fn: StatusListener) -> StatusListener:
        if fn not in _LISTENERS:
            _LISTENERS.append(fn)
        if only_if is not None:
            _CONDITIONS[fn] = only_if
        return fn

    return register(listener) if listener is not None else register


def on_deleted(listener: DeleteListener) -> DeleteListener:
    """Register a reaction to an issue's deletion (called after ``deleted_at`` is set)."""
    if listener not in _DELETE_LISTENERS:
        _DELETE_LISTENERS.append(listener)
    return listener


def _load() -> None:
    global _loaded
    if not _loaded:
        for name in LISTENER_MODULES:
            importlib.import_module(name)
        _loaded = True


def listeners() -> list[StatusListener]:
    _load()
    return list(_LISTENERS)


def _conditional() -> list[tuple[int, StatusListener, Condition]]:
    _load()
    return [(n, fn, _CONDITIONS[fn]) for n, fn in enumerate(_LISTENERS) if fn in _CONDITIONS]


def conditional_listeners() -> frozenset[StatusListener]:
    """The listeners registered with an ``only_if`` condition."""
    return frozenset(fn for _n, fn, _c in _conditional())


def listener_columns(issue: Any) -> tuple[Any, ...]:
    """Columns to add to a statement that loads one ``issue`` (the entity or an alias): whether each
    conditional listener has work for it. Read them back with ``idle_listeners``."""
    return tuple(condition(issue).label(f"listener_{n}") for n, _fn, condition in _conditional())


def idle_listeners(row: Any) -> frozenset[StatusListener]:
    """The listeners that the ``listener_columns`` of ``row`` say have nothing to do for its issue."""
    mapping = row._mapping  # a listener registered after the statement was built has no column: it runs
    return frozenset(fn for n, fn, _c in _conditional() if not mapping.get(f"listener_{n}", True))


async def status_changed(
    session: AsyncSession,
    org_id: str,
    issue: Issue,
    previous: str,
    *,
    skip: Collection[StatusListener] = (),
) -> None:
    """Tell every listener that ``issue`` moved from ``previous`` to ``issue.status``; ``skip`` names the
    listeners already known to have nothing to do (``idle_listeners``)."""
    if issue.status == previous:
        return
    for listener in listeners():
        if listener not in skip:
            await listener(session, org_id, issue, previous)


async def deleted(session: AsyncSession, org_id: str, issue: Issue) -> None:
    """Tell every deletion listener that ``issue`` was deleted."""
    _load()
    for listener in list(_DELETE_LISTENERS):
        await listener(session, org_id, issue)
