"""A real Loop server process on a fresh database, and MCP clients (the official SDK's) to talk to it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.streamable_http import streamable_http_client

from loop.config import Settings
from loop.core.clock import utcnow
from loop.db.session import Database
from loop.orgs import service as orgs
from loop.tokens.service import create_token
from mcp import Client
from tests.conftest import TEST_SECRET, free_port, fresh_database


@dataclass
class Seeded:
    org_id: str
    owner: str  # write-all token
    reader: str  # read-all token
    issues_only: str  # read:issue + write:issue
    throttled: str  # write-all, 3 requests a minute
    other: str  # write-all token of another organisation
    starter: str  # write-all token of an organisation on the starter plan
    expired: str  # write-all, expired yesterday


@dataclass
class LiveServer:
    base: str
    url: str  # the MCP endpoint
    database_url: str
    data_dir: Path
    tokens: Seeded

    def rest(self, token: str) -> httpx2.Client:
        return httpx2.Client(base_url=self.base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def _seed(database_url: str, data_dir: Path) -> Seeded:
    database = Database(Settings(database_url=database_url, data_dir=data_dir, secret_key=TEST_SECRET))
    try:

        async def account(plan: str = "business") -> tuple[Any, Any]:
            async with database.write() as session:
                org = await orgs.create_organisation(session, f"Org {plan}", plan=plan)
                user = await orgs.create_user(session, f"{os.urandom(4).hex()}@example.com")
                await orgs.add_member(session, org, user, "owner")
            return org, user

        async def token(org: Any, user: Any, *, expired: bool = False, **kwargs: Any) -> str:
            async with database.write() as session:
                credential, raw = await create_token(
                    session, org_id=org.id, user_id=user.id, name="mcp test", **kwargs
                )
                if expired:
                    credential.expires_at = utcnow() - timedelta(days=1)
            return raw

        org, user = await account()
        other_org, other_user = await account()
        starter_org, starter_user = await account("starter")
        return Seeded(
            org_id=org.id,
            owner=await token(org, user),
            reader=await token(org, user, preset="read-all"),
            issues_only=await token(org, user, scopes=["read:issue", "write:issue"]),
            throttled=await token(org, user, rate_limit="3/minute"),
            other=await token(other_org, other_user),
            starter=await token(starter_org, starter_user),
            expired=await token(org, user, expired=True),
        )
    finally:
        await database.dispose()


def start_server(data_dir: Path, database_url: str, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOOP_")}
    env.update(
        LOOP_SECRET_KEY=TEST_SECRET,
        LOOP_AUTO_MIGRATE="false",
        LOOP_LOG_LEVEL="WARNING",
        LOOP_ACCESS_LOG="false",
        LOOP_JOBS_IN_PROCESS="false",
        # room for the whole module's calls; the rate-limit test uses a token with its own small limit
        LOOP_RATE_LIMIT_BUSINESS="100000/minute;1000000/day",
        LOOP_RATE_LIMIT_STARTER="100000/minute;1000000/day",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "loop", "serve", "--data-dir", str(data_dir), "--database-url", database_url,
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip


def wait_until_up(proc: subprocess.Popen[str], base: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx2.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not come up")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("mcp")
    data_dir = tmp / "data"
    with fresh_database(tmp) as url:
        tokens = asyncio.run(_seed(url, data_dir))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(data_dir, url, port)
        try:
            wait_until_up(proc, base)
            yield LiveServer(base=base, url=f"{base}/mcp", database_url=url, data_dir=data_dir, tokens=tokens)
        finally:
            output = stop(proc)
            if "Traceback" in output:
                print(output)


@asynccontextmanager
async def mcp_client(url: str, headers: dict[str, str] | None = None):
    """The SDK's client over streamable HTTP, sending ``headers`` with every request."""
    async with (
        httpx2.AsyncClient(headers=headers or {}, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def body(result: Any) -> Any:
    """A tool result's JSON (success or Loop's error body)."""
    assert len(result.content) == 1 and result.content[0].type == "text"
    return json.loads(result.content[0].text)


async def ok(client: Client, tool: str, arguments: dict[str, Any] | None = None) -> Any:
    result = await client.call_tool(tool, arguments or {})
    assert not result.is_error, result.content[0].text
    return body(result)


async def fails(
    client: Client, tool: str, arguments: dict[str, Any], status: int, code: str
) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.content[0].text
    error = body(result)
    assert (error["status"], error["code"]) == (status, code), error
    assert isinstance(error["error"], str) and error["error"]
    return error


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
