"""The service functions other modules call (signals, MCP, the developer-API bridge), and the rules that
must hold when requests race."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from loop.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from loop.issues import relations
from loop.issues import service as issues
from loop.labels import service as labels


async def _issue(database, org_id, title="t", **fields):
    async with database.write() as session:
        return await issues.create_issue(session, org_id, title=title, type="task", **fields)


async def test_create_and_update_through_the_service(app, account):
    database = app.state.database
    org_id = account.org.id
    async with database.write() as session:
        label = await labels.create_label(session, org_id, name="bug", color="red")
        issue = await issues.create_issue(
            session, org_id, title="From a signal", type="signal", status="todo", priority=1,
            signal_source="sentry", signal_payload={"a": 1}, label_ids=[label.id],
        )  # fmt: skip
        assert issue.number == 1 and issue.todo_since is not None and issue.completed_at is None
    async with database.write() as session:
        updated = await issues.update_issue(
            session, org_id, issue.id, {"status": "done", "agent_summary": "ok"}
        )
        assert updated.completed_at is not None and updated.todo_since is None
    async with database.read() as session:
        detail = await issues.issue_detail(session, org_id, issue.id)
        assert detail["agentSummary"] == "ok" and [lab["name"] for lab in detail["labels"]] == ["bug"]
    async with database.write() as session:
        with pytest.raises(BadRequest):
            await issues.create_issue(session, org_id, title="x" * 501, type="task")
        with pytest.raises(BadRequest):
            await issues.create_issue(session, org_id, title="x", type="bug")
        with pytest.raises(BadRequest):
            await issues.update_issue(session, org_id, issue.id, {"priority": 9})
        with pytest.raises(NotFound):
            await issues.update_issue(session, "another-org", issue.id, {"title": "x"})
        with pytest.raises(ValueError):
            await issues.update_issue(session, org_id, issue.id, {"number": 9})


def hold_after(monkeypatch, module, name):
    """Make both racers pass ``module.name`` before either goes on (or 0.5 s when one is held back by a
    lock): without serialisation, both would act on what they checked."""
    original = getattr(module, name)
    arrived = asyncio.Event()
    count = 0

    async def wrapper(*args, **kwargs):
        nonlocal count
        result = await original(*args, **kwargs)
        count += 1
        if count == 2:
            arrived.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(arrived.wait(), 0.5)
        return result

    monkeypatch.setattr(module, name, wrapper)


async def test_concurrent_opposite_blocking_relations_cannot_both_land(app, account, monkeypatch):
    hold_after(monkeypatch, relations, "_blocks_path")
    database = app.state.database
    org_id = account.org.id
    a, b = await _issue(database, org_id, "a"), await _issue(database, org_id, "b")

    async def relate(source, target):
        async with database.write() as session:
            return await relations.create_relation(session, org_id, source.id, "blocks", target.id)

    results = await asyncio.gather(relate(a, b), relate(b, a), return_exceptions=True)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert sum(isinstance(r, Unprocessable) for r in results) == 1


async def test_concurrent_parent_changes_cannot_make_a_grandchild(app, account, monkeypatch):
    hold_after(monkeypatch, issues, "_check_parent")
    database = app.state.database
    org_id = account.org.id
    a = await _issue(database, org_id, "a")
    b = await _issue(database, org_id, "b")
    c = await _issue(database, org_id, "c")

    async def reparent(child, parent):
        async with database.write() as session:
            return await issues.update_issue(session, org_id, child.id, {"parent_id": parent.id})

    results = await asyncio.gather(reparent(a, b), reparent(b, c), return_exceptions=True)
    assert sum(isinstance(r, Unprocessable) for r in results) == 1, results


async def test_concurrent_label_creates_give_one_label_and_one_409(app, account):
    database = app.state.database

    async def create():
        async with database.write() as session:
            return await labels.create_label(session, account.org.id, name="race", color="red")

    results = await asyncio.gather(create(), create(), return_exceptions=True)
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
