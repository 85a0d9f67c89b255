"""Claims keep an organisation's active templates in memory; every change to them is seen by the next claim."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from loop.prompts import repository
from tests.dispatch.helpers import claim, make_issue

TEMPLATES_QUERY = "prompt_versions.content"  # only the active-templates read selects a version's content


@pytest.fixture
def template_reads(app: Any) -> list[str]:
    """The statements that read the active templates, as the claims run them."""
    seen: list[str] = []
    engine = app.state.database.engines.write.sync_engine

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if TEMPLATES_QUERY in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def _post(client: Any, account: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=account.headers)
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]


async def _version(client: Any, account: Any, template_id: str, content: str) -> dict[str, Any]:
    body = {"content": content, "authorType": "human", "authorName": "a"}
    return await _post(client, account, f"/api/templates/{template_id}/versions", body)


async def test_claims_reuse_the_templates_until_one_changes(client, account, template_reads):
    for n in range(3):
        await make_issue(client, account, title=f"task {n}")
    assert (await claim(client, account))["meta"]["templateSlug"] == "task-execution"
    assert len(template_reads) == 1
    await claim(client, account)
    await claim(client, account)
    assert len(template_reads) == 1  # no change: read once

    template = await _post(
        client,
        account,
        "/api/templates",
        {"slug": "urgent", "name": "U", "specificity": 50, "conditions": {"type": "task"}},
    )
    await _version(client, account, template["id"], "Draft one")  # its first version becomes active
    await make_issue(client, account, title="after")
    body = await claim(client, account)
    assert body["meta"]["templateSlug"] == "urgent" and body["prompt"] == "Draft one"
    assert len(template_reads) == 2


async def test_every_kind_of_change_reaches_the_next_claim(client, account):
    template = await _post(
        client,
        account,
        "/api/templates",
        {"slug": "custom", "name": "Custom", "specificity": 50, "conditions": {"type": "task"}},
    )
    await _version(client, account, template["id"], "v1 {{issue.title}}")

    async def next_prompt() -> tuple[str, str]:
        issue = await make_issue(client, account, title="t")
        body = await claim(client, account)
        assert body["issue"]["id"] == issue["id"]
        return body["meta"]["templateSlug"], body["prompt"]

    assert await next_prompt() == ("custom", "v1 t")

    # a new version, promoted
    second = await _version(client, account, template["id"], "v2 {{issue.title}}")
    assert await next_prompt() == ("custom", "v1 t")  # a draft changes nothing
    await _post(client, account, f"/api/templates/{template['id']}/versions/{second['id']}/promote", {})
    assert await next_prompt() == ("custom", "v2 t")

    # conditions that no longer match
    response = await client.patch(
        f"/api/templates/{template['id']}", json={"conditions": {"type": "plan"}}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    slug, _ = await next_prompt()
    assert slug == "task-execution"

    # matching again, then deleted
    response = await client.patch(
        f"/api/templates/{template['id']}", json={"conditions": {"type": "task"}}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert await next_prompt() == ("custom", "v2 t")
    response = await client.delete(f"/api/templates/{template['id']}", headers=account.headers)
    assert response.status_code == 204
    slug, _ = await next_prompt()
    assert slug == "task-execution"


async def test_a_change_made_elsewhere_is_seen_through_the_revision(app, client, account, template_reads):
    """Another process changes a template and bumps the revision in its transaction: this process's cache is
    checked against the revision the claim reads, so it reloads."""
    await make_issue(client, account, title="one")
    await make_issue(client, account, title="two")
    first = await claim(client, account)
    assert first["meta"]["templateSlug"] == "task-execution"
    version_id = first["meta"]["versionId"]
    async with app.state.database.write() as session:
        await session.execute(
            text("UPDATE prompt_versions SET content = 'Changed elsewhere' WHERE id = :id"),
            {"id": version_id},
        )
        await repository.templates_changed(session, account.org.id)
    second = await claim(client, account)
    assert second["prompt"] == "Changed elsewhere"
    assert len(template_reads) == 2


async def test_a_write_that_skips_the_revision_is_seen_once_the_entry_ages(
    app, client, account, template_reads, monkeypatch
):
    await make_issue(client, account, title="one")
    await make_issue(client, account, title="two")
    await make_issue(client, account, title="three")
    first = await claim(client, account)
    async with app.state.database.write() as session:
        await session.execute(
            text("UPDATE prompt_versions SET content = 'By hand' WHERE id = :id"),
            {"id": first["meta"]["versionId"]},
        )
    second = await claim(client, account)
    assert second["prompt"].startswith("# Task: two")  # the cached template still writes it
    monkeypatch.setattr(repository, "CACHE_SECONDS", 0.0)
    assert (await claim(client, account))["prompt"] == "By hand"
    assert len(template_reads) == 2
