"""``loop export`` → ``loop import``: an organisation moved from SQLite into PostgreSQL answers the API exactly as
before; a non-empty target, a different secret key and a foreign file are refused with nothing written."""

from __future__ import annotations

import json
import os
import secrets
import zipfile

import pytest
from typer.testing import CliRunner

from loop.cli.main import app as cli
from loop.client import LoopClient
from tests.cli.conftest import start_server, stop_server

pytestmark = pytest.mark.slow

PG_ADMIN = os.environ.get("LOOP_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def _pg_database():
    """A new, empty PostgreSQL database (skipped only when no PostgreSQL answers)."""
    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN.replace("+psycopg", "")).set(drivername="postgresql")
    try:
        psycopg.connect(admin.render_as_string(hide_password=False), connect_timeout=5).close()
    except Exception as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    name = f"loop_cli_import_{secrets.token_hex(4)}"
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name).render_as_string(hide_password=False), drop


def _populate(sdk: LoopClient) -> dict:
    label = sdk.labels.create(name="bug", color="#f00")
    goal = sdk.goals.create(title="Fewer errors", targetValue=10, currentValue=3.5, unit="%")
    project = sdk.projects.create(name="Engine project", goalId=goal["id"])
    parent = sdk.issues.create(title="Parent", type="plan", status="todo", priority=1, projectId=project["id"],
                               labelIds=[label["id"]], hypothesis={"statement": "s", "confidence": 0.7,
                               "evidence": ["e"], "validationCriteria": "v"})  # fmt: skip
    child = sdk.issues.create(title="Child ünïcode ✓", type="task", parentId=parent["id"])
    # a parent created after its child: the import must link rows in any order
    late = sdk.issues.create(title="Late parent", type="task")
    sdk.issues.update(child["id"], parentId=None)
    sdk.issues.update(parent["id"], status="done")
    early = sdk.issues.create(title="Early child", type="task")
    sdk.issues.update(early["id"], parentId=late["id"])
    sdk.relations.create(child["id"], "blocked_by", late["id"])
    top = sdk.comments.create(parent["id"], "top")
    sdk.comments.create(parent["id"], "reply", parent_id=top["id"])
    sdk.signals.ingest(source="sentry", type="error", severity="high", payload={"message": "boom", "n": 1})
    site = sdk.request("POST", "/api/v1/projects", json={"name": "Site", "type": "website",
                                                         "url": "https://example.com"}, unwrap="data")  # fmt: skip
    board = sdk.request("POST", "/api/v1/projects", json={"name": "Board", "type": "board"}, unwrap="data")
    fb = sdk.feedback.create(project_id=site["id"], title="Broken button", type="bug")
    sdk.tickets.generate("feedback", fb["id"])
    lists = sdk.boards.lists.list(project_id=board["id"])["data"]
    sdk.boards.cards.create(list_id=lists[0]["id"], title="Card", checklist=[{"text": "a", "checked": True}])
    sdk.time.create(task_name="Work", duration_seconds=5400, date="2026-05-04", tags=[{"title": "design"}])
    client = sdk.invoice_clients.create(name="Acme", address={"line1": "1 Main St", "postalCode": "8001"})
    invoice = sdk.invoices.create(clientId=client["id"], taxPercent="15",
                                  lineItems=[{"description": "Hours", "quantity": "1.333", "rate": "97.5"}])  # fmt: skip
    sdk.drafts.create(subject="Hello", body="<p>Hi</p>", to_fields=[{"address": "ana@example.com"}])
    sdk.tokens.create(name="agent", scope_preset="read-all")
    template = sdk.templates.create(slug="all", name="All", conditions={"projectId": project["id"]})
    first = sdk.templates.create_version(template["id"], "Do {{issue.title}}")
    sdk.templates.create_version(template["id"], "v2 {{issue.title}}", changelog="draft")
    sdk.issues.create(title="Ready", type="task", status="todo", projectId=project["id"])
    sdk.issues.create(title="Queued", type="task", status="todo", projectId=project["id"], priority=4)
    claim = sdk.dispatch.claim(project_id=project["id"], agent_id="agent-7")
    sdk.reviews.create(
        versionId=first["id"], issueId=claim["issue"]["id"], clarity=4, completeness=3, relevance=5
    )
    return {"site": site["id"], "board": board["id"], "invoice": invoice["id"], "project": project["id"],
            "template": template["id"]}  # fmt: skip


def _snapshot(sdk: LoopClient, ids: dict) -> dict:
    issues = sdk.issues.list(includeDeleted=True, limit=200)
    snap = {
        "issues": issues,
        "details": [sdk.issues.get(i["id"]) for i in issues["data"]],
        "comments": [sdk.comments.list(i["id"]) for i in issues["data"]],
        "labels": sdk.labels.list(), "projects": sdk.projects.list(), "project": sdk.projects.get(ids["project"]),
        "goals": sdk.goals.list(), "signals": sdk.signals.list(),
        "dev_projects": sdk.request("GET", "/api/v1/projects"), "feedback": sdk.feedback.list(),
        "tickets": sdk.tickets.list(), "lists": sdk.boards.lists.list(project_id=ids["board"]),
        "cards": sdk.boards.cards.list(project_id=ids["board"]),
        "time": sdk.time.list("2026-05-04", frequency="month"), "tags": sdk.request("GET", "/v1/track/tags"),
        "invoices": sdk.invoices.list(), "invoice": sdk.invoices.get(ids["invoice"]),
        "clients": sdk.invoice_clients.list(), "drafts": sdk.drafts.list(),
        "tokens": sdk.tokens.list(), "rules": sdk.request("GET", "/api/triage/rules"),
        "templates": sdk.templates.list(), "template": sdk.templates.get(ids["template"]),
        "versions": sdk.templates.versions(ids["template"]), "reviews": sdk.templates.reviews(ids["template"]),
        "queue": _timeless(sdk.dispatch.queue()), "stats": sdk.dashboard.stats(), "prompts": sdk.dashboard.prompts(),
    }  # fmt: skip
    return _normalise(snap, sdk.base_url)


def _timeless(queue):
    """The queue's age bonus grows with the clock: compare the order and the other parts of the score."""
    return [
        (item["issue"], {k: v for k, v in item["breakdown"].items() if k != "ageBonus"})
        for item in queue["data"]
    ]


def _normalise(value, base):
    if isinstance(value, dict):
        return {k: _normalise(v, base) for k, v in value.items() if k not in ("last_used_at", "lastUsedAt")}
    if isinstance(value, list):
        return [_normalise(v, base) for v in value]
    if isinstance(value, str):
        return value.replace(base, "<base>")
    return value


def test_export_sqlite_import_postgresql_round_trip(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("LOOP_")]:
        monkeypatch.delenv(key)
    pg_url, drop = _pg_database()
    runner = CliRunner()
    source_dir, target_dir = tmp_path / "sqlite-data", tmp_path / "pg-data"
    server = start_server(source_dir)
    try:
        with LoopClient(server.url, server.token) as sdk:
            ids = _populate(sdk)
            before = _snapshot(sdk, ids)
    finally:
        stop_server(server)
    token = server.token
    assert before["issues"]["total"] == 7 and before["invoice"]["total"] == "149.47"

    archive = tmp_path / "acme.zip"
    done = runner.invoke(cli, ["export", "-o", str(archive), "--data-dir", str(source_dir)])
    assert done.exit_code == 0, done.output
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["tables"]["issues"] == 7 and manifest["tables"]["comments"] == 2
    assert manifest["tables"]["invoice_line_items"] == 1 and manifest["tables"]["time_entry_tags"] == 1

    # a stored upload of the organisation travels with it
    files = source_dir / "files" / manifest["organisation"]["id"] / "feedback" / "x"
    files.mkdir(parents=True)
    (files / "screenshot.png").write_bytes(b"\x89PNG fake")
    done = runner.invoke(cli, ["export", "-o", str(archive), "--data-dir", str(source_dir)])
    assert done.exit_code == 0 and "1 files" in done.output

    secret = (source_dir / "secret.key").read_text().strip()
    store = ["--database-url", pg_url, "--data-dir", str(target_dir)]
    try:
        wrong_key = runner.invoke(
            cli, ["import", str(archive), *store], env={"LOOP_SECRET_KEY": "other" * 10}
        )
        assert wrong_key.exit_code == 5 and "secret key differs" in wrong_key.output
        imported = runner.invoke(cli, ["import", str(archive), *store], env={"LOOP_SECRET_KEY": secret})
        assert imported.exit_code == 0, imported.output
        assert "counts verified" in imported.output
        restored = target_dir / "files" / manifest["organisation"]["id"] / "feedback" / "x" / "screenshot.png"
        assert restored.read_bytes() == b"\x89PNG fake"
        again = runner.invoke(cli, ["import", str(archive), *store], env={"LOOP_SECRET_KEY": secret})
        assert again.exit_code == 5 and "not empty" in again.output

        server = start_server(target_dir, database_url=pg_url, env={"LOOP_SECRET_KEY": secret})
        try:
            with LoopClient(server.url, token) as sdk:
                after = _snapshot(sdk, ids)
        finally:
            stop_server(server)
        diffs = [(k, _first_diff(before[k], after[k])) for k in before if before[k] != after[k]]
        assert diffs == []
    finally:
        drop()


def test_import_refuses_what_is_not_an_export(tmp_path):
    runner = CliRunner()
    bogus = tmp_path / "x.zip"
    bogus.write_text("not a zip")
    done = runner.invoke(cli, ["import", str(bogus), "--data-dir", str(tmp_path / "d")])
    # The message is wrapped to the terminal width, and the path's length moves the line break.
    assert done.exit_code == 5 and "not a Loop export" in " ".join(done.output.split())
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    done = runner.invoke(cli, ["import", str(bogus), "--data-dir", str(tmp_path / "d")])
    assert done.exit_code == 5 and "not a Loop export" in " ".join(done.output.split())
    assert not (tmp_path / "d" / "loop.db").exists()


def _first_diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return _first_diff(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_diff(x, y, f"{path}[{i}]")
    return path, a, b
