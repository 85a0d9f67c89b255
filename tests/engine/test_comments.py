"""Comments: threads of any depth as trees, the parent in the same issue, pagination of threads, edit and
delete by the credential that wrote the comment, nothing on deleted issues (§8 C13)."""

from __future__ import annotations

from tests.engine.conftest import Api, error_of


async def test_create_and_validation(api):
    issue = await api.issue()
    comment = await api.comment(issue["id"], "Investigated", authorName="claude-agent", authorType="agent")
    assert comment["body"] == "Investigated" and comment["parentId"] is None
    assert comment["authorName"] == "claude-agent" and comment["authorType"] == "agent"
    assert comment["issueId"] == issue["id"]
    for body in ({"body": "", "authorName": "a", "authorType": "human"},
                 {"body": "x", "authorName": "a", "authorType": "robot"},
                 {"body": "x", "authorType": "human"}):  # fmt: skip
        assert (await api.post(f"/api/issues/{issue['id']}/comments", body)).status_code == 400
    assert error_of(
        await api.post(
            "/api/issues/missing/comments", {"body": "x", "authorName": "a", "authorType": "human"}
        )
    ) == (404, "Issue not found")


async def test_threads_of_any_depth(api):
    issue = await api.issue()
    first = await api.comment(issue["id"], "first")
    reply = await api.comment(issue["id"], "reply", parentId=first["id"])
    deep = await api.comment(issue["id"], "deep", parentId=reply["id"])
    deeper = await api.comment(issue["id"], "deeper", parentId=deep["id"])
    second = await api.comment(issue["id"], "second")
    sibling = await api.comment(issue["id"], "sibling", parentId=first["id"], authorType="human")
    body = (await api.get(f"/api/issues/{issue['id']}/comments")).json()
    assert body["total"] == 2
    top = body["data"]
    assert [c["id"] for c in top] == [first["id"], second["id"]]
    assert [c["id"] for c in top[0]["replies"]] == [reply["id"], sibling["id"]]
    assert top[0]["replies"][0]["replies"][0]["id"] == deep["id"]
    assert top[0]["replies"][0]["replies"][0]["replies"][0]["id"] == deeper["id"]
    assert top[1]["replies"] == []
    assert (await api.detail(issue["id"]))["commentCount"] == 6


async def test_parent_must_be_in_the_same_issue(api):
    a, b = await api.issue("a"), await api.issue("b")
    on_a = await api.comment(a["id"])
    payload = {"body": "x", "authorName": "n", "authorType": "human", "parentId": on_a["id"]}
    assert error_of(await api.post(f"/api/issues/{b['id']}/comments", payload)) == (
        422,
        "Parent comment not found",
    )
    payload["parentId"] = "missing"
    assert error_of(await api.post(f"/api/issues/{a['id']}/comments", payload)) == (
        422,
        "Parent comment not found",
    )


async def test_pagination_of_threads(api):
    issue = await api.issue()
    roots = [await api.comment(issue["id"], f"c{n}") for n in range(3)]
    await api.comment(issue["id"], "reply", parentId=roots[1]["id"])
    page = (await api.get(f"/api/issues/{issue['id']}/comments", params={"limit": 1, "offset": 1})).json()
    assert page["total"] == 3
    assert [c["id"] for c in page["data"]] == [roots[1]["id"]]
    assert len(page["data"][0]["replies"]) == 1


async def test_comments_on_deleted_issues_are_refused(api):
    issue = await api.issue()
    comment = await api.comment(issue["id"])
    await api.delete(f"/api/issues/{issue['id']}")
    assert error_of(await api.get(f"/api/issues/{issue['id']}/comments")) == (404, "Issue not found")
    payload = {"body": "x", "authorName": "n", "authorType": "human"}
    assert error_of(await api.post(f"/api/issues/{issue['id']}/comments", payload)) == (
        404,
        "Issue not found",
    )
    assert error_of(await api.patch(f"/api/comments/{comment['id']}", {"body": "y"})) == (
        404,
        "Comment not found",
    )


async def test_edit_and_delete_by_the_author_credential_only(api, client, factory, account):
    issue = await api.issue()
    comment = await api.comment(issue["id"], "original")
    colleague = await factory.account(org=account.org)  # same organisation, another credential
    other = Api(client, colleague.headers)
    assert error_of(await other.patch(f"/api/comments/{comment['id']}", {"body": "hijack"})) == (
        403,
        "Only the credential that wrote this comment can change or delete it",
    )
    assert (await other.delete(f"/api/comments/{comment['id']}")).status_code == 403
    edited = (await api.patch(f"/api/comments/{comment['id']}", {"body": "edited"})).json()["data"]
    assert edited["body"] == "edited" and edited["updatedAt"] >= edited["createdAt"]
    assert (await api.patch(f"/api/comments/{comment['id']}", {"body": ""})).status_code == 400
    assert (await api.delete(f"/api/comments/{comment['id']}")).status_code == 204
    assert error_of(await api.delete(f"/api/comments/{comment['id']}")) == (404, "Comment not found")
    assert (await api.get(f"/api/issues/{issue['id']}/comments")).json() == {"data": [], "total": 0}


async def test_deleting_a_comment_with_replies_leaves_a_placeholder(api, client, factory, account):
    issue = await api.issue()
    root = await api.comment(issue["id"], "root")
    colleague = Api(client, (await factory.account(org=account.org)).headers)
    reply = await colleague.comment(issue["id"], "reply", parentId=root["id"])
    assert (await api.delete(f"/api/comments/{root['id']}")).status_code == 204
    thread = (await api.get(f"/api/issues/{issue['id']}/comments")).json()["data"]
    assert thread[0]["id"] == root["id"] and thread[0]["body"] == "" and thread[0]["deletedAt"] is not None
    assert thread[0]["replies"][0]["body"] == "reply"
    assert (await api.detail(issue["id"]))["commentCount"] == 1
    # a placeholder cannot be replied to or edited
    payload = {"body": "x", "authorName": "n", "authorType": "human", "parentId": root["id"]}
    assert (await api.post(f"/api/issues/{issue['id']}/comments", payload)).status_code == 422
    # when its last reply goes, the placeholder goes too
    assert (await colleague.delete(f"/api/comments/{reply['id']}")).status_code == 204
    assert (await api.get(f"/api/issues/{issue['id']}/comments")).json() == {"data": [], "total": 0}
