"""In-process issue events: other modules react to an issue's status change inside the same transaction.

A listener is an async ``(session, org_id, issue, previous_status) -> None`` registered with
``@on_status_changed``; its module is listed in ``LISTENER_MODULES`` so that every process (API server, worker,
MCP) loads it before the first event, whatever it imported. Every path that changes an issue's status — the
issues service's ``update_issue`` (REST, MCP tools) and any other writer such as dispatch — calls
``status_changed`` after the new status is set, with the same session, so a listener's writes commit or roll
back with the change itself. A listener that raises aborts the whole change.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from loop.issues.models import Issue

StatusListener = Callable[["AsyncSession", str, "Issue", str], Awaitable[None]]
DeleteListener = Callable[["AsyncSession", str, "Issue"], Awaitable[None]]
_LISTENERS: list[StatusListener] = []
_DELETE_LISTENERS: list[DeleteListener] = []

# Modules whose import registers a listener.
LISTENER_MODULES: tuple[str, ...] = ("loop.dispatch.sessions", "loop.tickets.bridge")
_loaded = False


def on_status_changed(listener: StatusListener) -> StatusListener:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


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


async def status_changed(session: AsyncSession, org_id: str, issue: Issue, previous: str) -> None:
    """Tell every listener that ``issue`` moved from ``previous`` to ``issue.status``."""
    if issue.status == previous:
        return
    for listener in listeners():
        await listener(session, org_id, issue, previous)


async def deleted(session: AsyncSession, org_id: str, issue: Issue) -> None:
    """Tell every deletion listener that ``issue`` was deleted."""
    _load()
    for listener in list(_DELETE_LISTENERS):
        await listener(session, org_id, issue)
