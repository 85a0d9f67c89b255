"""``loop webhooks`` and ``loop signals`` against the local store; a secret set with the CLI verifies a
delivery served by the app on the same store."""

from __future__ import annotations

import asyncio
import json

import httpx2
from typer.testing import CliRunner

from loop.app import create_app
from loop.cli.common import build_settings
from loop.cli.main import app as cli
from loop.cli.serve import prepare
from tests.conftest import PG_URL, fresh_database, make_settings
from tests.signals.conftest import fixture_bytes, sign


def test_webhook_and_signal_commands(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("LOOP_SECRET_KEY", "cli-test-secret")
    with fresh_database(tmp_path, migrated=bool(PG_URL)) as url:
        store = ["--data-dir", str(tmp_path / "data"), "--database-url", url]
        boot = asyncio.run(prepare(build_settings(tmp_path / "data", url)))
        assert boot is not None
        org_id = boot.organisation.id

        listed = runner.invoke(cli, ["webhooks", "list", "--json", *store])
        assert listed.exit_code == 0, listed.output
        assert [(w["provider"], w["configured"]) for w in json.loads(listed.output)] == [
            ("github", False), ("sentry", False), ("posthog", False),
        ]  # fmt: skip
        neither = runner.invoke(cli, ["webhooks", "set", "github", *store])
        assert neither.exit_code == 1 and "--secret" in neither.output
        done = runner.invoke(cli, ["webhooks", "set", "github", "--secret", "cli-github-secret", *store])
        assert done.exit_code == 0, done.output
        assert f"/api/signals/github?org={org_id}" in done.output and "X-Hub-Signature-256" in done.output
        generated = runner.invoke(cli, ["webhooks", "set", "posthog", "--generate", "--json", *store])
        assert len(json.loads(generated.output)["secret"]) == 64
        unknown = runner.invoke(cli, ["webhooks", "set", "gitlab", "--secret", "whatever-secret", *store])
        assert unknown.exit_code == 1 and "Unknown webhook provider" in unknown.output

        rules = runner.invoke(cli, ["signals", "rules", "--json", *store])
        assert rules.exit_code == 0, rules.output
        assert [r["match"]["severity"] for r in json.loads(rules.output)] == [["critical", "high"]]
        assert runner.invoke(cli, ["signals", "rules", *store]).exit_code == 0
        window = runner.invoke(cli, ["signals", "window", "--hours", "6", *store])
        assert window.exit_code == 0 and "6 h (21600 s)" in window.output

        # the app on the same store verifies a delivery signed with the CLI's secret
        async def deliver():
            app = create_app(make_settings(url, tmp_path / "data", secret_key="cli-test-secret"))
            async with app.router.lifespan_context(app):
                transport = httpx2.ASGITransport(app=app)
                async with httpx2.AsyncClient(transport=transport, base_url="http://t") as http:
                    body = fixture_bytes("github", "workflow_run__failure")
                    headers = sign("github", "cli-github-secret", body, "workflow_run")
                    return await http.post(f"/api/signals/github?org={org_id}", content=body, headers=headers)

        response = asyncio.run(deliver())
        assert response.status_code == 201, response.text
        signals = runner.invoke(cli, ["signals", "list", "--source", "github", "--json", *store])
        assert signals.exit_code == 0, signals.output
        assert json.loads(signals.output)["total"] == 1

        unset = runner.invoke(cli, ["webhooks", "unset", "github", *store])
        assert unset.exit_code == 0
        again = runner.invoke(cli, ["webhooks", "unset", "github", *store])
        assert again.exit_code == 1 and "not configured" in again.output
