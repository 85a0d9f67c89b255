"""``/api/issues``, ``/api/relations`` and ``/api/comments``: the engine's issues, their relations,
comments and labels."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from loop.auth.principal import Principal
from loop.db.session import ReadSession, WriteSession
from loop.issues import comments, relations, service
from loop.issues.repository import RelationRepository
from loop.issues.schemas import (
    CommentCreate,
    CommentOut,
    CommentThread,
    CommentUpdate,
    IssueCreate,
    IssueDetail,
    IssueOut,
    IssueUpdate,
    LabelIds,
    LabelRef,
    RelationCreate,
    RelationOut,
    RelationView,
    dump_json_value,
    issue_to_api,
)
from loop.surfaces import engine

router = APIRouter(prefix="/api", tags=["Issues"])

IssuesRead = Annotated[Principal, engine.requires("read:issue")]
IssuesWrite = Annotated[Principal, engine.requires("write:issue")]
CommentsRead = Annotated[Principal, engine.requires("read:comment")]
CommentsWrite = Annotated[Principal, engine.requires("write:comment")]
NO_CONTENT = {"status_code": 204, "response_class": Response}


@router.get("/issues", response_model=engine.Page[IssueOut], summary="List issues")
async def list_issues(
    principal: IssuesRead,
    session: ReadSession,
    pagination: engine.Pagination,
    status: Annotated[
        str | None, Query(description="Comma-separated statuses, e.g. todo,in_progress")
    ] = None,
    type: Annotated[str | None, Query(description="Comma-separated types, e.g. signal,task")] = None,
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
    label_id: Annotated[str | None, Query(alias="labelId")] = None,
    parent_id: Annotated[str | None, Query(alias="parentId")] = None,
    no_parent: Annotated[bool, Query(alias="noParent", description="Only top-level issues")] = False,
    priority: Annotated[int | None, Query(ge=0, le=4)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or description")] = None,
    sort: Annotated[
        str | None, Query(description="created (default), updated or priority; prefix '-' to reverse")
    ] = None,
    include_deleted: Annotated[bool, Query(alias="includeDeleted")] = False,
):
    filters = service.parse_filters(
        status=status,
        type=type,
        project_id=project_id,
        label_id=label_id,
        parent_id=parent_id,
        no_parent=no_parent,
        priority=priority,
        q=q,
        sort=sort,
        include_deleted=include_deleted,
    )
    items, total = await service.list_issues(
        session, principal.org_id, filters, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page(items, total)


@router.post("/issues", status_code=201, response_model=engine.Data[IssueOut], summary="Create an issue")
async def create_issue(body: IssueCreate, principal: IssuesWrite, session: WriteSession):
    fields = {name: dump_json_value(getattr(body, name)) for name in type(body).model_fields}
    issue = await service.create_issue(session, principal.org_id, **fields)
    return engine.one(issue_to_api(issue), 201)


@router.get("/issues/{issue_id}", response_model=engine.Data[IssueDetail], summary="Get an issue")
async def get_issue(issue_id: str, principal: IssuesRead, session: ReadSession):
    return engine.one(await service.issue_detail(session, principal.org_id, issue_id))


@router.patch("/issues/{issue_id}", response_model=engine.Data[IssueOut], summary="Update an issue")
async def update_issue(issue_id: str, body: IssueUpdate, principal: IssuesWrite, session: WriteSession):
    issue = await service.update_issue(session, principal.org_id, issue_id, body.changes())
    return engine.one(issue_to_api(issue))


@router.delete("/issues/{issue_id}", **NO_CONTENT, summary="Delete an issue (soft)")
async def delete_issue(issue_id: str, principal: IssuesWrite, session: WriteSession):
    await service.delete_issue(session, principal.org_id, issue_id)
    return Response(status_code=204)


# -- labels on an issue -----------------------------------------------------------------------------------
@router.post(
    "/issues/{issue_id}/labels",
    response_model=engine.Data[list[LabelRef]],
    tags=["Labels"],
    summary="Attach labels to an issue",
)
async def attach_labels(issue_id: str, body: LabelIds, principal: IssuesWrite, session: WriteSession):
    return engine.one(await service.add_labels(session, principal.org_id, issue_id, body.label_ids))


@router.delete(
    "/issues/{issue_id}/labels/{label_id}", **NO_CONTENT, tags=["Labels"], summary="Detach a label"
)
async def detach_label(issue_id: str, label_id: str, principal: IssuesWrite, session: WriteSession):
    await service.remove_label(session, principal.org_id, issue_id, label_id)
    return Response(status_code=204)


# -- relations ----------------------------------------------------------------------------------------------
@router.get(
    "/issues/{issue_id}/relations",
    response_model=engine.Data[list[RelationView]],
    tags=["Relations"],
    summary="List an issue's relations (both directions)",
)
async def list_relations(issue_id: str, principal: IssuesRead, session: ReadSession):
    issue = await service.get_issue(session, principal.org_id, issue_id)
    rows = await RelationRepository(session, principal.org_id).for_issue(issue.id)
    return engine.one([service.relation_view(issue.id, row) for row in rows])


@router.post(
    "/issues/{issue_id}/relations",
    status_code=201,
    response_model=engine.Data[RelationOut],
    tags=["Relations"],
    summary="Relate two issues",
)
async def create_relation(issue_id: str, body: RelationCreate, principal: IssuesWrite, session: WriteSession):
    relation = await relations.create_relation(
        session, principal.org_id, issue_id, body.type, body.related_issue_id
    )
    return engine.one(relation, 201)


@router.delete("/relations/{relation_id}", **NO_CONTENT, tags=["Relations"], summary="Delete a relation")
async def delete_relation(relation_id: str, principal: IssuesWrite, session: WriteSession):
    await relations.delete_relation(session, principal.org_id, relation_id)
    return Response(status_code=204)


# -- comments -----------------------------------------------------------------------------------------------
@router.get(
    "/issues/{issue_id}/comments",
    response_model=engine.Page[CommentThread],
    tags=["Comments"],
    summary="List an issue's comment threads",
)
async def list_comments(
    issue_id: str, principal: CommentsRead, session: ReadSession, pagination: engine.Pagination
):
    threads, total = await comments.list_threads(
        session, principal.org_id, issue_id, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page(threads, total)


@router.post(
    "/issues/{issue_id}/comments",
    status_code=201,
    response_model=engine.Data[CommentOut],
    tags=["Comments"],
    summary="Comment on an issue",
)
async def create_comment(issue_id: str, body: CommentCreate, principal: CommentsWrite, session: WriteSession):
    comment = await comments.create_comment(
        session,
        principal.org_id,
        issue_id,
        body=body.body,
        author_name=body.author_name,
        author_type=body.author_type,
        parent_id=body.parent_id,
        credential_id=principal.credential_id,
    )
    return engine.one(comments.comment_to_api(comment), 201)


@router.patch(
    "/comments/{comment_id}",
    response_model=engine.Data[CommentOut],
    tags=["Comments"],
    summary="Edit a comment (its author's credential only)",
)
async def update_comment(
    comment_id: str, body: CommentUpdate, principal: CommentsWrite, session: WriteSession
):
    comment = await comments.update_comment(
        session, principal.org_id, comment_id, body=body.body, credential_id=principal.credential_id
    )
    return engine.one(comments.comment_to_api(comment))


@router.delete(
    "/comments/{comment_id}",
    **NO_CONTENT,
    tags=["Comments"],
    summary="Delete a comment (its author's credential only)",
)
async def delete_comment(comment_id: str, principal: CommentsWrite, session: WriteSession):
    await comments.delete_comment(
        session, principal.org_id, comment_id, credential_id=principal.credential_id
    )
    return Response(status_code=204)
