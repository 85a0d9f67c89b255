"""Every query on issues, their labels, relations and comments, scoped by organisation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.db.repository import OrgRepository
from loop.issues.models import CLOSED_STATUSES, Comment, Issue, IssueLabel, IssueRelation
from loop.labels.models import Label

ISSUE_COLUMNS = tuple(Issue.__table__.c)
SUMMARY_COLUMNS = (Issue.id, Issue.number, Issue.title, Issue.status)
# The issue as the engine API names its fields, in the order it prints them: list pages select these so
# that each row becomes its response dict in one step (``dict(zip(API_KEYS, row))``).
_API_FIELDS = {
    "id": Issue.id, "number": Issue.number, "title": Issue.title, "description": Issue.description,
    "type": Issue.type, "status": Issue.status, "priority": Issue.priority, "parentId": Issue.parent_id,
    "projectId": Issue.project_id, "signalSource": Issue.signal_source, "signalPayload": Issue.signal_payload,
    "occurrences": Issue.occurrences, "lastSeenAt": Issue.last_seen_at,
    "hypothesis": Issue.hypothesis, "agentSessionId": Issue.agent_session_id, "agentSummary": Issue.agent_summary,
    "commits": Issue.commits, "pullRequests": Issue.pull_requests, "completedAt": Issue.completed_at,
    "createdAt": Issue.created_at, "updatedAt": Issue.updated_at, "deletedAt": Issue.deleted_at,
}  # fmt: skip
API_KEYS = tuple(_API_FIELDS)
API_COLUMNS = tuple(column.label(key) for key, column in _API_FIELDS.items())


async def lock_issue_graph(session: AsyncSession, org_id: str) -> None:
    """Serialise changes to an organisation's hierarchy and relations until the transaction ends, so two
    concurrent requests cannot each pass a check the other invalidates (a cycle, a grandchild).

    SQLite writers already hold the database lock (``BEGIN IMMEDIATE``); PostgreSQL takes an advisory lock.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtext(literal(f"issue-graph:{org_id}"))))
        )


class IssueRepository(OrgRepository[Issue]):
    model = Issue

    def live(self) -> Select[tuple[Issue]]:
        return self.select().where(Issue.deleted_at.is_(None))

    async def get_live(self, issue_id: str) -> Issue | None:
        stmt = self.live().where(Issue.id == issue_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def live_rows(self, ids: Iterable[str]) -> list[Row[Any]]:
        ids = list(set(ids))
        if not ids:
            return []
        stmt = select(*ISSUE_COLUMNS).where(
            Issue.org_id == self.org_id, Issue.id.in_(ids), Issue.deleted_at.is_(None)
        )
        return list((await self.session.execute(stmt)).all())

    async def with_family(self, issue_id: str) -> list[Row[Any]]:
        """The live issue, its live parent and its live children (oldest first), in one statement; each row
        carries the issue's number of live comments as ``comment_count``."""
        rows = (await self.session.execute(_FAMILY, {"org_id": self.org_id, "issue_id": issue_id})).all()
        return [row for row in rows if row.org_id == self.org_id]

    async def has_live_children(self, issue_id: str) -> bool:
        stmt = select(
            exists().where(
                Issue.org_id == self.org_id, Issue.parent_id == issue_id, Issue.deleted_at.is_(None)
            )
        )
        return bool((await self.session.execute(stmt)).scalar())

    async def detach_children(self, issue_id: str) -> None:
        await self.session.execute(
            update(Issue)
            .where(Issue.org_id == self.org_id, Issue.parent_id == issue_id, Issue.deleted_at.is_(None))
            .values(parent_id=None, updated_at=utcnow())
        )

    async def page_rows(self, shape: ListShape, params: dict[str, Any]) -> tuple[list[Row[Any]], int]:
        """One page of matching issues (columns named as the API names them) and the number of matches.

        The count rides along as an uncorrelated subquery, evaluated once and served by the partial indexes
        on live rows, so a page costs one statement; only a page past the end needs a second one."""
        page, count = list_statements(shape)
        params = {**params, "org_id": self.org_id}
        rows = list((await self.session.execute(page, params)).all())
        if rows:
            return rows, rows[0].total
        return [], (await self.session.execute(count, params)).scalar_one()

    async def status_counts(self, project_id: str) -> dict[str, int]:
        stmt = (
            select(Issue.status, func.count())
            .where(Issue.org_id == self.org_id, Issue.project_id == project_id, Issue.deleted_at.is_(None))
            .group_by(Issue.status)
        )
        return {status: count for status, count in (await self.session.execute(stmt)).all()}

    # -- labels of issues ---------------------------------------------------------------------------
    async def labels_by_issue(self, issue_ids: Iterable[str]) -> dict[str, list[Label]]:
        ids = list(issue_ids)
        result: dict[str, list[Label]] = {issue_id: [] for issue_id in ids}
        if not ids:
            return result
        params = {"org_id": self.org_id, "issue_ids": ids}
        for issue_id, label in (await self.session.execute(_LABELS_OF, params)).all():
            result[issue_id].append(label)
        return result

    async def label_ids_of(self, issue_id: str) -> set[str]:
        stmt = select(IssueLabel.label_id).where(
            IssueLabel.org_id == self.org_id, IssueLabel.issue_id == issue_id
        )
        return set((await self.session.execute(stmt)).scalars().all())

    async def add_labels(self, issue_id: str, label_ids: Iterable[str]) -> None:
        for label_id in label_ids:
            self.session.add(IssueLabel(issue_id=issue_id, label_id=label_id, org_id=self.org_id))
        await self.session.flush()

    async def remove_labels(self, issue_id: str, label_ids: Iterable[str]) -> None:
        ids = list(label_ids)
        if ids:
            await self.session.execute(
                delete(IssueLabel).where(
                    IssueLabel.org_id == self.org_id,
                    IssueLabel.issue_id == issue_id,
                    IssueLabel.label_id.in_(ids),
                )
            )


class RelationRepository(OrgRepository[IssueRelation]):
    model = IssueRelation

    async def find(self, type_: str, issue_id: str, related_issue_id: str) -> IssueRelation | None:
        stmt = self.select().where(
            IssueRelation.type == type_,
            IssueRelation.issue_id == issue_id,
            IssueRelation.related_issue_id == related_issue_id,
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def blocked_targets(self, blocker_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(blocker, blocked) pairs of the ``blocks`` facts leaving the given issues."""
        ids = list(blocker_ids)
        if not ids:
            return []
        stmt = select(IssueRelation.issue_id, IssueRelation.related_issue_id).where(
            IssueRelation.org_id == self.org_id,
            IssueRelation.type == "blocks",
            IssueRelation.issue_id.in_(ids),
        )
        return [(a, b) for a, b in (await self.session.execute(stmt)).all()]

    async def for_issue(self, issue_id: str) -> list[Row[Any]]:
        """Every relation touching the issue, each with a summary of the issue on the other side."""
        rows = (
            await self.session.execute(_RELATIONS_OF, {"org_id": self.org_id, "issue_id": issue_id})
        ).all()
        return sorted(rows, key=lambda row: (row.created_at, row.id))

    async def delete_touching(self, issue_id: str) -> None:
        await self.session.execute(
            delete(IssueRelation).where(
                IssueRelation.org_id == self.org_id,
                (IssueRelation.issue_id == issue_id) | (IssueRelation.related_issue_id == issue_id),
            )
        )


def open_blocker_exists(blocked_id: Any, org_id: Any | None = None) -> ColumnElement[bool]:
    """SQL condition "some live, unfinished issue blocks ``blocked_id``" (a column or a value), for queries
    that must skip blocked work without loading it (dispatch embeds it in its claim)."""
    blocker = Issue.__table__.alias("blocker")
    conditions = [
        IssueRelation.type == "blocks",
        IssueRelation.related_issue_id == blocked_id,
        blocker.c.id == IssueRelation.issue_id,
        blocker.c.deleted_at.is_(None),
        blocker.c.status.not_in(sorted(CLOSED_STATUSES)),
    ]
    if org_id is not None:
        conditions.append(IssueRelation.org_id == org_id)
    return exists().where(and_(*conditions))


class CommentRepository(OrgRepository[Comment]):
    model = Comment

    async def get_live(self, comment_id: str) -> Comment | None:
        stmt = self.select().where(Comment.id == comment_id, Comment.deleted_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def root_page(self, issue_id: str, *, limit: int, offset: int) -> tuple[list[str], int]:
        """Ids of one page of an issue's threads (oldest first) and the number of threads. A deleted
        top-level comment stays, as a placeholder, only while replies hang below it."""
        where = (Comment.org_id == self.org_id, Comment.issue_id == issue_id, Comment.parent_id.is_(None))
        total = (
            await self.session.execute(select(func.count()).select_from(Comment).where(*where))
        ).scalar_one()
        if total == 0 or offset >= total:
            return [], total
        stmt = select(Comment.id).where(*where).order_by(Comment.created_at, Comment.id).limit(limit)
        ids = (await self.session.execute(stmt.offset(offset))).scalars().all()
        return list(ids), total

    async def in_threads(self, thread_ids: Sequence[str]) -> list[Comment]:
        if not thread_ids:
            return []
        stmt = self.select().where(Comment.thread_id.in_(thread_ids)).order_by(Comment.created_at, Comment.id)
        return list(await self.all(stmt))

    async def has_replies(self, comment_id: str) -> bool:
        """Whether any reply (live, or a placeholder that still holds live replies) hangs below."""
        stmt = select(exists().where(Comment.org_id == self.org_id, Comment.parent_id == comment_id))
        return bool((await self.session.execute(stmt)).scalar())


# -- statements built once (hot paths: building a statement costs more than running it on SQLite) ------------
def _family() -> Select[Any]:
    org_id, issue_id = bindparam("org_id"), bindparam("issue_id")
    # Ids first, through organisation-scoped lookups; rows then by primary key. The organisation is checked
    # again on the rows (with_family): a bare org_id term here would lead SQLite's planner, which has no
    # statistics, to scan the organisation's issues.
    family_ids = union_all(
        select(Issue.id).where(Issue.org_id == org_id, Issue.id == issue_id),
        select(Issue.parent_id).where(Issue.org_id == org_id, Issue.id == issue_id),
        select(Issue.id).where(
            Issue.org_id == org_id, Issue.parent_id == issue_id, Issue.deleted_at.is_(None)
        ),
    )
    comment_count = (
        select(func.count())
        .select_from(Comment)
        .where(Comment.org_id == org_id, Comment.issue_id == issue_id, Comment.deleted_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(*ISSUE_COLUMNS, comment_count.label("comment_count"))
        .where(Issue.id.in_(family_ids), Issue.deleted_at.is_(None))
        .order_by(Issue.created_at, Issue.id)
    )


def _relations_of() -> Any:
    org_id, issue_id = bindparam("org_id"), bindparam("issue_id")
    fields = (
        IssueRelation.id,
        IssueRelation.type,
        IssueRelation.issue_id,
        IssueRelation.related_issue_id,
        IssueRelation.created_at,
    )
    other = (
        Issue.number.label("other_number"),
        Issue.title.label("other_title"),
        Issue.status.label("other_status"),
    )
    outgoing = (
        select(*fields, literal("outgoing").label("direction"), *other)
        .join(Issue, Issue.id == IssueRelation.related_issue_id)
        .where(IssueRelation.org_id == org_id, IssueRelation.issue_id == issue_id, Issue.deleted_at.is_(None))
    )
    incoming = (
        select(*fields, literal("incoming").label("direction"), *other)
        .join(Issue, Issue.id == IssueRelation.issue_id)
        .where(
            IssueRelation.org_id == org_id,
            IssueRelation.related_issue_id == issue_id,
            Issue.deleted_at.is_(None),
        )
    )
    return union_all(outgoing, incoming)


_FAMILY = _family()
_RELATIONS_OF = _relations_of()
_LABELS_OF = (
    select(IssueLabel.issue_id, Label)
    .join(Label, Label.id == IssueLabel.label_id)
    .where(
        IssueLabel.org_id == bindparam("org_id"),
        IssueLabel.issue_id.in_(bindparam("issue_ids", expanding=True)),
        Label.deleted_at.is_(None),
    )
    .order_by(Label.name_key, Label.id)
)


@dataclass(frozen=True)
class ListShape:
    """Which list filters are present (their values are bound at execution): one statement per shape."""

    statuses: bool = False
    types: bool = False
    project: bool = False
    label: bool = False
    parent: bool = False
    no_parent: bool = False
    priority: bool = False
    text: bool = False
    include_deleted: bool = False
    sort: str = "created"


@lru_cache(maxsize=512)
def list_statements(shape: ListShape) -> tuple[Select[Any], Select[Any]]:
    """The page statement (API-named columns plus ``total``) and the bare count for a filter shape.
    Parameters: org_id, limit, offset, and statuses, types, project_id, label_id, parent_id, priority,
    pattern (a LIKE pattern escaped with backslashes) as the shape needs."""
    where: list[ColumnElement[bool]] = [Issue.org_id == bindparam("org_id")]
    if not shape.include_deleted:
        where.append(Issue.deleted_at.is_(None))
    if shape.statuses:
        where.append(Issue.status.in_(bindparam("statuses", expanding=True)))
    if shape.types:
        where.append(Issue.type.in_(bindparam("types", expanding=True)))
    if shape.project:
        where.append(Issue.project_id == bindparam("project_id"))
    if shape.label:
        labelled = select(IssueLabel.issue_id).where(
            IssueLabel.org_id == bindparam("org_id"), IssueLabel.label_id == bindparam("label_id")
        )
        where.append(Issue.id.in_(labelled))
    if shape.parent:
        where.append(Issue.parent_id == bindparam("parent_id"))
    if shape.no_parent:
        where.append(Issue.parent_id.is_(None))
    if shape.priority:
        where.append(Issue.priority == bindparam("priority"))
    if shape.text:
        pattern = bindparam("pattern")
        where.append(
            or_(Issue.title.ilike(pattern, escape="\\"), Issue.description.ilike(pattern, escape="\\"))
        )
    count = select(func.count()).select_from(Issue).where(*where)
    page = (
        select(*API_COLUMNS, count.scalar_subquery().label("total"))
        .where(*where)
        .order_by(*_order(shape.sort))
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return page, count


def _order(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key == "updated":
        columns: list[Any] = [Issue.updated_at, Issue.id]
    elif key == "priority":
        # Most urgent first: 1 urgent … 4 low, then 0 (no priority); oldest first among equals.
        columns = [case((Issue.priority == 0, 5), else_=Issue.priority), Issue.created_at, Issue.id]
    else:
        columns = [Issue.created_at, Issue.id]
    return [column.desc() for column in columns] if descending else columns


def like_pattern(text: str) -> str:
    """A case-insensitive "contains" pattern with the LIKE wildcards of ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"
