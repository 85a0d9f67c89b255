"""Drafts over /v1/drafts: the Missive-shaped body, validation, CRUD, surface rules."""

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from loop.jobs import Job
from tests.conftest import make_settings

DRAFTS = "/v1/drafts"
PAID_PLAN = "The API requires a workspace on a paid plan"


@pytest.fixture
def settings(database_url, tmp_path):
    # attachments are capped at 1000 bytes in this module
    return make_settings(
        database_url, tmp_path / "data", jobs_in_process=False, draft_max_attachment_bytes=1000
    )


def draft_body(**overrides):
    body = {
        "subject": "Your feedback",
        "body": "<p>Thanks, <b>fixed</b>.</p>",
        "to_fields": [{"address": "client@example.com", "name": "Client"}],
    }
    body.update(overrides)
    return {"drafts": body}


async def create(client, account, **overrides):
    response = await client.post(DRAFTS, json=draft_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()["drafts"]


async def test_create_wrapped_returns_201_and_the_draft(client, account):
    response = await client.post(
        DRAFTS,
        json=draft_body(
            from_field={"address": "Team@Example.com", "name": "Team"},
            cc_fields=[{"address": "cc@example.com"}],
            bcc_fields=[{"address": "audit@example.com"}],
            references=["<abc@example.com>"],
            team="team-1",
            add_shared_labels=["billing", "billing", "vip"],
            attachments=[{"filename": "logo.png", "base64_data": base64.b64encode(b"\x89PNG..").decode()}],
        ),
        headers=account.headers,
    )
    assert response.status_code == 201
    draft = response.json()["drafts"]
    assert draft["id"] and draft["conversation"] and draft["status"] == "draft"
    assert draft["subject"] == "Your feedback" and draft["body"] == "<p>Thanks, <b>fixed</b>.</p>"
    assert draft["from_field"] == {"address": "Team@example.com", "name": "Team"}
    assert draft["to_fields"] == [{"address": "client@example.com", "name": "Client"}]
    assert draft["cc_fields"] == [{"address": "cc@example.com", "name": None}]
    assert draft["bcc_fields"] == [{"address": "audit@example.com", "name": None}]
    assert draft["references"] == ["<abc@example.com>"]
    assert draft["team"] == "team-1" and draft["shared_labels"] == ["billing", "vip"]
    assert draft["attachments"] == [
        {"id": draft["attachments"][0]["id"], "filename": "logo.png", "content_type": "image/png", "size": 6}
    ]
    assert draft["author"] == account.user.id
    assert isinstance(draft["created_at"], int) and draft["send_at"] is None and draft["sent_at"] is None
    fetched = await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)
    assert fetched.status_code == 200 and fetched.json() == {"drafts": draft}


async def test_create_unwrapped_and_default_sender(client, account):
    response = await client.post(
        DRAFTS, json={"subject": "Hi", "to_fields": [{"address": "a@example.com"}]}, headers=account.headers
    )
    assert response.status_code == 201
    draft = response.json()["drafts"]
    assert draft["subject"] == "Hi" and draft["body"] is None
    assert draft["from_field"]["address"] == account.user.email  # the acting user, no LOOP_SMTP_FROM set


async def test_list_filters_and_pages(client, account):
    first = await create(client, account, subject="one")
    second = await create(client, account, subject="two", conversation=first["conversation"])
    await create(client, account, subject="three", to_fields=[{"address": "x@example.com"}], send=True)
    listed = (await client.get(DRAFTS, headers=account.headers)).json()
    assert listed["meta"] == {"total": 3, "limit": 50, "offset": 0}
    assert [d["subject"] for d in listed["drafts"]] == ["three", "two", "one"]
    page = (await client.get(f"{DRAFTS}?limit=1&offset=1", headers=account.headers)).json()
    assert [d["subject"] for d in page["drafts"]] == ["two"] and page["meta"]["total"] == 3
    thread = (
        await client.get(f"{DRAFTS}?conversation={first['conversation']}", headers=account.headers)
    ).json()
    assert {d["id"] for d in thread["drafts"]} == {first["id"], second["id"]}
    queued = (await client.get(f"{DRAFTS}?status=queued", headers=account.headers)).json()
    assert [d["subject"] for d in queued["drafts"]] == ["three"]
    bad = await client.get(f"{DRAFTS}?status=lost", headers=account.headers)
    assert bad.status_code == 400 and "status" in bad.json()["error"]


async def test_update_changes_given_fields_only(client, account):
    draft = await create(client, account, add_shared_labels=["a", "b"])
    response = await client.patch(
        f"{DRAFTS}/{draft['id']}",
        json={
            "drafts": {"subject": "New subject", "remove_shared_labels": ["a"], "add_shared_labels": ["c"]}
        },
        headers=account.headers,
    )
    assert response.status_code == 200
    updated = response.json()["drafts"]
    assert updated["subject"] == "New subject" and updated["body"] == draft["body"]
    assert updated["to_fields"] == draft["to_fields"] and updated["shared_labels"] == ["b", "c"]
    cleared = await client.patch(f"{DRAFTS}/{draft['id']}", json={"subject": None}, headers=account.headers)
    assert cleared.status_code == 200 and cleared.json()["drafts"]["subject"] is None
    empty = await client.patch(f"{DRAFTS}/{draft['id']}", json={"body": ""}, headers=account.headers)
    assert empty.status_code == 400 and empty.json()["error"] == "A draft needs a subject or a body"


async def test_delete(client, account):
    draft = await create(client, account)
    response = await client.delete(f"{DRAFTS}/{draft['id']}", headers=account.headers)
    assert response.status_code == 200 and response.json() == {"drafts": {"id": draft["id"], "deleted": True}}
    missing = await client.get(f"{DRAFTS}/{draft['id']}", headers=account.headers)
    assert missing.status_code == 404 and missing.json() == {
        "error": "Draft not found",
        "code": "draft_not_found",
    }
    again = await client.delete(f"{DRAFTS}/{draft['id']}", headers=account.headers)
    assert again.status_code == 404


async def test_without_smtp_a_sent_draft_is_queued(app, client, account):
    draft = await create(client, account, send=True)
    assert draft["status"] == "queued" and draft["sent_at"] is None
    async with app.state.database.read() as session:
        assert (await session.execute(select(func.count()).select_from(Job))).scalar_one() == 0


# -- validation -------------------------------------------------------------------------------------------
B64_OK = base64.b64encode(b"hello").decode()


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"to_fields": [{"address": "not-an-address"}]}, "invalid_address",
         "Invalid email address 'not-an-address' in to_fields[0]: An email address must have an @-sign."),
        ({"cc_fields": [{"address": "a@example.com"}, {"address": "bob@"}]}, "invalid_address",
         "Invalid email address 'bob@' in cc_fields[1]: There must be something after the @-sign."),
        ({"from_field": {"address": "me@@example.com"}}, "invalid_address", None),
        ({"subject": "", "body": "  "}, "empty_draft", "A draft needs a subject or a body"),
        ({"subject": None, "body": None}, "empty_draft", "A draft needs a subject or a body"),
        ({"subject": "two\nlines"}, "validation_error", "subject must be a single line"),
        ({"attachments": [{"filename": "a.txt", "base64_data": "not base64!"}]}, "invalid_attachment",
         "attachments[0].base64_data is not valid base64"),
        ({"attachments": [{"filename": "a.txt", "base64_data": B64_OK, "content_type": "pdf"}]},
         "invalid_attachment", "attachments[0].content_type 'pdf' is not a MIME type such as application/pdf"),
        ({"attachments": [{"filename": "../", "base64_data": B64_OK}]}, "invalid_attachment",
         "attachments[0].filename is not a usable file name"),
        ({"send_at": 1_000_000_000}, "invalid_send_at", "send_at is in the past"),
        ({"send": True, "to_fields": []}, "no_recipients",
         "A draft needs at least one recipient (to_fields, cc_fields or bcc_fields) to be sent"),
        ({"add_users": ["nobody"]}, "unknown_user", "add_users: no member of this workspace has the id 'nobody'"),
        ({"client_id": "c-404"}, "unknown_client", "client_id: no client 'c-404' in this organisation"),
    ],
)  # fmt: skip
async def test_invalid_drafts_are_400(client, account, overrides, code, message):
    response = await client.post(DRAFTS, json=draft_body(**overrides), headers=account.headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == code
    if message:
        assert body["error"] == message


@pytest.mark.parametrize(
    ("body", "field"),
    [({"drafts": {"subject": 5}}, "subject"), ({"to_fields": "a@example.com"}, "to_fields"),
     ({"to_fields": [{"name": "no address"}]}, "to_fields.0.address"), ({"send_at": "tomorrow"}, "send_at"),
     ({"attachments": [{"base64_data": "aGk="}]}, "attachments.0.filename")],
)  # fmt: skip
async def test_malformed_fields_name_the_field(client, account, body, field):
    response = await client.post(DRAFTS, json=body, headers=account.headers)
    assert response.status_code == 400
    assert response.json()["details"][0]["field"] == field


async def test_oversized_attachments_are_refused(client, account):
    big = base64.b64encode(b"x" * 600).decode()
    response = await client.post(
        DRAFTS,
        json=draft_body(
            attachments=[{"filename": "a.bin", "base64_data": big}, {"filename": "b.bin", "base64_data": big}]
        ),
        headers=account.headers,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Attachments are larger than the 1000 bytes limit (all attachments of a draft together)",
        "code": "attachments_too_large",
    }
    huge = base64.b64encode(b"x" * 5000).decode()
    response = await client.post(
        DRAFTS,
        json=draft_body(attachments=[{"filename": "c.bin", "base64_data": huge}]),
        headers=account.headers,
    )
    assert response.status_code == 400 and response.json()["code"] == "attachments_too_large"
    ok = await client.post(
        DRAFTS,
        json=draft_body(attachments=[{"filename": "a.bin", "base64_data": big}]),
        headers=account.headers,
    )
    assert ok.status_code == 201


async def test_a_sent_or_sending_draft_cannot_change(app, client, account):
    from sqlalchemy import update

    from loop.inbox.models import Draft

    draft = await create(client, account)
    for status, code in (("sending", "draft_sending"), ("sent", "draft_sent")):
        async with app.state.database.write() as session:
            await session.execute(update(Draft).where(Draft.id == draft["id"]).values(status=status))
        response = await client.patch(
            f"{DRAFTS}/{draft['id']}", json={"subject": "x"}, headers=account.headers
        )
        assert response.status_code == 409 and response.json()["code"] == code
    # a sent message may be deleted; one being sent may not
    assert (await client.delete(f"{DRAFTS}/{draft['id']}", headers=account.headers)).status_code == 200


# -- surface rules ----------------------------------------------------------------------------------------
async def test_post_and_patch_need_the_json_content_type(client, account):
    import json

    payload = json.dumps(draft_body())
    for headers in (
        {},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
    ):
        response = await client.post(DRAFTS, content=payload, headers={**account.headers, **headers})
        assert response.status_code == 415, headers
        assert response.json() == {
            "error": "Content-Type must be application/json",
            "code": "unsupported_media_type",
        }
    draft = await create(client, account)
    response = await client.patch(
        f"{DRAFTS}/{draft['id']}", content='{"subject": "x"}', headers=account.headers
    )
    assert response.status_code == 415
    ok = await client.post(
        DRAFTS,
        content=payload,
        headers={**account.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201


async def test_malformed_json_is_400(client, account):
    response = await client.post(
        DRAFTS, content="{not json", headers={**account.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"


async def test_unauthenticated_is_401(client):
    assert (await client.post(DRAFTS, json=draft_body())).status_code == 401
    assert (await client.get(DRAFTS)).status_code == 401


async def test_unpaid_plan_is_403(client, factory):
    for kwargs in ({"plan": "starter"}, {"plan": "trial", "trial_ends_at": datetime(2020, 1, 1, tzinfo=UTC)}):
        account = await factory.account(**kwargs)
        response = await client.post(DRAFTS, json=draft_body(), headers=account.headers)
        assert response.status_code == 403
        assert response.json() == {"error": PAID_PLAN, "code": "plan_required"}
    trial = await factory.account(plan="trial")
    assert (await client.post(DRAFTS, json=draft_body(), headers=trial.headers)).status_code == 201


async def test_scopes(client, factory):
    reader = await factory.account(preset="read-all")
    response = await client.post(DRAFTS, json=draft_body(), headers=reader.headers)
    assert response.status_code == 403 and response.json()["missing"] == ["write:draft"]
    assert (await client.get(DRAFTS, headers=reader.headers)).status_code == 200
    exports_only = await factory.account(scopes=["read:report", "write:report"])
    assert (await client.get(DRAFTS, headers=exports_only.headers)).status_code == 403


async def test_another_organisations_drafts_are_not_found(client, account, other_account):
    draft = await create(client, account)
    theirs = other_account.headers
    assert (await client.get(f"{DRAFTS}/{draft['id']}", headers=theirs)).status_code == 404
    assert (
        await client.patch(f"{DRAFTS}/{draft['id']}", json={"subject": "x"}, headers=theirs)
    ).status_code == 404
    assert (await client.delete(f"{DRAFTS}/{draft['id']}", headers=theirs)).status_code == 404
    listed = (await client.get(DRAFTS, headers=theirs)).json()
    assert listed["drafts"] == [] and listed["meta"]["total"] == 0
    # their users cannot be added, nor impersonated
    response = await client.post(DRAFTS, json=draft_body(add_users=[account.user.id]), headers=theirs)
    assert response.status_code == 400 and response.json()["code"] == "unknown_user"


async def test_impersonation_by_owner_and_admin(client, factory, account):
    member = await factory.member(account.org, role="member", email="Member@Example.com")
    for header in (member.id, "member@example.com", "MEMBER@example.com"):
        response = await client.post(
            DRAFTS, json=draft_body(), headers={**account.headers, "X-Impersonate-User": header}
        )
        assert response.status_code == 201
        draft = response.json()["drafts"]
        assert draft["author"] == member.id and draft["from_field"]["address"] == "member@example.com"
    admin = await factory.account(org=account.org, role="admin")
    response = await client.post(
        DRAFTS, json=draft_body(), headers={**admin.headers, "X-Impersonate-User": member.id}
    )
    assert response.status_code == 201 and response.json()["drafts"]["author"] == member.id


@pytest.mark.parametrize("role", ["member", "developer"])
async def test_impersonation_is_refused_to_other_roles(client, factory, account, role):
    caller = await factory.account(org=account.org, role=role)
    response = await client.post(
        DRAFTS, json=draft_body(), headers={**caller.headers, "X-Impersonate-User": account.user.id}
    )
    assert response.status_code == 403
    assert response.json() == {
        "error": "Only an owner's or admin's token may act as another user (X-Impersonate-User)",
        "code": "impersonation_forbidden",
    }
    # without the header the same token works
    assert (await client.post(DRAFTS, json=draft_body(), headers=caller.headers)).status_code == 201


async def test_impersonating_an_unknown_user_is_400(client, account, other_account):
    for who in ("user_543", other_account.user.id, other_account.user.email, " "):
        response = await client.get(DRAFTS, headers={**account.headers, "X-Impersonate-User": who})
        assert response.status_code == 400, who
        assert response.json()["code"] in ("unknown_impersonated_user", "invalid_impersonation")
    response = await client.get(DRAFTS, headers={**account.headers, "X-Impersonate-User": "user_543"})
    assert (
        response.json()["error"]
        == "X-Impersonate-User: no member of this workspace has the id or email 'user_543'"
    )
