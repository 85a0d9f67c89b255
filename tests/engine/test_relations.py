"""Relations: one stored fact per blocking relation seen from both sides, no duplicates, no cycles, no
relations to deleted or foreign issues (§8 C3, C12); the blocking queries dispatch reuses."""

from __future__ import annotations

import pytest

from loop.issues import relations
from tests.engine.conftest import error_of


async def test_create_each_type_and_echo_it_as_asked(api):
    a, b = await api.issue("a"), await api.issue("b")
    for type_ in ("blocks", "related", "duplicate"):
        response = await api.relate(a["id"], type_, b["id"])
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        assert data["type"] == type_ and data["issueId"] == a["id"] and data["relatedIssueId"] == b["id"]
        assert set(data) == {"id", "type", "issueId", "relatedIssueId", "createdAt"}
    c = await api.issue("c")
    blocked_by = (await api.relate(c["id"], "blocked_by", a["id"])).json()["data"]
    assert blocked_by["type"] == "blocked_by" and blocked_by["issueId"] == c["id"]


async def test_blocks_and_blocked_by_are_one_fact_seen_from_both_sides(api):
    blocker, blocked = await api.issue("blocker"), await api.issue("blocked")
    created = (await api.relate(blocked["id"], "blocked_by", blocker["id"])).json()["data"]
    # the same fact stated the other way round is a duplicate
    assert error_of(await api.relate(blocker["id"], "blocks", blocked["id"])) == (
        409,
        "Relation already exists",
    )
    seen_from_blocker = (await api.detail(blocker["id"]))["relations"]
    seen_from_blocked = (await api.detail(blocked["id"]))["relations"]
    assert len(seen_from_blocker) == len(seen_from_blocked) == 1
    out, inc = seen_from_blocker[0], seen_from_blocked[0]
    assert out["id"] == inc["id"] == created["id"]
    assert (out["type"], out["direction"], out["issueId"], out["relatedIssueId"]) == (
        "blocks", "outgoing", blocker["id"], blocked["id"],
    )  # fmt: skip
    assert (inc["type"], inc["direction"], inc["issueId"], inc["relatedIssueId"]) == (
        "blocked_by", "incoming", blocked["id"], blocker["id"],
    )  # fmt: skip
    assert out["issue"] == {
        "id": blocked["id"],
        "number": blocked["number"],
        "title": "blocked",
        "status": "triage",
    }
    listed = (await api.get(f"/api/issues/{blocked['id']}/relations")).json()["data"]
    assert listed == seen_from_blocked


async def test_either_direction_blocks_dispatch(api, app):
    blocker, blocked, via_blocked_by = await api.issue("x"), await api.issue("y"), await api.issue("z")
    await api.relate(blocker["id"], "blocks", blocked["id"])
    await api.relate(via_blocked_by["id"], "blocked_by", blocker["id"])
    org_id = await _org(app, blocker["id"])
    async with app.state.database.read() as session:
        assert await relations.is_blocked(session, org_id, blocked["id"])
        assert await relations.is_blocked(session, org_id, via_blocked_by["id"])
        assert not await relations.is_blocked(session, org_id, blocker["id"])
        assert [b["id"] for b in await relations.open_blockers(session, org_id, blocked["id"])] == [
            blocker["id"]
        ]
        assert await relations.issues_blocked_by(session, org_id, blocker["id"]) == [
            blocked["id"], via_blocked_by["id"]
        ]  # fmt: skip
    # a second open blocker keeps one of them blocked when the first is done
    second = await api.issue("second")
    await api.relate(second["id"], "blocks", blocked["id"])
    await api.patch(f"/api/issues/{blocker['id']}", {"status": "done"})
    async with app.state.database.read() as session:
        assert await relations.is_blocked(session, org_id, blocked["id"])
        assert not await relations.is_blocked(session, org_id, via_blocked_by["id"])
        freed = await relations.issues_blocked_by(session, org_id, blocker["id"], only_unblocked=True)
        assert freed == [via_blocked_by["id"]]
    # a deleted blocker no longer blocks
    await api.delete(f"/api/issues/{second['id']}")
    async with app.state.database.read() as session:
        assert not await relations.is_blocked(session, org_id, blocked["id"])


async def _org(app, issue_id):
    from sqlalchemy import select

    from loop.issues.models import Issue

    async with app.state.database.read() as session:
        return (await session.execute(select(Issue.org_id).where(Issue.id == issue_id))).scalar_one()


async def test_duplicates_are_409(api):
    a, b = await api.issue("a"), await api.issue("b")
    assert (await api.relate(a["id"], "related", b["id"])).status_code == 201
    assert error_of(await api.relate(a["id"], "related", b["id"])) == (409, "Relation already exists")
    assert error_of(await api.relate(b["id"], "related", a["id"])) == (409, "Relation already exists")
    assert (await api.relate(a["id"], "duplicate", b["id"])).status_code == 201
    assert error_of(await api.relate(b["id"], "duplicate", a["id"])) == (409, "Relation already exists")


async def test_blocking_cycles_are_refused(api):
    a, b, c = await api.issue("a"), await api.issue("b"), await api.issue("c")
    assert (await api.relate(a["id"], "blocks", b["id"])).status_code == 201
    assert (await api.relate(b["id"], "blocks", c["id"])).status_code == 201
    status, message = error_of(await api.relate(c["id"], "blocks", a["id"]))
    assert status == 422
    assert message == (
        f"Blocking relations cannot form a cycle: #{a['number']} already blocks #{c['number']} "
        "(directly or through other issues)"
    )
    # A blocked_by B is B blocks A: the reverse of an existing fact is a two-issue cycle
    assert error_of(await api.relate(a["id"], "blocked_by", b["id"]))[0] == 422
    assert error_of(await api.relate(a["id"], "blocked_by", c["id"]))[0] == 422
    # related / duplicate never form blocking cycles
    assert (await api.relate(c["id"], "related", a["id"])).status_code == 201


async def test_errors_in_the_documented_order(api, other_api):
    a = await api.issue("a")
    foreign = await other_api.issue("foreign")
    deleted = await api.issue("deleted")
    await api.delete(f"/api/issues/{deleted['id']}")
    assert error_of(await api.relate("missing", "blocks", a["id"])) == (404, "Issue not found")
    assert error_of(await api.relate(deleted["id"], "blocks", a["id"])) == (404, "Issue not found")
    assert error_of(await api.relate(a["id"], "blocks", "missing")) == (422, "Related issue not found")
    assert error_of(await api.relate(a["id"], "blocks", deleted["id"])) == (422, "Related issue not found")
    assert error_of(await api.relate(a["id"], "blocks", foreign["id"])) == (422, "Related issue not found")
    assert error_of(await api.relate(a["id"], "related", a["id"])) == (
        422,
        "Cannot create a relation to the same issue",
    )


@pytest.mark.parametrize(
    "body",
    [{"type": "parent", "relatedIssueId": "x"}, {"type": "blocks"}, {"type": "blocks", "relatedIssueId": ""}],
)
async def test_invalid_bodies_are_400(api, body):
    a = await api.issue()
    assert (await api.post(f"/api/issues/{a['id']}/relations", body)).status_code == 400


async def test_delete(api):
    a, b = await api.issue("a"), await api.issue("b")
    relation = (await api.relate(a["id"], "blocks", b["id"])).json()["data"]
    response = await api.delete(f"/api/relations/{relation['id']}")
    assert response.status_code == 204 and response.content == b""
    assert error_of(await api.delete(f"/api/relations/{relation['id']}")) == (404, "Relation not found")
    assert (await api.detail(a["id"]))["relations"] == []
    # the fact can be stated again, either way round
    assert (await api.relate(b["id"], "blocked_by", a["id"])).status_code == 201
