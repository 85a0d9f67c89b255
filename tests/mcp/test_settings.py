"""The endpoint inside the app (no server process): mounting, the switch, hosts and origins."""

from __future__ import annotations

import httpx2

from loop.app import create_app
from loop.config import Settings
from loop.mcp.server import transport_security
from tests.conftest import make_settings
from tests.mcp.conftest import INITIALIZE, MCP_HEADERS


def test_allowed_hosts_and_origins_from_settings(tmp_path):
    default = transport_security(Settings(data_dir=tmp_path))
    assert default.enable_dns_rebinding_protection
    assert {"127.0.0.1:*", "localhost:*", "[::1]:*"} <= set(default.allowed_hosts)
    assert "http://localhost:*" in default.allowed_origins

    deployed = transport_security(
        Settings(
            data_dir=tmp_path,
            host="loop.lan",
            public_url="https://loop.example.com",
            mcp_allowed_hosts="proxy.internal:*, other.example",  # type: ignore[arg-type]
            mcp_allowed_origins="https://app.example.com",  # type: ignore[arg-type]
        )
    )
    assert {"loop.lan", "loop.lan:*", "loop.example.com", "proxy.internal:*", "other.example"} <= set(
        deployed.allowed_hosts
    )
    assert {"https://loop.example.com", "https://app.example.com"} <= set(deployed.allowed_origins)

    assert "0.0.0.0" not in transport_security(Settings(data_dir=tmp_path, host="0.0.0.0")).allowed_hosts
    off = transport_security(Settings(data_dir=tmp_path, mcp_allowed_hosts=["*"]))
    assert not off.enable_dns_rebinding_protection


async def _post(app, headers):
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
        return await http.post("/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers})


async def test_in_process_app_serves_mcp_on_allowed_hosts_only(database_url, tmp_path, factory):
    account = await factory.account()
    allowed = create_app(make_settings(database_url, tmp_path / "a", mcp_allowed_hosts=["testserver"]))
    async with allowed.router.lifespan_context(allowed):
        response = await _post(allowed, account.headers)
        assert response.status_code == 200
        assert response.json()["result"]["serverInfo"]["name"] == "loop"
        assert (await _post(allowed, {})).status_code == 401

    strict = create_app(make_settings(database_url, tmp_path / "b"))
    async with strict.router.lifespan_context(strict):
        assert (await _post(strict, account.headers)).status_code == 421  # "testserver" is not a known host


async def test_switched_off(database_url, tmp_path, factory):
    account = await factory.account()
    app = create_app(make_settings(database_url, tmp_path / "c", mcp_enabled=False))
    async with app.router.lifespan_context(app):
        response = await _post(app, account.headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found", "code": "not_found"}


async def test_browser_clients_may_send_the_mcp_headers(tmp_path, database_url):
    app = create_app(
        make_settings(database_url, tmp_path / "data", cors_origins=["https://inspector.example"])
    )
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:

        async def preflight_from(origin: str, requested: str) -> httpx2.Response:
            headers = {
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": requested,
            }
            return await http.options("/mcp", headers=headers)

        preflight = await preflight_from(
            "https://inspector.example", "authorization, content-type, mcp-protocol-version"
        )
        assert preflight.status_code == 200
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "mcp-protocol-version" in allowed and "authorization" in allowed
        assert preflight.headers["access-control-allow-origin"] == "https://inspector.example"
        # an origin that is not configured gets no grant
        other = await preflight_from("https://evil.example", "mcp-protocol-version")
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
