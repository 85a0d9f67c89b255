"""Health, service info, docs, OpenAPI, metrics, request ids, vendored assets."""

import hashlib
import json
from pathlib import Path

import loop

STATIC = Path(loop.__file__).parent / "web" / "static"


async def test_health_checks_the_database(client, app, monkeypatch):
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["service"] == "loop-api" and body["database"] == "ok"
    assert body["timestamp"].endswith("Z")

    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def broken():
        raise ConnectionError("database down")
        yield

    monkeypatch.setattr(app.state.database, "read", broken)
    down = await client.get("/health")
    assert down.status_code == 503
    assert down.json()["ok"] is False and down.json()["database"] == "unavailable"


async def test_root_answers_json_or_the_reference_page(client):
    info = await client.get("/")
    assert info.status_code == 200
    assert info.json()["name"] == "Loop API"
    assert info.json()["version"] == loop.__version__
    page = await client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.headers["content-type"].startswith("text/html")
    assert "/static/vendor/scalar/1.72.1/standalone.js" in page.text
    assert "withDefaultFonts: false" in page.text
    assert "cdn" not in page.text.lower()


async def test_docs_page_and_its_script_are_served_locally(client):
    page = await client.get("/docs")
    assert page.status_code == 200 and "Scalar.createApiReference" in page.text
    script = await client.get("/static/vendor/scalar/1.72.1/standalone.js")
    assert script.status_code == 200
    assert len(script.content) > 1_000_000


def test_vendored_files_match_their_manifest():
    manifest = json.loads((STATIC / "vendor" / "MANIFEST.json").read_text())
    assert set(manifest) >= {"scalar/1.72.1/standalone.js", "htmx/2.0.11/htmx.min.js"}
    for rel, entry in manifest.items():
        data = (STATIC / "vendor" / rel).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], rel
        assert entry["version"] in rel


async def test_openapi_documents_the_surfaces_and_auth(client):
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tokens" in spec["paths"]
    assert "/api/v1/tokens/{token_id}" in spec["paths"]
    schemes = spec["components"]["securitySchemes"]
    assert {"HTTPBearer", "APIKeyHeader"} <= set(schemes)
    engine = (await client.get("/api/openapi.json")).json()
    assert all(not p.startswith("/api/v1/") for p in engine["paths"])


async def test_metrics_count_requests_by_route_template(client, account):
    await client.get("/api/v1/tokens", headers=account.headers)
    await client.delete("/api/v1/tokens/does-not-exist", headers=account.headers)
    text = (await client.get("/metrics")).text
    assert 'loop_http_requests_total{method="GET",route="/api/v1/tokens",status="200"} 1.0' in text
    assert 'route="/api/v1/tokens/{token_id}",status="404"' in text
    assert "loop_http_request_duration_seconds_bucket" in text


async def test_request_ids_are_echoed_or_generated(client):
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"
    assert len(generated.headers["x-request-id"]) == 36
