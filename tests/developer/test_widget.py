"""The public widget intake: project keys, CORS, uploads, quota and rate limits; and widget.js."""

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from loop.db.counters import next_value
from loop.feedback.quota import counter_name
from tests.conftest import make_settings
from tests.developer.conftest import assert_error, jpeg_bytes, png_bytes

INTAKE = "/api/v1/widget/feedback"
SITE = "https://example.com"


@pytest.fixture
async def site(dev):
    return await dev.project(url=f"{SITE}/landing")


def key_headers(site, **extra):
    return {"X-Project-Key": site["api_key"], **extra}


async def test_json_submission_with_each_way_of_sending_the_key(client, dev, site):
    ways = [
        ({"X-Project-Key": site["api_key"]}, ""),
        ({"Authorization": f"Bearer {site['api_key']}"}, ""),
        ({}, f"?key={site['api_key']}"),
    ]
    for headers, query in ways:
        response = await client.post(
            INTAKE + query,
            json={"title": "Broken link", "type": "bug", "page_url": f"{SITE}/about"},
            headers={**headers, "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X)"},
        )
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data["status"] == "new" and data["project_id"] == site["id"] and data["screenshot"] is False
    listed = (await dev.get(f"/api/v1/feedback?project_id={site['id']}")).json()
    assert listed["meta"]["total"] == 3
    detail = (await dev.get(f"/api/v1/feedback/{listed['data'][0]['id']}")).json()["data"]
    assert detail["browser_info"]["user_agent"].startswith("Mozilla/5.0 (iPhone")  # recorded from the request


@pytest.mark.parametrize(
    ("headers", "message", "code"),
    [
        ({}, "Missing project key: send X-Project-Key: pk_…", "missing_project_key"),
        ({"X-Project-Key": "pk_" + "0" * 48}, "Invalid project key", "invalid_project_key"),
        ({"X-Project-Key": "tok_" + "0" * 64}, "Invalid project key", "invalid_project_key"),
        ({"Authorization": "Bearer pk_nope"}, "Invalid project key", "invalid_project_key"),
    ],
)
async def test_invalid_keys_are_refused(client, site, headers, message, code):
    assert_error(await client.post(INTAKE, json={"title": "x"}, headers=headers), 401, message, code)


async def test_api_tokens_are_not_project_keys(client, account, site):
    response = await client.post(INTAKE, json={"title": "x"}, headers=account.headers)
    assert response.status_code == 401


async def test_multipart_with_a_screenshot_served_through_a_signed_link(client, dev, site):
    image = png_bytes(40, 30)
    response = await client.post(
        INTAKE,
        headers=key_headers(site),
        data={
            "title": "Hero image overlaps",
            "description": "On mobile the hero overlaps the menu",
            "type": "bug",
            "reporter_name": "Jane Smith",
            "reporter_email": "jane@client.test",
            "browser_info": '{"user_agent": "UA", "viewport": {"width": 390, "height": 844}}',
            "annotations": '[{"type": "rect", "x": 10, "y": 20, "width": 30, "height": 5, "text": "here"}]',
        },
        files={"screenshot": ("shot.png", image, "image/png")},
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"]["screenshot"] is True
    detail = (await dev.get(f"/api/v1/feedback/{response.json()['data']['id']}")).json()["data"]
    assert detail["annotations"][0]["text"] == "here" and detail["browser_info"]["viewport"]["width"] == 390
    url = detail["screenshot_url"]
    assert re.search(r"/api/v1/files/.+/screenshot\.png\?expires=\d+&signature=", url)
    path = urlsplit(url)
    served = await client.get(f"{path.path}?{path.query}")  # no token: the signature is the credential
    assert served.status_code == 200 and served.content == image
    assert (
        served.headers["content-type"] == "image/png"
        and served.headers["x-content-type-options"] == "nosniff"
    )
    # tampering or a different file fails
    params = parse_qs(path.query)
    bad = await client.get(f"{path.path}?expires={params['expires'][0]}&signature=AAAA")
    assert_error(bad, 403, "Invalid link signature", "invalid_signature")
    other_key = path.path.replace("screenshot.png", "other.png")
    assert (await client.get(f"{other_key}?{path.query}")).status_code == 403


async def test_expired_links_are_refused(client, app):
    from loop.storage.links import FileLinks

    links = FileLinks(app.state.secret_key, "http://testserver", 60)
    url = urlsplit(links.url("org/feedback/x/screenshot.png", now=time.time() - 3600))
    assert_error(await client.get(f"{url.path}?{url.query}"), 403, "This link has expired", "link_expired")
    fresh = urlsplit(links.url("org/feedback/x/screenshot.png"))
    assert_error(await client.get(f"{fresh.path}?{fresh.query}"), 404, "File not found")


async def test_jpeg_and_data_url_screenshots(client, site):
    import base64

    response = await client.post(
        INTAKE,
        headers=key_headers(site),
        data={"title": "jpeg"},
        files={"screenshot": ("a.jpg", jpeg_bytes(), "image/jpeg")},
    )
    assert response.status_code == 201 and response.json()["data"]["screenshot"] is True
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    response = await client.post(
        INTAKE, headers=key_headers(site), json={"title": "json", "screenshot": data_url}
    )
    assert response.status_code == 201 and response.json()["data"]["screenshot"] is True


async def test_oversize_uploads_are_refused_with_413(client, app, site):
    app.state.settings.upload_max_bytes = 10_000
    big = png_bytes(400, 400, (1, 2, 3)) + b"\0" * 20_000
    response = await client.post(
        INTAKE,
        headers=key_headers(site),
        data={"title": "big"},
        files={"screenshot": ("big.png", big, "image/png")},
    )
    body = assert_error(response, 413, "Screenshot is too large (max 9.77 KB)", "upload_too_large")
    assert body["limit"] == 10_000
    # a body far beyond the cap is refused from its Content-Length, before it is read
    huge = await client.post(
        INTAKE, headers=key_headers(site, **{"Content-Type": "application/json"}), content=b"x" * 400_000
    )
    assert huge.status_code == 413 and huge.json()["code"] == "upload_too_large"
    assert list((app.state.settings.data_dir / "files").rglob("*")) == []


@pytest.mark.parametrize(
    ("content", "declared", "status", "message"),
    [
        (b"%PDF-1.4 not an image at all", "image/png", 415, "Screenshot must be a PNG, JPEG, GIF or WebP image"),
        (png_bytes(), "application/pdf", 415, "Screenshot must be a PNG, JPEG, GIF or WebP image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "image/svg+xml", 415,
         "Screenshot must be a PNG, JPEG, GIF or WebP image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/png", 415,
         "Screenshot must be a PNG, JPEG, GIF or WebP image"),
        (png_bytes()[:60], "image/png", 400, "Screenshot is not a valid image (the file is corrupt or truncated)"),
    ],
)  # fmt: skip
async def test_wrong_types_are_refused_by_their_content(
    client, app, site, dev, content, declared, status, message
):
    response = await client.post(
        INTAKE,
        headers=key_headers(site),
        data={"title": "x"},
        files={"screenshot": ("shot.png", content, declared)},
    )
    assert_error(response, status, message)
    assert (await dev.get("/api/v1/feedback")).json()["meta"]["total"] == 0
    assert list((app.state.settings.data_dir / "files").rglob("*.*")) == []


async def test_bad_bodies(client, site):
    headers = key_headers(site)
    assert_error(await client.post(INTAKE, headers=headers, json={}), 400, "title or description is required")
    assert_error(
        await client.post(INTAKE, headers=headers, json={"title": "x", "type": "idea"}), 400, "Invalid type"
    )
    assert_error(
        await client.post(INTAKE, headers=headers, json=["x"]), 400, "The request body must be a JSON object"
    )
    assert_error(
        await client.post(INTAKE, headers={**headers, "Content-Type": "application/json"}, content=b"{nope"),
        400,
        "Malformed JSON in request body",
    )
    assert_error(
        await client.post(INTAKE, headers={**headers, "Content-Type": "text/plain"}, content=b"hello"),
        415,
        "Content-Type must be application/json, multipart/form-data or application/x-www-form-urlencoded",
    )
    bad_json_field = await client.post(
        INTAKE, headers=headers, data={"title": "x", "browser_info": "{not json"}
    )
    assert_error(bad_json_field, 400, "Invalid 'browser_info': not valid JSON")
    bad_url = await client.post(
        INTAKE, headers=headers, json={"title": "x", "page_url": "javascript:alert(1)"}
    )
    assert bad_url.status_code == 400
    too_many = await client.post(INTAKE, headers=headers, json={"title": "x", "annotations": [{}] * 101})
    assert too_many.status_code == 400 and too_many.json()["details"][0]["field"] == "annotations"
    bad_screenshot = await client.post(
        INTAKE, headers=headers, json={"title": "x", "screenshot": "data:image/png;base64,@@@"}
    )
    assert_error(bad_screenshot, 400, "screenshot must be a base64 data URL (data:image/png;base64,…)")


async def test_cors_preflight_and_origin_checks(client, site):
    preflight = await client.options(
        f"{INTAKE}?key={site['api_key']}",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-project-key",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "X-Project-Key" in preflight.headers["access-control-allow-headers"]
    # without a key in the URL the origin must belong to some website project
    keyless = await client.options(INTAKE, headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert keyless.status_code == 204 and keyless.headers["access-control-allow-origin"] == SITE
    for origin in (
        "https://evil.example",
        "https://example.com.evil.example",
        "http://example.com",
        "https://example.com:8443",
    ):
        refused = await client.options(
            f"{INTAKE}?key={site['api_key']}",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
        keyless = await client.options(
            INTAKE, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert keyless.status_code == 403

    allowed = await client.post(INTAKE, json={"title": "x"}, headers=key_headers(site, Origin=SITE))
    assert allowed.status_code == 201 and allowed.headers["access-control-allow-origin"] == SITE
    assert allowed.headers["vary"] == "Origin"
    # errors a browser should read carry the CORS headers too
    invalid = await client.post(
        INTAKE, json={"title": "x", "type": "nope"}, headers=key_headers(site, Origin=SITE)
    )
    assert invalid.status_code == 400 and invalid.headers["access-control-allow-origin"] == SITE
    foreign = await client.post(
        INTAKE, json={"title": "x"}, headers=key_headers(site, Origin="https://evil.example")
    )
    assert_error(foreign, 403, "Origin not allowed for this project", "origin_not_allowed")
    assert "access-control-allow-origin" not in foreign.headers


async def test_board_projects_accept_no_browser_submissions(client, dev):
    board, _ = await dev.board()
    refused = await client.post(
        INTAKE, json={"title": "x"}, headers={"X-Project-Key": board["api_key"], "Origin": SITE}
    )
    assert refused.status_code == 403


async def test_archived_projects_refuse_feedback(client, dev, site):
    await dev.post(f"/api/v1/projects/{site['id']}/archive", expect=200)
    response = await client.post(INTAKE, json={"title": "x"}, headers=key_headers(site, Origin=SITE))
    assert_error(response, 403, "This project is archived and no longer accepts feedback", "project_archived")
    assert response.headers["access-control-allow-origin"] == SITE


async def _use_quota(app, org_id, used):
    async with app.state.database.write() as session:
        for _ in range(used):
            value = await next_value(session, org_id, counter_name())
    return value


async def test_monthly_quota_is_shared_by_every_channel(client, app, factory, dev):
    from tests.developer.conftest import Dev

    pro = Dev(client, await factory.account(plan="pro"))
    site = await pro.project()
    app.state.settings.quota_feedback_pro = 12
    await _use_quota(app, pro.account.org.id, 10)  # "990 of 1,000 used" on a smaller scale
    assert (await client.post(INTAKE, json={"title": "11th"}, headers=key_headers(site))).status_code == 201
    await pro.feedback(site["id"], title="12th through the API")
    refused = await client.post(INTAKE, json={"title": "13th"}, headers=key_headers(site))
    body = assert_error(
        refused, 403, "Monthly feedback limit reached for your plan", "feedback_quota_exceeded"
    )
    assert body["limit"] == 12
    api = await pro.post("/api/v1/feedback", {"project_id": site["id"], "title": "13th"})
    assert_error(api, 403, "Monthly feedback limit reached for your plan")
    # refused submissions stored nothing and used nothing; deleting does not give units back
    assert (await pro.get("/api/v1/feedback")).json()["meta"]["total"] == 2
    async with app.state.database.read() as session:
        from loop.feedback.quota import used_this_month

        assert await used_this_month(session, pro.account.org.id) == 12
    # another organisation is unaffected, and Business is unlimited
    await _use_quota(app, dev.account.org.id, 50)
    business_site = await dev.project(name="biz")
    assert (
        await client.post(INTAKE, json={"title": "x"}, headers=key_headers(business_site))
    ).status_code == 201


async def test_quota_default_is_1000_for_pro(client, app, factory):
    from tests.developer.conftest import Dev

    pro = Dev(client, await factory.account(plan="pro"))
    site = await pro.project()
    await _use_quota(app, pro.account.org.id, 999)
    assert (await client.post(INTAKE, json={"title": "1000th"}, headers=key_headers(site))).status_code == 201
    assert (await client.post(INTAKE, json={"title": "1001st"}, headers=key_headers(site))).status_code == 403


async def test_each_project_key_has_its_own_rate_limit(database_url, tmp_path, factory):
    from loop.app import create_app
    from tests.conftest import Factory, empty_all_tables

    settings = make_settings(
        database_url, tmp_path / "rl", rate_limit_enabled=True, widget_rate_limit="2/minute"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        try:
            made = Factory(app)
            account = await made.account()
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:
                sites = []
                for name in ("a", "b"):
                    response = await http.post(
                        "/api/v1/projects", json={"name": name, "url": SITE}, headers=account.headers
                    )
                    sites.append(response.json()["data"])
                for _ in range(2):
                    ok = await http.post(
                        INTAKE, json={"title": "x"}, headers=key_headers(sites[0], Origin=SITE)
                    )
                    assert ok.status_code == 201
                limited = await http.post(
                    INTAKE, json={"title": "x"}, headers=key_headers(sites[0], Origin=SITE)
                )
                assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
                assert limited.headers["access-control-allow-origin"] == SITE
                assert (
                    await http.post(INTAKE, json={"title": "x"}, headers=key_headers(sites[1]))
                ).status_code == 201
        finally:
            await empty_all_tables(app)


async def test_widget_script_is_served(client):
    for path in ("/widget.js", "/api/v1/widget.js"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/javascript")
        assert "/api/v1/widget/feedback?key=" in response.text and "data-project-key" in response.text
        assert "import " not in response.text and "require(" not in response.text  # dependency-free


async def test_concurrent_submissions_never_exceed_the_quota(client, app, factory):
    import asyncio

    from tests.developer.conftest import Dev

    pro = Dev(client, await factory.account(plan="pro"))
    site = await pro.project()
    app.state.settings.quota_feedback_pro = 5
    responses = await asyncio.gather(
        *(client.post(INTAKE, json={"title": f"t{i}"}, headers=key_headers(site)) for i in range(12))
    )
    assert sorted(r.status_code for r in responses) == [201] * 5 + [403] * 7
    assert (await pro.get("/api/v1/feedback")).json()["meta"]["total"] == 5


async def test_blank_form_fields_count_as_absent(client, dev, site):
    response = await client.post(
        INTAKE,
        headers=key_headers(site),
        data={
            "title": "",
            "description": "Only a description",
            "type": "",
            "reporter_email": "",
            "page_url": "",
        },
    )
    assert response.status_code == 201, response.text
    assert (
        response.json()["data"]["type"] == "general"
        and response.json()["data"]["title"] == "Only a description"
    )
