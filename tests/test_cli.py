"""The command line: first start of a real server process, and token management in the local store."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time

import httpx2
import pytest
from typer.testing import CliRunner

from loop.cli.common import build_settings
from loop.cli.main import app as cli
from loop.cli.serve import prepare
from tests.conftest import PG_URL, free_port, fresh_database

TOKEN_LINE = re.compile(r"^Token: (tok_[0-9a-f]{64})$", re.M)


def _start(data_dir, port):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
    env["LOOP_LOG_FORMAT"] = "json"
    return subprocess.Popen(
        [sys.executable, "-m", "loop", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip


def _wait_until_up(proc, port, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read()}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not come up")


def _stop(proc):
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


@pytest.mark.slow
def test_first_start_prints_a_working_token_once(tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    proc = _start(data_dir, port)
    try:
        _wait_until_up(proc, port)
        base = f"http://127.0.0.1:{port}"
        health = httpx2.get(f"{base}/health").json()
        assert health["ok"] is True
    finally:
        out = _stop(proc)
    match = TOKEN_LINE.search(out)
    assert match, out
    token = match.group(1)
    assert "Next steps" in out and "/docs" in out
    assert (data_dir / "loop.db").exists() and (data_dir / "secret.key").exists()
    assert oct((data_dir / "secret.key").stat().st_mode & 0o777) == "0o600"

    # second start: same store, no new token, and the first token still works
    port = free_port()
    proc = _start(data_dir, port)
    try:
        _wait_until_up(proc, port)
        response = httpx2.get(
            f"http://127.0.0.1:{port}/api/v1/tokens", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        assert response.json()["data"][0]["name"] == "First token"
        assert (
            httpx2.get(
                f"http://127.0.0.1:{port}/api/v1/tokens", headers={"Authorization": "Bearer nope"}
            ).status_code
            == 401
        )
    finally:
        out = _stop(proc)
    assert not TOKEN_LINE.search(out)


@pytest.mark.slow
def test_serve_binds_loopback_by_default(tmp_path):
    port = free_port()
    proc = _start(tmp_path / "d", port)
    try:
        _wait_until_up(proc, port)
    finally:
        out = _stop(proc)
    assert f"http://127.0.0.1:{port}" in out


def test_tokens_commands_against_the_local_store(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("LOOP_SECRET_KEY", "cli-test-secret")
    with fresh_database(tmp_path, migrated=bool(PG_URL)) as url:
        store = ["--data-dir", str(tmp_path / "data"), "--database-url", url]
        # the store is migrated (embedded) or already at head (PostgreSQL), but has no organisation yet
        empty = runner.invoke(cli, ["tokens", "list", *store])
        assert empty.exit_code == 1 and "loop serve" in empty.output

        boot = asyncio.run(prepare(build_settings(tmp_path / "data", url)))
        assert boot is not None

        created = runner.invoke(
            cli, ["tokens", "create", "--name", "CI Pipeline", "--preset", "read-all", "--json", *store]
        )
        assert created.exit_code == 0, created.output
        data = json.loads(created.output)
        assert data["scopes"] == ["read:*"] and data["token"].startswith("tok_")

        listed = runner.invoke(cli, ["tokens", "list", "--json", *store])
        names = {row["name"]: row for row in json.loads(listed.output)}
        assert set(names) == {"First token", "CI Pipeline"}
        assert "token" not in names["CI Pipeline"]

        revoked = runner.invoke(cli, ["tokens", "revoke", data["prefix"], *store])
        assert revoked.exit_code == 0 and "revoked CI Pipeline" in revoked.output
        after = json.loads(runner.invoke(cli, ["tokens", "list", "--json", *store]).output)
        assert [row["name"] for row in after] == ["First token"]
        with_revoked = json.loads(runner.invoke(cli, ["tokens", "list", "--all", "--json", *store]).output)
        assert len(with_revoked) == 2

        bad = runner.invoke(cli, ["tokens", "create", "--name", "x", "--scope", "read:nothing", *store])
        assert bad.exit_code == 1 and "Unknown scope" in bad.output
        missing = runner.invoke(cli, ["tokens", "revoke", "tok_ffffffff", *store])
        assert missing.exit_code == 1 and "No token has that prefix" in missing.output
