"""The SDK against an in-process app (ASGI transport) and against scripted transports (retries, paging)."""

from __future__ import annotations

import httpx2
import pytest

from loop.client import (
    AsyncLoopClient,
    LoopClient,
    LoopConnectionError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationError,
)


def _client(app, token):
    return AsyncLoopClient("http://testserver", token, transport=httpx2.ASGITransport(app=app))


async def test_engine_crud_pagination_and_errors(app, account, other_account):
    async with _client(app, account.token) as loop:
        created = [
            await loop.issues.create(title=f"Issue {n}", type="task", status="todo", priority=n % 5)
            for n in range(5)
        ]
        assert [i["number"] for i in created] == [1, 2, 3, 4, 5]
        seen = [item["title"] async for item in loop.issues.iter(page_size=2)]
        assert seen == [f"Issue {n}" for n in range(5)]
        page = await loop.issues.list(limit=2, offset=4)
        assert page["total"] == 5 and len(page["data"]) == 1

        detail = await loop.issues.get(created[0]["id"])
        assert detail["title"] == "Issue 0" and detail["children"] == []
        closed = await loop.issues.close(created[0]["id"])
        assert closed["status"] == "done"
        label = await loop.labels.create(name="bug", color="#f00")
        assert [x["id"] for x in await loop.issues.add_labels(created[1]["id"], [label["id"]])] == [
            label["id"]
        ]
        comment = await loop.comments.create(created[1]["id"], "hello", author_name="ana")
        assert comment["authorName"] == "ana"
        assert (await loop.comments.list(created[1]["id"]))["data"][0]["body"] == "hello"

        with pytest.raises(NotFound) as missing:
            await loop.issues.get("nope")
        assert missing.value.status == 404 and missing.value.error == "Issue not found"
        assert missing.value.code and missing.value.body["error"] == "Issue not found"
        with pytest.raises(ValidationError) as invalid:
            await loop.issues.create(title="x", type="not-a-type")
        assert invalid.value.status in (400, 422)
        assert (await loop.issues.list())["total"] == 5  # nothing half-written

    # another organisation's issue is missing to it
    async with _client(app, other_account.token) as theirs:
        with pytest.raises(NotFound):
            await theirs.issues.get(created[1]["id"])
        assert (await theirs.issues.list())["total"] == 0

    async with _client(app, "tok_" + "0" * 64) as bad:
        with pytest.raises(Unauthorized) as denied:
            await bad.issues.list()
        assert denied.value.status == 401


async def test_developer_pagination_with_meta(app, account):
    async with _client(app, account.token) as loop:
        for n in range(4):
            made = await loop.tokens.create(name=f"agent {n}", scope_preset="read-all")
            assert made["token"]
        names = [t["name"] async for t in loop.tokens.iter(page_size=2)]
        assert sorted(names) == sorted(["test token", *[f"agent {n}" for n in range(4)]])
        page = await loop.tokens.list(limit=2)
        assert page["meta"]["total"] == 5 and len(page["data"]) == 2


# -- scripted transports ------------------------------------------------------------------------------------
class Script:
    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request):
        self.requests.append(request)
        item = self.responses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def _sync(script, **options):
    options.setdefault("backoff", 0.0)
    return LoopClient("http://loop.test", "tok_x", transport=httpx2.MockTransport(script), **options)


def test_get_is_retried_on_503_and_429_honouring_retry_after():
    script = Script(
        httpx2.Response(503, json={"error": "busy", "code": "busy"}, headers={"Retry-After": "0"}),
        httpx2.Response(
            429, json={"error": "slow down", "code": "rate_limited"}, headers={"Retry-After": "0"}
        ),
        httpx2.Response(200, json={"data": {"id": "i1"}}),
    )
    with _sync(script, max_retries=2) as loop:
        assert loop.issues.get("i1") == {"id": "i1"}
    assert len(script.requests) == 3
    assert script.requests[0].headers["authorization"] == "Bearer tok_x"


def test_rate_limited_after_retries_carries_retry_after():
    script = Script(*[httpx2.Response(429, json={"error": "Too many", "code": "rate_limited"},
                                      headers={"Retry-After": "0"}) for _ in range(2)])  # fmt: skip
    with _sync(script, max_retries=1) as loop, pytest.raises(RateLimited) as caught:
        loop.labels.list()
    assert caught.value.retry_after == 0.0 and caught.value.code == "rate_limited"
    assert len(script.requests) == 2


def test_post_is_retried_only_with_an_idempotency_key():
    script = Script(httpx2.Response(503, json={"error": "busy"}))
    with _sync(script) as loop, pytest.raises(ServerError):
        loop.issues.create(title="x", type="task")
    assert len(script.requests) == 1

    script = Script(
        httpx2.Response(503, json={"error": "busy"}), httpx2.Response(201, json={"data": {"id": "n"}})
    )
    with _sync(script) as loop:
        assert loop.issues.create(title="x", type="task", idempotency_key="k-1") == {"id": "n"}
    assert [r.headers["idempotency-key"] for r in script.requests] == ["k-1", "k-1"]

    # 500 is not retried even for GET: it may not be transient, and a claim must never repeat
    script = Script(httpx2.Response(500, json={"error": "Internal server error"}))
    with _sync(script) as loop, pytest.raises(ServerError):
        loop.issues.get("x")
    assert len(script.requests) == 1


def test_connection_errors_are_retried_then_reported():
    script = Script(httpx2.ConnectError("refused"), httpx2.Response(200, json={"data": []}))
    with _sync(script) as loop:
        assert loop.dashboard.activity() == []
    script = Script(*[httpx2.ConnectError("refused")] * 3)
    with _sync(script) as loop, pytest.raises(LoopConnectionError):
        loop.labels.list()
    assert len(script.requests) == 3


def test_dispatch_next_is_never_retried_and_204_means_nothing_claimed():
    script = Script(httpx2.Response(503, json={"error": "busy"}))
    with _sync(script) as loop, pytest.raises(ServerError):
        loop.dispatch.next()
    assert len(script.requests) == 1
    with _sync(Script(httpx2.Response(204))) as loop:
        assert loop.dispatch.next() is None
    claim = {"issue": {"id": "i", "status": "in_progress"}, "prompt": "p", "meta": None}
    with _sync(Script(httpx2.Response(200, json={"data": claim}))) as loop:
        assert loop.dispatch.next()["issue"]["id"] == "i"
    with _sync(Script(httpx2.Response(200, json={**claim, "data": claim}))) as loop:
        assert loop.dispatch.next()["prompt"] == "p"


def test_page_style_pagination_and_pdf_bytes():
    pages = [
        httpx2.Response(200, json={"data": [{"id": 1}, {"id": 2}],
                                   "pagination": {"page": 1, "pageSize": 2, "total": 3, "totalPages": 2}}),
        httpx2.Response(200, json={"data": [{"id": 3}],
                                   "pagination": {"page": 2, "pageSize": 2, "total": 3, "totalPages": 2}}),
    ]  # fmt: skip
    script = Script(*pages)
    with _sync(script) as loop:
        assert [i["id"] for i in loop.invoices.iter(page_size=2)] == [1, 2, 3]
    assert [r.url.params["page"] for r in script.requests] == ["1", "2"]
    script = Script(httpx2.Response(200, content=b"%PDF-1.7 x", headers={"content-type": "application/pdf"}))
    with _sync(script) as loop:
        assert loop.invoices.pdf("inv").startswith(b"%PDF")


def test_drafts_pagination_reads_the_drafts_key():
    script = Script(
        httpx2.Response(200, json={"drafts": [{"id": "a"}], "meta": {"total": 2, "limit": 1, "offset": 0}}),
        httpx2.Response(200, json={"drafts": [{"id": "b"}], "meta": {"total": 2, "limit": 1, "offset": 1}}),
    )
    with _sync(script) as loop:
        assert [d["id"] for d in loop.drafts.iter(page_size=1)] == ["a", "b"]
    assert [r.url.params["offset"] for r in script.requests] == ["0", "1"]


async def test_a_retried_claim_returns_the_same_issue(app, account):
    async with _client(app, account.token) as loop:
        project = await loop.projects.create(name="Claims")
        assert await loop.dispatch.claim(project_id=project["id"]) is None
        for n in range(2):
            await loop.issues.create(title=f"Ready {n}", type="task", status="todo", projectId=project["id"])
        first = await loop.dispatch.claim(project_id=project["id"], idempotency_key="claim-1")
        again = await loop.dispatch.claim(project_id=project["id"], idempotency_key="claim-1")
        assert first["issue"]["id"] == again["issue"]["id"] and "data" not in first
        other = await loop.dispatch.claim(project_id=project["id"])
        assert other["issue"]["id"] != first["issue"]["id"]
        assert (await loop.dispatch.queue(projectId=project["id"]))["total"] == 0


async def test_real_rate_limit_is_retried_then_raised_with_retry_after(database_url, tmp_path):
    from loop.app import create_app
    from tests.conftest import Factory, empty_all_tables, make_settings

    app = create_app(make_settings(database_url, tmp_path, rate_limit_enabled=True))
    async with app.router.lifespan_context(app):
        try:
            acc = await Factory(app).account(rate_limit="1/minute")
            calls = []

            class Counting(httpx2.ASGITransport):
                async def handle_async_request(self, request):
                    calls.append(request.url.path)
                    return await super().handle_async_request(request)

            async with AsyncLoopClient("http://testserver", acc.token, transport=Counting(app=app),
                                       max_retries=1, backoff=0, max_backoff=0.01) as loop:  # fmt: skip
                assert (await loop.labels.list())["total"] == 0
                with pytest.raises(RateLimited) as limited:
                    await loop.labels.list()
            assert len(calls) == 3  # one answered, one refused and retried once
            assert 1 <= limited.value.retry_after <= 60 and limited.value.error == "Rate limit exceeded"
        finally:
            await empty_all_tables(app)
