"""Time entries: the documented envelope, windows, who sees what, userId, tags as objects."""

import pytest

from tests.track.util import key, log, project, set_rate

TIME = "/v1/track/time"


async def engine_issue(client, account, title="Fix checkout") -> str:
    response = await client.post(
        "/api/issues", json={"title": title, "type": "task"}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


async def dev_ticket(client, account) -> str:
    site = await client.post(
        "/api/v1/projects", json={"name": "Site", "url": "https://site.example"}, headers=account.headers
    )
    item = await client.post(
        "/api/v1/feedback",
        json={"project_id": site.json()["data"]["id"], "title": "Broken link", "type": "bug"},
        headers=account.headers,
    )
    ticket = await client.post(
        "/api/v1/tickets/generate",
        json={"source_type": "feedback", "source_id": item.json()["data"]["id"]},
        headers=account.headers,
    )
    assert ticket.status_code == 201, ticket.text
    return ticket.json()["data"]["id"]


async def test_create_returns_the_documented_envelope(client, account):
    issue_id = await engine_issue(client, account)
    ticket_id = await dev_ticket(client, account)
    p = await project(client, account, code="ACME")
    await set_rate(client, account, p["id"], account.user.id, "97.5")
    response = await client.post(
        TIME,
        json={
            "taskName": "Design review",
            "durationSeconds": 9000,
            "date": "2026-05-04T23:30:00+02:00",
            "projectId": p["id"],
            "description": "Home page",
            "issueId": issue_id,
            "ticketId": ticket_id,
        },
        headers=key(account),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and body["data"] == "Time added"
    entry = body["time"]
    assert entry["taskName"] == "Design review"
    assert entry["durationSeconds"] == 9000
    assert entry["date"] == "2026-05-04"  # the time of day is dropped, the calendar day kept
    assert entry["billable"] is True and entry["aiGenerated"] is False
    assert entry["userId"] == account.user.id
    assert entry["user"] == {
        "id": account.user.id,
        "name": account.user.display_name,
        "email": account.user.email,
    }
    assert entry["project"] == {
        "id": p["id"],
        "title": "Acme redesign",
        "code": "ACME",
        "status": "ACTIVE",
        "rate": "97.50",
    }
    assert entry["issueId"] == issue_id and entry["ticketId"] == ticket_id
    assert entry["tags"] == [] and entry["invoiced"] is False
    assert set(entry) >= {"id", "description", "projectId", "sectionId", "createdAt", "updatedAt"}


async def test_tags_are_objects_found_or_created_by_title(client, account):
    first = await log(client, account, tags=[{"title": "Design"}, {"title": "meetings"}])
    assert sorted(t["title"] for t in first["tags"]) == ["Design", "meetings"]
    design = next(t for t in first["tags"] if t["title"] == "Design")
    second = await log(client, account, tags=[{"title": "DESIGN"}, {"id": design["id"]}])
    assert second["tags"] == [design]
    tags = (await client.get("/v1/track/tags", headers=key(account))).json()
    assert len(tags) == 2
    unknown = await client.post(
        TIME,
        json={"taskName": "x", "durationSeconds": 60, "date": "2026-05-04", "tags": [{"id": "nope"}]},
        headers=key(account),
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "Tag not found: nope"
    bare = await client.post(
        TIME,
        json={"taskName": "x", "durationSeconds": 60, "date": "2026-05-04", "tags": ["design"]},
        headers=key(account),
    )
    assert bare.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"durationSeconds": 60, "date": "2026-05-04"}, "taskName"),
        ({"taskName": "", "durationSeconds": 60, "date": "2026-05-04"}, "taskName"),
        ({"taskName": "x" * 256, "durationSeconds": 60, "date": "2026-05-04"}, "taskName"),
        ({"taskName": "x", "durationSeconds": 0, "date": "2026-05-04"}, "durationSeconds"),
        ({"taskName": "x", "durationSeconds": -5, "date": "2026-05-04"}, "durationSeconds"),
        ({"taskName": "x", "durationSeconds": 60}, "date"),
        ({"taskName": "x", "durationSeconds": 60, "date": "yesterday"}, "date"),
        (
            {"taskName": "x", "durationSeconds": 60, "date": "2026-05-04", "description": "d" * 1001},
            "description",
        ),
    ],
)
async def test_invalid_entries_are_400_naming_the_field(client, account, body, field):
    response = await client.post(TIME, json=body, headers=key(account))
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["details"][0]["field"] == field


async def test_references_must_exist_in_the_team(client, account, other_account):
    theirs = await project(client, other_account)
    response = await client.post(
        TIME,
        json={"taskName": "x", "durationSeconds": 60, "date": "2026-05-04", "projectId": theirs["id"]},
        headers=key(account),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "Project not found",
        "code": "invalid_reference",
        "field": "projectId",
    }


async def test_issue_and_ticket_links_must_exist_in_the_team(client, account, other_account):
    base = {"taskName": "x", "durationSeconds": 60, "date": "2026-05-04"}
    theirs_issue = await engine_issue(client, other_account)
    theirs_ticket = await dev_ticket(client, other_account)
    cases = [
        ({"issueId": "ENG-42"}, "issueId", "Issue not found: no issue 'ENG-42' in this team"),
        ({"issueId": theirs_issue}, "issueId", f"Issue not found: no issue '{theirs_issue}' in this team"),
        ({"ticketId": "tk_1"}, "ticketId", "Ticket not found: no ticket 'tk_1' in this team"),
        (
            {"ticketId": theirs_ticket},
            "ticketId",
            f"Ticket not found: no ticket '{theirs_ticket}' in this team",
        ),
    ]
    for extra, field, message in cases:
        response = await client.post(TIME, json={**base, **extra}, headers=key(account))
        assert response.status_code == 400, extra
        assert response.json() == {"error": message, "code": "invalid_reference", "field": field}
    assert (await client.get(f"{TIME}?date=2026-05-04", headers=key(account))).json() == []

    # a deleted issue can no longer be linked
    mine = await engine_issue(client, account)
    assert (await client.delete(f"/api/issues/{mine}", headers=account.headers)).status_code == 204
    response = await client.post(TIME, json={**base, "issueId": mine}, headers=key(account))
    assert response.status_code == 400 and response.json()["field"] == "issueId"

    # PATCH: the same checks; null unlinks
    entry = await log(client, account)
    live_issue = await engine_issue(client, account, title="Another")
    ticket_id = await dev_ticket(client, account)
    url = f"{TIME}/{entry['id']}"
    bad = await client.patch(url, json={"ticketId": theirs_ticket}, headers=key(account))
    assert bad.status_code == 400 and bad.json()["field"] == "ticketId"
    good = await client.patch(url, json={"issueId": live_issue, "ticketId": ticket_id}, headers=key(account))
    assert good.status_code == 200, good.text
    assert good.json()["time"]["issueId"] == live_issue and good.json()["time"]["ticketId"] == ticket_id
    cleared = await client.patch(url, json={"issueId": None}, headers=key(account))
    assert cleared.status_code == 200 and cleared.json()["time"]["issueId"] is None
    assert cleared.json()["time"]["ticketId"] == ticket_id


async def test_list_needs_a_date(client, account):
    response = await client.get(TIME, headers=key(account))
    assert response.status_code == 400
    assert response.json()["error"] == "date is required (YYYY-MM-DD)"
    bad = await client.get(TIME, params={"date": "2026-05-04", "frequency": "year"}, headers=key(account))
    assert bad.status_code == 400 and bad.json()["allowed"] == ["day", "week", "month"]


async def test_windows_day_week_month(client, account):
    for day in (
        "2026-04-27",
        "2026-04-28",
        "2026-05-01",
        "2026-05-04",
        "2026-05-05",
        "2026-05-31",
        "2026-06-01",
    ):
        await log(client, account, date=day, taskName=day)

    async def days(**params):
        response = await client.get(TIME, params=params, headers=key(account))
        assert response.status_code == 200
        assert isinstance(response.json(), list)  # a bare array
        return sorted(e["date"] for e in response.json())

    assert await days(date="2026-05-04", frequency="day") == ["2026-05-04"]
    # the trailing 7 days ending on the date: 28 April … 4 May
    assert await days(date="2026-05-04", frequency="week") == ["2026-04-28", "2026-05-01", "2026-05-04"]
    assert await days(date="2026-05-04") == ["2026-04-28", "2026-05-01", "2026-05-04"]
    assert await days(date="2026-05-17", frequency="month") == [
        "2026-05-01",
        "2026-05-04",
        "2026-05-05",
        "2026-05-31",
    ]


async def test_members_see_their_own_time_and_admins_the_team(client, account, factory):
    member = await factory.account(org=account.org, role="member")
    admin = await factory.account(org=account.org, role="admin")
    mine = await log(client, member)
    owners = await log(client, account)
    params = {"date": "2026-05-04"}
    member_view = (await client.get(TIME, params=params, headers=key(member))).json()
    assert [e["id"] for e in member_view] == [mine["id"]]
    admin_view = (await client.get(TIME, params=params, headers=key(admin))).json()
    assert {e["id"] for e in admin_view} == {mine["id"], owners["id"]}
    filtered = (
        await client.get(TIME, params={**params, "userId": member.user.id}, headers=key(admin))
    ).json()
    assert [e["id"] for e in filtered] == [mine["id"]]

    teammate = await client.get(f"{TIME}/{owners['id']}", headers=key(member))
    assert teammate.status_code == 404
    assert teammate.json() == {"error": "Time entry not found", "code": "not_found"}
    assert (
        await client.patch(f"{TIME}/{owners['id']}", json={"taskName": "x"}, headers=key(member))
    ).status_code == 404
    assert (await client.delete(f"{TIME}/{owners['id']}", headers=key(member))).status_code == 404
    assert (await client.get(f"{TIME}/{mine['id']}", headers=key(admin))).status_code == 200

    peek = await client.get(TIME, params={**params, "userId": account.user.id}, headers=key(member))
    assert peek.status_code == 403


async def test_user_id_is_for_owners_and_admins(client, account, factory):
    member = await factory.account(org=account.org, role="member")
    body = {"taskName": "x", "durationSeconds": 60, "date": "2026-05-04", "userId": account.user.id}
    refused = await client.post(TIME, json=body, headers=key(member))
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "Only owners and admins can pass userId to act for another member",
        "code": "role_required",
    }
    # naming yourself is fine
    own = await client.post(TIME, json={**body, "userId": member.user.id}, headers=key(member))
    assert own.status_code == 201
    on_behalf = await client.post(TIME, json={**body, "userId": member.user.id}, headers=key(account))
    assert on_behalf.status_code == 201 and on_behalf.json()["time"]["userId"] == member.user.id
    stranger = await client.post(
        TIME, json={**body, "userId": "01a20b55-e99c-724c-9a9d-0dd1a966ab75"}, headers=key(account)
    )
    assert stranger.status_code == 400 and stranger.json()["field"] == "userId"
    # reassigning through PATCH follows the same rule
    entry = own.json()["time"]
    moved = await client.patch(f"{TIME}/{entry['id']}", json={"userId": account.user.id}, headers=key(member))
    assert moved.status_code == 403
    moved = await client.patch(
        f"{TIME}/{entry['id']}", json={"userId": account.user.id}, headers=key(account)
    )
    assert moved.status_code == 200 and moved.json()["time"]["userId"] == account.user.id


async def test_get_patch_delete(client, account):
    p = await project(client, account)
    section = (
        await client.post(
            "/v1/track/sections", json={"title": "Phase 1", "projectId": p["id"]}, headers=key(account)
        )
    ).json()["data"]
    entry = await log(client, account, projectId=p["id"], sectionId=section["id"], tags=[{"title": "a"}])
    got = await client.get(f"{TIME}/{entry['id']}", headers=key(account))
    assert got.status_code == 200 and got.json() == entry

    response = await client.patch(
        f"{TIME}/{entry['id']}",
        json={"durationSeconds": 1800, "billable": False, "tags": [{"title": "b"}], "aiGenerated": True},
        headers=key(account),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["data"] == "Update Successful"
    updated = body["time"]
    assert (
        updated["durationSeconds"] == 1800 and updated["billable"] is False and updated["aiGenerated"] is True
    )
    assert [t["title"] for t in updated["tags"]] == ["b"]
    assert updated["taskName"] == entry["taskName"] and updated["sectionId"] == section["id"]

    other = await project(client, account, title="Other")
    moved = (
        await client.patch(f"{TIME}/{entry['id']}", json={"projectId": other["id"]}, headers=key(account))
    ).json()
    assert moved["time"]["projectId"] == other["id"] and moved["time"]["sectionId"] is None
    wrong = await client.patch(
        f"{TIME}/{entry['id']}", json={"sectionId": section["id"]}, headers=key(account)
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "Section does not belong to the project"
    null = await client.patch(f"{TIME}/{entry['id']}", json={"taskName": None}, headers=key(account))
    assert null.status_code == 400

    deleted = await client.delete(f"{TIME}/{entry['id']}", headers=key(account))
    assert deleted.status_code == 200 and deleted.json() == {"success": True, "data": "Time deleted"}
    again = await client.delete(f"{TIME}/{entry['id']}", headers=key(account))
    assert again.status_code == 404 and again.json()["error"] == "Time entry not found"


async def test_a_section_implies_its_project(client, account):
    p = await project(client, account)
    section = (
        await client.post(
            "/v1/track/sections", json={"title": "Phase 1", "projectId": p["id"]}, headers=key(account)
        )
    ).json()["data"]
    entry = await log(client, account, sectionId=section["id"])
    assert entry["projectId"] == p["id"]
