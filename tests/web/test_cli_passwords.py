"""First start prints a dashboard password for the owner; ``loop users set-password`` resets one."""

from __future__ import annotations

import asyncio

from typer.testing import CliRunner

from loop.cli.common import build_settings, open_database
from loop.cli.main import app as cli
from loop.cli.serve import prepare
from loop.orgs.repository import OrgRepository
from loop.web.passwords import verify_password
from tests.conftest import PG_URL, fresh_database


async def _hash_of(settings, email):
    async with open_database(settings) as database, database.read() as session:
        user = await OrgRepository(session).user_by_email(email)
        return user.password_hash


def test_first_start_password_and_reset(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOP_SECRET_KEY", "cli-test-secret")
    with fresh_database(tmp_path, migrated=bool(PG_URL)) as url:
        settings = build_settings(tmp_path / "data", url)
        boot = asyncio.run(prepare(settings))
        assert boot is not None and boot.dashboard_password
        stored = asyncio.run(_hash_of(settings, boot.owner.email))
        assert boot.dashboard_password not in stored
        assert verify_password(boot.dashboard_password, stored)
        assert asyncio.run(prepare(settings)) is None  # a second start prints nothing new

        store = ["--data-dir", str(tmp_path / "data"), "--database-url", url]
        runner = CliRunner()
        chosen = runner.invoke(
            cli, ["users", "set-password", boot.owner.email, "--password", "new-pass-123", *store]
        )
        assert chosen.exit_code == 0, chosen.output
        assert verify_password("new-pass-123", asyncio.run(_hash_of(settings, boot.owner.email)))
        generated = runner.invoke(cli, ["users", "set-password", boot.owner.email, *store])
        assert generated.exit_code == 0
        password = generated.output.split("Password: ", 1)[1].strip()
        assert verify_password(password, asyncio.run(_hash_of(settings, boot.owner.email)))
        short = runner.invoke(cli, ["users", "set-password", boot.owner.email, "--password", "short", *store])
        assert short.exit_code == 1
        unknown = runner.invoke(cli, ["users", "set-password", "nobody@example.com", *store])
        assert unknown.exit_code == 1 and "No user" in unknown.output
