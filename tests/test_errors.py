"""One error body for every failure, and a 4xx for every kind of bad input."""

import pytest

TOKENS = "/api/v1/tokens"


async def test_unknown_route(client):
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found", "code": "not_found"}
    assert response.headers["content-type"] == "application/json"


async def test_wrong_method(client):
    response = await client.put("/health")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "PUT" in response.json()["error"]


async def test_malformed_json(client, account):
    response = await client.post(
        TOKENS, content=b'{"name": "x",', headers={**account.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Malformed JSON in request body", "code": "invalid_json"}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_wrong_content_type(client, account, content_type):
    response = await client.post(
        TOKENS, content=b'{"name": "x"}', headers={**account.headers, "Content-Type": content_type}
    )
    assert response.status_code == 415
    assert response.json() == {
        "error": "Content-Type must be application/json",
        "code": "unsupported_media_type",
    }


async def test_missing_body(client, account):
    response = await client.post(TOKENS, headers=account.headers)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["details"][0]["field"] == "body"


async def test_body_of_the_wrong_json_type(client, account):
    response = await client.post(TOKENS, json=["name"], headers=account.headers)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_invalid_field_names_the_field(client, account):
    response = await client.post(TOKENS, json={"name": "x" * 500}, headers=account.headers)
    assert response.status_code == 400
    body = response.json()
    assert body["error"].startswith("Invalid 'name'")
    assert body["details"] == [
        {"field": "name", "location": "body", "message": body["details"][0]["message"]}
    ]


@pytest.mark.parametrize(
    "payload",
    [
        b"\xff\xfe\x00",
        b"null",
        b"123",
        b'"string"',
        b'{"name": null}',
        b'{"name": {"nested": true}}',
        b"{" * 5000,
    ],
)
async def test_junk_bodies_never_cause_a_500(client, account, payload):
    response = await client.post(
        TOKENS, content=payload, headers={**account.headers, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) >= {"error", "code"}


@pytest.mark.parametrize(
    "params", [{"limit": "1.5"}, {"offset": "1e9"}, {"limit": "１"}, {"include_revoked": "maybe"}]
)
async def test_junk_query_parameters_are_400(client, account, params):
    response = await client.get(TOKENS, params=params, headers=account.headers)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


async def test_unexpected_errors_are_500_with_the_same_shape(app, settings):
    import httpx2

    from loop.core.handlers import handle_unexpected

    @app.get("/boom-test-only")
    async def boom():
        raise RuntimeError("kaboom")

    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as client:
        response = await client.get("/boom-test-only")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error", "code": "internal_error"}
    assert handle_unexpected is not None


async def test_a_saturated_store_answers_503_with_retry_after(app):
    import httpx2
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    @app.get("/pool-timeout-test-only")
    async def pool_timeout():
        raise PoolTimeout("QueuePool limit reached")

    @app.get("/locked-test-only")
    async def locked():
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    @app.get("/other-db-error-test-only")
    async def other():
        raise OperationalError("SELECT", {}, Exception("disk I/O error"))

    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        for path in ("/pool-timeout-test-only", "/locked-test-only"):
            response = await client.get(path)
            assert response.status_code == 503
            assert response.json() == {"error": "The server is busy; retry shortly", "code": "busy"}
            assert response.headers["retry-after"] == "1"
        assert (await client.get("/other-db-error-test-only")).status_code == 500
