"""The client commands against a real server process: each group's main paths, ``--json`` parsed back, error
messages on stderr with distinct exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_auth_login_status_logout(loop, tmp_path):
    no_token = {"LOOP_TOKEN": None, "LOOP_URL": None}
    status = loop("auth", "status", env=no_token, code=3)
    assert "no token configured" in status.output

    bad = loop("auth", "login", "--url", loop.server.url, "--token", "tok_" + "0" * 64, env=no_token, code=3)
    assert "refused the token" in bad.stderr
    unreachable = loop("auth", "login", "--url", "http://127.0.0.1:9", "--token", "x", env=no_token, code=6)
    assert "cannot reach" in unreachable.stderr

    loop("auth", "login", "--url", loop.server.url, "--token", loop.server.token, env=no_token)
    path = tmp_path / "config" / "config.json"
    assert json.loads(path.read_text()) == {"url": loop.server.url, "token": loop.server.token}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    report = loop.json("auth", "status", env=no_token)
    assert report["ok"] is True and report["token_source"] == str(path)
    assert loop.server.token not in json.dumps(report)  # masked
    # the saved login is used by client commands; env overrides it
    assert loop.json("issues", "list", env=no_token)["total"] >= 0
    loop("issues", "list", env={**no_token, "LOOP_TOKEN": "tok_" + "1" * 64}, code=3)
    loop("auth", "logout", env=no_token)
    assert not path.exists()
    loop("issues", "list", env=no_token, code=3)


def test_issues_comments_relations_labels_triage(loop):
    label = loop.json("labels", "create", "--name", "cli-bug", "--color", "#ff0000")
    issue = loop.json("issues", "create", "CLI issue", "--type", "task", "--status", "todo", "--priority", "2",
                      "--label", label["id"])  # fmt: skip
    assert issue["status"] == "todo" and issue["priority"] == 2
    other = loop.json("issues", "create", "Blocker", "--type", "task")
    assert other["status"] == "triage"

    listed = loop.json("issues", "list", "--status", "todo")
    assert issue["id"] in [i["id"] for i in listed["data"]]
    table = loop("issues", "list", "--status", "todo").stdout
    assert "CLI issue" in table and "todo" in table

    got = loop.json("issues", "get", issue["id"])
    assert [lb["name"] for lb in got["labels"]] == ["cli-bug"]
    updated = loop.json("issues", "update", issue["id"], "--status", "in_progress", "--summary", "working")
    assert updated["status"] == "in_progress" and updated["agentSummary"] == "working"

    loop("comments", "add", issue["id"], "First note", "--author", "ana")
    threads = loop.json("comments", "list", issue["id"])
    assert threads["data"][0]["body"] == "First note" and threads["data"][0]["authorName"] == "ana"

    rel = loop.json("relations", "add", issue["id"], "blocked_by", other["id"])
    assert loop.json("relations", "list", issue["id"])[0]["id"] == rel["id"]
    loop("relations", "delete", rel["id"])

    triage = loop.json("triage")
    assert other["id"] in [i["id"] for i in triage["data"]]
    loop("triage", "accept", other["id"])
    assert loop.json("issues", "get", other["id"])["status"] == "todo"

    closed = loop.json("issues", "close", issue["id"], "--outcome", "Fixed in #42")
    assert closed["status"] == "done" and closed["completedAt"]
    assert loop.json("comments", "list", issue["id"])["total"] == 2

    every = loop.json("issues", "list", "--all")
    assert every["total"] == len(every["data"]) >= 2
    labels = loop.json("labels", "list")
    assert "cli-bug" in [lb["name"] for lb in labels["data"]]
    loop("labels", "delete", label["id"])


def test_errors_exit_codes_and_messages(loop):
    missing = loop("issues", "get", "nope", code=4)
    assert "Issue not found" in missing.stderr and "HTTP 404" in missing.stderr
    invalid = loop("issues", "create", "x", "--type", "nonsense", code=5)
    assert "error:" in invalid.stderr
    loop("issues", "list", "--priority", "9", code=2)  # usage: rejected before any request
    dup = loop.json("labels", "create", "--name", "dup-label")
    conflict = loop("labels", "create", "--name", "dup-label", code=5)
    assert "409" in conflict.stderr
    loop("labels", "delete", dup["id"])
    denied = loop("issues", "list", env={"LOOP_TOKEN": "tok_" + "2" * 64}, code=3)
    assert "loop auth login" in denied.stderr
    loop("issues", "list", env={"LOOP_URL": "http://127.0.0.1:9"}, code=6)


def test_exit_code_from_a_real_process(loop):
    env = {**os.environ, **{k: v for k, v in loop.env.items() if v is not None}}
    done = subprocess.run([sys.executable, "-m", "loop", "issues", "get", "missing-id"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 4 and "Issue not found" in done.stderr and done.stdout == ""


def test_projects_goals_signals_status(loop):
    goal = loop.json(
        "goals", "create", "Cut latency", "--metric", "p95", "--target", "200", "--current", "450"
    )
    project = loop.json("projects", "create", "Checkout", "--goal", goal["id"])
    assert loop.json("projects", "get", project["id"])["goal"]["id"] == goal["id"]
    assert loop.json("projects", "update", project["id"], "--health", "at_risk")["health"] == "at_risk"
    assert loop.json("goals", "update", goal["id"], "--current", "300")["currentValue"] == 300
    assert goal["id"] in [g["id"] for g in loop.json("goals", "list")["data"]]
    assert project["id"] in [p["id"] for p in loop.json("projects", "list", "--all")["data"]]

    made = loop.json(
        "signals", "ingest", "Checkout errors doubled", "--severity", "high", "--source", "grafana"
    )
    assert made["signal"]["severity"] == "high" and made["issue"]["id"] == made["signal"]["issueId"]
    assert (
        loop.json("signals", "get", made["signal"]["id"])["payload"]["message"] == "Checkout errors doubled"
    )
    listed = loop.json("signals", "list", "--source", "grafana")
    assert [s["id"] for s in listed["data"]] == [made["signal"]["id"]]

    report = loop.json("status")
    assert report["health"]["ok"] is True and report["stats"]["issues"]["total"] >= 1
    assert "Issues:" in loop("dashboard").stdout


def test_feedback_tickets_boards(loop):
    from loop.client import LoopClient

    with LoopClient(loop.server.url, loop.server.token) as sdk:
        site = sdk.request(
            "POST",
            "/api/v1/projects",
            json={"name": "Site", "type": "website", "url": "https://example.com"},
            unwrap="data",
        )
        board = sdk.request(
            "POST", "/api/v1/projects", json={"name": "Board", "type": "board"}, unwrap="data"
        )
    fb = loop.json("feedback", "create", "--project", site["id"], "Start trial button is grey on my phone",
                   "--type", "bug", "--description", "Tapping it does nothing on iOS")  # fmt: skip
    assert fb["status"] == "new"
    assert fb["id"] in [f["id"] for f in loop.json("feedback", "list", "--project", site["id"])["data"]]
    assert loop.json("feedback", "update", fb["id"], "--status", "in_progress")["status"] == "in_progress"
    assert loop.json("feedback", "get", fb["id"])["title"].startswith("Start trial")

    ticket = loop.json("tickets", "generate", fb["id"])
    assert ticket["source_id"] == fb["id"] and ticket["description"].startswith("## Summary")
    assert loop.json("tickets", "update", ticket["id"], "--status", "done")["status"] == "done"
    assert ticket["id"] in [t["id"] for t in loop.json("tickets", "list", "--all")["data"]]
    loop("tickets", "generate", "missing", code=4)

    todo = loop.json("boards", "add-list", board["id"], "Todo")
    doing = loop.json("boards", "add-list", board["id"], "Doing")
    assert [x["name"] for x in loop.json("boards", "lists", board["id"])["data"]][-2:] == ["Todo", "Doing"]
    card = loop.json("boards", "add-card", todo["id"], "Build pricing table", "--due", "2026-12-01")
    moved = loop.json("boards", "move", card["id"], "--to", doing["id"], "--position", "0")
    assert moved["list_id"] == doing["id"]
    assert [c["id"] for c in loop.json("boards", "cards", "--list", doing["id"])["data"]] == [card["id"]]
    loop("boards", "cards", code=2)
    loop("feedback", "delete", fb["id"])
    loop("feedback", "get", fb["id"], code=4)


def test_time_invoices_pdf_drafts(loop, tmp_path):
    from loop.client import LoopClient

    entry = loop.json("time", "add", "Design review", "2h30m", "--date", "2026-05-04")
    assert entry["durationSeconds"] == 9000
    week = loop.json("time", "list", "--date", "2026-05-08")
    assert [e["id"] for e in week] == [entry["id"]]
    assert "2.50" in loop("time", "list", "--date", "2026-05-08").stdout
    loop("time", "add", "x", "forever", code=2)

    with LoopClient(loop.server.url, loop.server.token) as sdk:
        client = sdk.invoice_clients.create(name="Acme Client", email="ana@client.example.com",
                                            address={"line1": "1 Main St", "postalCode": "8001"})  # fmt: skip
    inv = loop.json("invoices", "create", "--client", client["id"], "--line", "Design review;2.5;100",
                    "--tax", "15")  # fmt: skip
    assert inv["total"] == "287.50"
    assert inv["id"] in [i["id"] for i in loop.json("invoices", "list", "--all")["data"]]
    assert loop.json("invoices", "get", inv["id"])["lineItems"][0]["amount"] == "250.00"
    target = tmp_path / "inv.pdf"
    loop("invoices", "pdf", inv["id"], "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    paid = loop.json("invoices", "status", inv["id"], "paid")
    assert paid["status"] == "PAID"
    loop("invoices", "get", "missing", code=4)
    loop("invoices", "create", "--client", client["id"], "--line", "bad", code=2)

    draft = loop.json("drafts", "create", "--to", "ana@client.example.com", "--subject", "Your invoice",
                      "--body", "<p>Hello</p>")  # fmt: skip
    assert draft["status"] == "draft" and draft["to_fields"][0]["address"] == "ana@client.example.com"
    assert loop.json("drafts", "get", draft["id"])["subject"] == "Your invoice"
    assert draft["id"] in [d["id"] for d in loop.json("drafts", "list")["drafts"]]
    sent = loop.json("drafts", "send", draft["id"])
    assert sent["status"] in ("queued", "sending", "sent")
    bad = loop("drafts", "create", "--to", "bob@", "--subject", "x", code=5)
    assert "Invalid email address" in bad.stderr
    loop("drafts", "delete", draft["id"])


def test_tokens_through_the_api(loop):
    made = loop.json("tokens", "create", "--name", "CLI agent", "--preset", "read-all")
    assert made["token"].startswith("tok_") and made["scopes"] == ["read:*"]
    names = [t["name"] for t in loop.json("tokens", "list")]
    assert "CLI agent" in names
    # the new read-only token can read but not write
    reader = {"LOOP_TOKEN": made["token"]}
    loop("issues", "list", env=reader)
    denied = loop("issues", "create", "nope", env=reader, code=3)
    assert "lacks" in denied.stderr or "403" in denied.stderr
    loop("tokens", "revoke", made["prefix"])
    loop("issues", "list", env=reader, code=3)
    assert "CLI agent" not in [t["name"] for t in loop.json("tokens", "list")]


def test_every_command_has_an_example():
    from typer.main import get_command

    from loop.cli.main import app

    def walk(command, path):
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, command

    missing = [" ".join(path) for path, command in walk(get_command(app), ["loop"])
               if not command.hidden and "Example:" not in (command.help or "")]  # fmt: skip
    assert missing == []


def test_completions_prints_a_script(loop):
    assert "_LOOP_COMPLETE" in loop("completions", "bash").stdout
    loop("completions", "tcsh", code=2)


def test_serve_prints_where_the_docs_and_dashboard_are(server):
    assert f"{server.url}/docs" in server.output and f"{server.url}/app" in server.output
    from typer.testing import CliRunner

    from loop.cli.main import app

    text = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"}).output
    assert all(option in text for option in ("--host", "--port", "--workers"))


def test_global_url_and_token_options_and_full_ids_in_tables(loop):
    made = loop.json("issues", "create", "Global options")
    no_env = {"LOOP_TOKEN": None, "LOOP_URL": None, "COLUMNS": "80"}
    text = loop("--url", loop.server.url, "--token", loop.server.token, "issues", "list", "-q", "Global options",
                env=no_env).stdout  # fmt: skip
    assert made["id"] in text  # not cut, even at 80 columns
    loop("--url", loop.server.url, "issues", "list", env=no_env, code=3)


def test_config_commands_and_plain_output(loop, tmp_path):
    no_env = {"LOOP_TOKEN": None, "LOOP_URL": None}
    loop("config", "set", "url", loop.server.url + "/", env=no_env)
    loop("config", "set", "token", loop.server.token, env=no_env)
    assert loop("config", "get", "url", env=no_env).stdout.strip() == loop.server.url
    assert loop.server.token not in loop("config", "list", env=no_env).stdout
    loop("config", "set", "colour", "blue", env=no_env, code=2)
    made = loop.json("labels", "create", "--name", "plain-label", "--color", "#123456", env=no_env)
    lines = loop("--plain", "labels", "list", "--all", env=no_env).stdout.splitlines()
    assert f"{made['id']}\tplain-label\t#123456" in lines
    loop("labels", "delete", made["id"], env=no_env)


def test_export_while_the_server_runs(loop, tmp_path):
    import zipfile

    from loop.client import LoopClient

    loop.json("issues", "create", "Exported live")
    with LoopClient(loop.server.url, loop.server.token) as sdk:
        total = sdk.issues.list(includeDeleted=True, limit=1)["total"]
    archive = tmp_path / "live.zip"
    loop("export", "-o", str(archive), "--data-dir", str(loop.server.data_dir))
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["tables"]["issues"] == total
    loop.json("issues", "create", "The server still writes")  # the export held nothing up
