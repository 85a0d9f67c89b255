"""``loop next`` / ``queue`` / ``heartbeat`` / ``release`` / ``review`` / ``templates`` against a real server."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_next_on_an_empty_queue_claims_nothing(loop):
    project = loop.json("projects", "create", "Empty queue")
    waiting = loop.json("issues", "create", "Still in triage", "--project", project["id"])
    done = loop("next", "--project", project["id"])
    assert done.stdout.strip() == "No issues ready"
    assert loop.json("next", "--project", project["id"]) is None
    assert loop.json("queue", "--project", project["id"])["total"] == 0
    # nothing was claimed on the way
    assert loop.json("issues", "get", waiting["id"])["status"] == "triage"
    assert loop.json("issues", "list", "--project", project["id"], "--status", "in_progress")["total"] == 0


def test_next_claims_one_issue_and_prints_its_prompt(loop, tmp_path):
    project = loop.json("projects", "create", "Busy queue")
    first = loop.json("issues", "create", "Urgent one", "--project", project["id"], "--status", "todo",
                      "--priority", "1")  # fmt: skip
    second = loop.json("issues", "create", "Later one", "--project", project["id"], "--status", "todo",
                       "--priority", "4")  # fmt: skip
    queue = loop.json("queue", "--project", project["id"])
    assert [q["issue"]["id"] for q in queue["data"]] == [first["id"], second["id"]]
    assert "Urgent one" in loop("queue", "--project", project["id"]).stdout

    hbs = tmp_path / "t.hbs"
    hbs.write_text("Work on #{{issue.number}}: {{issue.title}}")
    template = loop.json("templates", "create", "cli-busy", "--name", "CLI busy",
                         "--conditions", '{"projectId": "' + project["id"] + '"}', "--specificity", "90",
                         "--content", str(hbs))  # fmt: skip
    assert template["version"]["status"] == "active"
    assert template["id"] in [t["id"] for t in loop.json("templates", "list", "--all")["data"]]
    preview = loop.json("templates", "preview", first["id"])
    assert preview["prompt"].startswith(f"Work on #{first['number']}: Urgent one")
    assert loop.json("issues", "get", first["id"])["status"] == "todo"  # a preview claims nothing

    claim = loop.json(
        "next", "--project", project["id"], "--agent", "cli-test", "--idempotency-key", "k-cli-1"
    )
    repeated = loop.json("next", "--project", project["id"], "--idempotency-key", "k-cli-1")
    assert repeated["issue"]["id"] == claim["issue"]["id"]  # a lost answer is recovered, nothing more claimed
    assert claim["issue"]["id"] == first["id"] and claim["prompt"].startswith("Work on #")
    assert claim["meta"]["templateSlug"] == "cli-busy"
    assert loop.json("issues", "get", first["id"])["status"] == "in_progress"
    assert loop.json("queue", "--project", project["id"])["total"] == 1

    assert loop.json("heartbeat", first["id"])["status"] == "active"
    loop("review", claim["meta"]["versionId"], first["id"], "--clarity", "4", "--completeness", "3",
         "--relevance", "5", "--feedback", "fine")  # fmt: skip
    loop("review", claim["meta"]["versionId"], first["id"], "--clarity", "9", "--completeness", "3",
         "--relevance", "5", code=2)  # fmt: skip

    text = loop("next", "--project", project["id"]).stdout
    assert f"Claimed #{second['number']}" in text and "Later one" in text
    released = loop.json("release", second["id"], "--reason", "needs a human")
    assert released["status"] != "active"
    assert loop.json("issues", "get", second["id"])["status"] == "todo"
    prompt = loop("next", "--project", project["id"], "--prompt").stdout
    assert prompt.strip() == f"Work on #{second['number']}: Later one"
    assert loop("next", "--project", project["id"]).stdout.strip() == "No issues ready"

    hbs.write_text("v2 {{issue.title}}")
    v2 = loop.json("templates", "add-version", template["id"], str(hbs), "--changelog", "shorter")
    assert v2["status"] == "draft"
    assert loop.json("templates", "promote", template["id"], v2["id"])["status"] == "active"
    shown = loop.json("templates", "get", template["id"])
    assert shown["activeVersionId"] == v2["id"] and len(shown["versions"]) == 2
    loop("templates", "get", "missing", code=4)
    loop("release", "missing", code=4)


def test_a_lost_claim_answer_prints_how_to_recover_it(loop):
    lost = loop("next", env={"LOOP_URL": "http://127.0.0.1:9"}, code=6)
    assert "loop next --idempotency-key " in lost.stderr and "cannot reach" in lost.stderr
