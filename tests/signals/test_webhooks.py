"""Provider webhooks, from captured payloads signed as each provider signs them: valid, missing, wrong and
replayed signatures; redelivery; events acknowledged without work; malformed bodies; per-organisation
secrets."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import func, select

from loop.issues.models import Issue
from loop.signals.models import Signal
from tests.engine.conftest import error_of
from tests.signals.conftest import SECRETS, Hooks, dumps, fixture_bytes, fixture_names, sign

# (provider, fixture) → None (acknowledged, ignored) or (signal type, severity, issue title)
EXPECTED = {
    ("github", "ping"): None,
    ("github", "push"): None,
    ("github", "star__created"): None,
    ("github", "issue_comment__created"): None,
    ("github", "issues__opened_feature"): None,
    ("github", "workflow_run__success"): None,
    ("github", "workflow_run__requested"): None,
    ("github", "code_scanning_alert__fixed"): None,
    ("github", "workflow_run__failure"): (
        "workflow_run.failure", "high", 'GitHub: workflow "CI" failed on main in octo-org/web-app (run #1187)'),
    ("github", "workflow_run__failure_branch"): (
        "workflow_run.failure", "low",
        'GitHub: workflow "CI" failed on feature/session-refresh in octo-org/web-app (run #1187)'),
    ("github", "check_run__failure"): (
        "check_run.failure", "high", 'GitHub: check "test (20.x)" failed on main in octo-org/web-app'),
    ("github", "check_suite__failure"): (
        "check_suite.failure", "high", "GitHub: github-actions checks failed on main in octo-org/web-app"),
    ("github", "deployment_status__failure"): (
        "deployment_status.failure", "high", "GitHub: deployment to production failed in octo-org/web-app"),
    ("github", "code_scanning_alert__created"): (
        "code_scanning_alert", "high",
        "GitHub: code scanning alert #42 in octo-org/web-app: Database query built from user-controlled sources"),
    ("github", "dependabot_alert__created"): (
        "dependabot_alert", "high",
        "GitHub: Dependabot alert #17 in octo-org/web-app: jsonwebtoken unrestricted key type could lead to "
        "legacy keys usage (jsonwebtoken)"),
    ("github", "secret_scanning_alert__created"): (
        "secret_scanning_alert", "critical",
        "GitHub: secret scanning alert #3 in octo-org/web-app: Stripe API Key exposed"),
    ("github", "issues__opened_bug"): (
        "issues.bug", "high", "GitHub: bug #311 in octo-org/web-app: Checkout page shows a blank screen on Safari 17"),
    ("sentry", "issue__resolved"): None,
    ("sentry", "metric_alert__resolved"): None,
    ("sentry", "installation__created"): None,
    ("sentry", "issue__created"): (
        "issue.created", "high", "Sentry: TypeError: Cannot read properties of undefined (reading 'items') (WEB-APP-1F3)"),
    ("sentry", "issue__unresolved_regressed"): (
        "issue.regressed", "critical", "Sentry: Error: Payment intent confirmation timed out (WEB-APP-1F9, regressed)"),
    ("sentry", "event_alert__triggered"): (
        "event_alert", "high",
        'Sentry: TypeError: Cannot read properties of undefined (reading \'items\') (alert "Checkout errors in production")'),
    ("sentry", "error__created"): (
        "error", "high", "Sentry: TypeError: Cannot read properties of undefined (reading 'items')"),
    ("sentry", "metric_alert__critical"): ("metric_alert.critical", "critical", "Sentry: Critical: Checkout error spike"),
    ("posthog", "unrecognised"): None,
    ("posthog", "insight_alert_firing"): (
        "alert.firing", "high", 'PostHog: alert "Checkout conversion below 2%" firing on "Checkout conversion"'),
    ("posthog", "exception"): (
        "exception", "high", "PostHog: TypeError: undefined is not an object (evaluating 'cart.items.length')"),
    ("posthog", "custom_event"): (
        "event", "high", "PostHog: checkout_payment_failed: Card declined by issuer (do_not_honor)"),
    ("posthog", "metric_change"): ("metric_change", "critical", "PostHog: error_rate 55% (1h)"),
}  # fmt: skip
PROVIDERS = ("github", "sentry", "posthog")
ACTIONABLE = {"github": "workflow_run__failure", "sentry": "issue__created", "posthog": "exception"}


async def _counts(app, org_id):
    async with app.state.database.read() as session:
        signals = select(func.count()).select_from(Signal).where(Signal.org_id == org_id)
        issues = select(func.count()).select_from(Issue).where(Issue.org_id == org_id)
        return (await session.execute(signals)).scalar(), (await session.execute(issues)).scalar()


def test_every_fixture_has_an_expectation():
    found = {(provider, name) for provider in PROVIDERS for name in fixture_names(provider)}
    assert found == set(EXPECTED)


@pytest.mark.parametrize(("provider", "name"), sorted(EXPECTED))
async def test_captured_payloads(hooks, api, app, account, provider, name):
    await hooks.configure(provider)
    response = await hooks.send(provider, name)
    expected = EXPECTED[(provider, name)]
    if expected is None:
        assert response.status_code == 200, response.text
        data = response.json()["data"]
        assert data["ignored"] is True and data["reason"]
        assert await _counts(app, account.org.id) == (0, 0)
        return
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    signal, issue = data["signal"], data["issue"]
    assert (signal["type"], signal["severity"], issue["title"]) == expected
    assert signal["source"] == provider and issue["signalSource"] == provider and issue["type"] == "signal"
    assert signal["payload"] == json.loads(fixture_bytes(provider, name))
    assert issue["status"] == ("todo" if expected[1] in ("critical", "high") else "triage")
    assert signal["fingerprint"]


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_missing_and_wrong_signatures_are_401(hooks, app, account, provider):
    await hooks.configure(provider)
    name = ACTIONABLE[provider]
    header = {
        "github": "X-Hub-Signature-256",
        "sentry": "Sentry-Hook-Signature",
        "posthog": "X-PostHog-Secret",
    }[provider]
    missing = await hooks.send(provider, name, **{header: None})
    assert error_of(missing) == (401, f"Missing {header} header")
    assert missing.json()["code"] == "signature_missing" and "www-authenticate" not in missing.headers
    wrong = await hooks.send(provider, name, secret="not-the-secret-at-all")
    message = "Invalid webhook secret" if provider == "posthog" else "Invalid webhook signature"
    assert error_of(wrong) == (401, message)
    # a body changed after signing
    if provider != "posthog":
        body = fixture_bytes(provider, name)
        good = await hooks.send(provider, name, body=body + b" ", **{header: None})
        assert good.status_code == 401
    # a bearer token is not a webhook credential
    bearer = await hooks.send(
        provider, name, **{header: None, "Authorization": hooks.api.headers["Authorization"]}
    )
    assert bearer.status_code == 401
    assert await _counts(app, account.org.id) == (0, 0)


async def test_sentry_signs_the_raw_bytes_not_reserialised_json(hooks):
    await hooks.configure("sentry")
    # the same JSON with other spacing, key order and escapes: its own signature verifies
    body = b'{"data": {"issue": {"id": "77", "title": "caf\\u00e9 \xc3\xa9clair", "level": "error"}},   "action":"created"}'
    response = await hooks.send("sentry", "issue__created", body=body)
    assert response.status_code == 201, response.text
    assert response.json()["data"]["issue"]["title"] == "Sentry: café éclair"


@pytest.mark.parametrize("offset", [-3600, 3600])
async def test_sentry_stale_or_future_timestamps_are_refused(hooks, app, account, offset):
    await hooks.configure("sentry")
    response = await hooks.send(
        "sentry", "issue__created", **{"Sentry-Hook-Timestamp": str(int(time.time()) + offset)}
    )
    assert response.status_code == 401 and response.json()["code"] == "timestamp_out_of_tolerance"
    for value, code in ((None, "timestamp_missing"), ("soon", "timestamp_invalid")):
        response = await hooks.send("sentry", "issue__created", **{"Sentry-Hook-Timestamp": value})
        assert response.status_code == 401 and response.json()["code"] == code
    assert await _counts(app, account.org.id) == (0, 0)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_replayed_delivery_is_acknowledged_and_ignored(hooks, app, account, provider):
    await hooks.configure(provider)
    name = ACTIONABLE[provider]
    delivery = {"github": "X-GitHub-Delivery", "sentry": "Request-ID"}.get(provider)
    extra = {delivery: "8f4a7c5e-2b1d-4c3e-9a8b-7d6e5f4c3b2a"} if delivery else {}
    first = await hooks.send(provider, name, **extra)
    assert first.status_code == 201
    again = await hooks.send(provider, name, **extra)
    assert again.status_code == 200, again.text
    assert again.json()["data"]["duplicate"] is True
    assert await _counts(app, account.org.id) == (1, 1)


async def test_repeats_with_new_delivery_ids_join_one_issue(hooks, api, app, account):
    await hooks.configure("sentry")
    created = (await hooks.send("sentry", "issue__created")).json()["data"]
    alert = (await hooks.send("sentry", "event_alert__triggered")).json()["data"]
    error = (await hooks.send("sentry", "error__created")).json()["data"]
    assert created["issue"]["id"] == alert["issue"]["id"] == error["issue"]["id"]
    assert error["issue"]["occurrences"] == 3 and error["signal"]["duplicate"] is True
    assert await _counts(app, account.org.id) == (3, 1)


async def test_unknown_event_types_are_acknowledged(hooks, app, account):
    await hooks.configure()
    for provider, header in (("github", "X-GitHub-Event"), ("sentry", "Sentry-Hook-Resource")):
        response = await hooks.send(provider, ACTIONABLE[provider], **{header: "something_new"})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == {
            "ignored": True,
            "event": "something_new",
            "reason": "unsupported event",
        }
    response = await hooks.send("posthog", "unrecognised")
    assert response.status_code == 200 and response.json()["data"]["ignored"] is True
    assert await _counts(app, account.org.id) == (0, 0)


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_malformed_bodies_are_400(hooks, app, account, provider):
    await hooks.configure(provider)
    name = ACTIONABLE[provider]
    for body, message in (
        (b"{not json", "Malformed JSON in request body"),
        (b"", "Malformed JSON in request body"),
        (b"[1, 2]", "The webhook body must be a JSON object"),
    ):
        assert error_of(await hooks.send(provider, name, body=body)) == (400, message)
    # valid JSON in the wrong shape for the event
    shapes = {
        "github": {"action": "completed", "workflow_run": "oops", "repository": []},
        "sentry": {"action": "created", "data": {"issue": ["not", "an", "object"]}},
        "posthog": {"event": {"event": "$exception", "properties": "nope"}},
    }
    response = await hooks.send(provider, name, body=dumps(shapes[provider]))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_payload"
    assert await _counts(app, account.org.id) == (0, 0)


async def test_unconfigured_or_unnamed_organisation_is_404(hooks, client, api, account):
    response = await hooks.send("github", "workflow_run__failure")
    assert response.status_code == 404 and response.json()["code"] == "webhook_not_configured"
    assert "PUT /api/webhooks/github" in response.json()["error"]
    await hooks.configure("github")
    body = fixture_bytes("github", "workflow_run__failure")
    headers = sign("github", SECRETS["github"], body, "workflow_run")
    no_org = await client.post("/api/signals/github", content=body, headers=headers)
    assert no_org.status_code == 404 and "?org=<organisation id>" in no_org.json()["error"]
    unknown = await client.post("/api/signals/github?org=nope", content=body, headers=headers)
    assert unknown.status_code == 404
    by_header = await client.post(
        "/api/signals/github", content=body, headers=headers | {"X-Loop-Organisation": account.org.id}
    )
    assert by_header.status_code == 201
    # removing the secret disables the endpoint again
    assert (await api.delete("/api/webhooks/github")).status_code == 204
    assert (await hooks.send("github", "workflow_run__failure")).status_code == 404
    assert error_of(await api.delete("/api/webhooks/github")) == (404, "GitHub webhook is not configured")


async def test_another_organisations_secret_never_verifies(
    hooks, client, api, other_api, app, account, other_account
):
    await hooks.configure()
    for provider in PROVIDERS:
        theirs = f"their-{provider}-secret-0000"
        await other_api.client.put(
            f"/api/webhooks/{provider}", json={"secret": theirs}, headers=other_api.headers
        )
        # signed with their secret, sent to our URL
        response = await hooks.send(provider, ACTIONABLE[provider], secret=theirs)
        assert response.status_code == 401, (provider, response.text)
        # signed with our secret, sent to their URL
        response = await hooks.send(provider, ACTIONABLE[provider], org_id=other_account.org.id)
        assert response.status_code == 401, (provider, response.text)
    assert await _counts(app, account.org.id) == (0, 0)
    assert await _counts(app, other_account.org.id) == (0, 0)


async def test_webhook_configuration_api(api, client, factory, account):
    listed = (await api.get("/api/webhooks")).json()["data"]
    assert [(w["provider"], w["configured"]) for w in listed] == [
        ("github", False),
        ("sentry", False),
        ("posthog", False),
    ]
    assert listed[0]["url"] == f"http://testserver/api/signals/github?org={account.org.id}"
    assert listed[1]["signatureHeader"] == "Sentry-Hook-Signature"
    response = await api.client.put(
        "/api/webhooks/github", json={"secret": SECRETS["github"]}, headers=api.headers
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["configured"] is True and data.get("secret") is None
    generated = (await api.client.put("/api/webhooks/posthog", json={}, headers=api.headers)).json()["data"]
    assert len(generated["secret"]) == 64
    listed = (await api.get("/api/webhooks")).json()["data"]
    assert [w["configured"] for w in listed] == [True, False, True]
    assert all("secret" not in w or w["secret"] is None for w in listed)
    assert SECRETS["github"] not in (await api.get("/api/webhooks")).text
    # the generated secret works
    hooks = Hooks(client, api, account.org.id)
    response = await hooks.send("posthog", "exception", secret=generated["secret"])
    assert response.status_code == 201
    # rules for the secret
    for body in ({"secret": "short"}, {"secret": " padded-secret "}):
        assert (
            await api.client.put("/api/webhooks/github", json=body, headers=api.headers)
        ).status_code == 400
    assert error_of(await api.client.put("/api/webhooks/gitlab", json={}, headers=api.headers))[0] == 404
    member = await factory.account(org=account.org, role="member")
    response = await client.put("/api/webhooks/github", json={"secret": "x" * 20}, headers=member.headers)
    assert error_of(response) == (403, "Only owners and admins can change webhook secrets")
    assert (await client.get("/api/webhooks", headers=member.headers)).status_code == 200


async def test_project_mappings_route_signals(hooks, api):
    await hooks.configure()
    web = await api.project("Web app")
    response = await api.post(
        "/api/webhooks/mappings",
        {"provider": "github", "external": "Octo-Org/Web-App", "projectId": web["id"]},
    )
    assert response.status_code == 201, response.text
    mapping = response.json()["data"]
    assert mapping["external"] == "octo-org/web-app"
    dup = await api.post(
        "/api/webhooks/mappings",
        {"provider": "github", "external": "octo-org/web-app", "projectId": web["id"]},
    )
    assert dup.status_code == 409
    await api.post(
        "/api/webhooks/mappings", {"provider": "sentry", "external": "web-app", "projectId": web["id"]}
    )
    await api.post(
        "/api/webhooks/mappings", {"provider": "posthog", "external": "84213", "projectId": web["id"]}
    )
    for provider in PROVIDERS:
        data = (await hooks.send(provider, ACTIONABLE[provider])).json()["data"]
        assert data["issue"]["projectId"] == web["id"], provider
        assert data["signal"]["projectId"] == web["id"]
    assert (await api.get("/api/webhooks/mappings?provider=sentry")).json()["total"] == 1
    assert (await api.get("/api/webhooks/mappings?provider=gitlab")).status_code == 404
    assert (await api.delete(f"/api/webhooks/mappings/{mapping['id']}")).status_code == 204
    data = (await hooks.send("github", "check_run__failure")).json()["data"]
    assert data["issue"]["projectId"] is None
    bad = await api.post(
        "/api/webhooks/mappings", {"provider": "gitlab", "external": "x", "projectId": web["id"]}
    )
    assert bad.status_code == 400


async def test_webhook_signals_are_listed(hooks, api):
    await hooks.configure("github")
    await hooks.send("github", "dependabot_alert__created")
    body = (await api.get("/api/signals?source=github&q=jsonwebtoken")).json()
    assert body["total"] == 1 and body["data"][0]["type"] == "dependabot_alert"


async def test_concurrent_redeliveries_create_one_signal(hooks, app, account):
    await hooks.configure("github")
    delivery = {"X-GitHub-Delivery": "3f1c9a2e-7d4b-4e8a-9c6f-1b2d3e4f5a6b"}
    responses = await asyncio.gather(
        *(hooks.send("github", "workflow_run__failure", **delivery) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert await _counts(app, account.org.id) == (1, 1)
