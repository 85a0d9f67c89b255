"""A real ``loop serve`` process for the client commands, and a runner that points the CLI at it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from loop.cli.main import app as cli
from tests.conftest import free_port

TOKEN_LINE = re.compile(r"^Token: (tok_[0-9a-f]{64})$", re.M)


@dataclass
class Server:
    url: str
    token: str
    data_dir: Path
    proc: subprocess.Popen
    output: str = ""


def start_server(
    data_dir: Path,
    *,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Server:
    """Start ``loop serve`` on a free port (another port if that one was taken meanwhile)."""
    for attempt in range(3):
        try:
            return _start_once(data_dir, database_url, env, timeout)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class PortTaken(AssertionError):
    pass


def _start_once(
    data_dir: Path, database_url: str | None, env: dict[str, str] | None, timeout: float
) -> Server:
    port = free_port()
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
    env.update(LOOP_LOG_FORMAT="json", LOOP_LOG_LEVEL="WARNING", **extra)
    args = [sys.executable, "-m", "loop", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    if database_url:
        args += ["--database-url", database_url]
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log = open(data_dir.parent / f"server-{port}.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            output = log.read()
            raise (PortTaken if "address already in use" in output else AssertionError)(
                f"server exited: {output}"
            )
        try:
            if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx2.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("server did not come up")
    log.seek(0)
    output = log.read()
    match = TOKEN_LINE.search(output)
    return Server(url, match.group(1) if match else "", data_dir, proc, output)


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("server")
    srv = start_server(base / "data")
    assert srv.token, "first start printed no token"
    yield srv
    stop_server(srv)


class Loop:
    """Runs ``loop …`` in-process against the server, with its own empty config dir."""

    def __init__(self, server: Server, config_dir: Path) -> None:
        self.server = server
        self.env = {"LOOP_URL": server.url, "LOOP_TOKEN": server.token, "LOOP_CONFIG_DIR": str(config_dir),
                    "COLUMNS": "200"}  # fmt: skip
        self.runner = CliRunner()

    def __call__(
        self, *args: str, env: dict[str, str | None] | None = None, code: int = 0, input: str | None = None
    ):
        result = self.runner.invoke(cli, list(args), env={**self.env, **(env or {})}, input=input)
        assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
        return result

    def json(self, *args: str, **kwargs):
        return json.loads(self(*args, "--json", **kwargs).stdout)


@pytest.fixture
def loop(server, tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("LOOP_")]:
        monkeypatch.delenv(key)
    return Loop(server, tmp_path / "config")
