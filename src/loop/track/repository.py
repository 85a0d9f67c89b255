"""Every Track query, scoped by organisation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from loop.db.repository import OrgRepository
from loop.orgs.models import Membership, User
from loop.projects.models import Project, ProjectMember
from loop.track.models import Section, Tag, TimeEntry, Todo, time_entry_tags, todo_tags


def title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


class TagRepository(OrgRepository[Tag]):
    model = Tag

    async def listing(self) -> Sequence[Tag]:
        return await self.all(self.select().order_by(Tag.title_key, Tag.id))

    async def by_ids(self, ids: Iterable[str]) -> dict[str, Tag]:
        ids = list(set(ids))
        if not ids:
            return {}
        return {t.id: t for t in await self.all(self.select().where(Tag.id.in_(ids)))}

    async def by_key(self, key: str) -> Tag | None:
        stmt = self.select().where(Tag.title_key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def insert_if_absent(self, tag: Tag) -> bool:
        """Insert unless a tag with the same key exists (concurrent creators included); True if inserted."""
        dialect = self.session.bind.dialect.name if self.session.bind else "sqlite"
        insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "id": tag.id,
            "org_id": self.org_id,
            "title": tag.title,
            "title_key": tag.title_key,
            "created_at": tag.created_at,
            "updated_at": tag.updated_at,
        }
        stmt = (
            insert_(Tag)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[Tag.org_id, Tag.title_key])
            .returning(Tag.id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None


class SectionRepository(OrgRepository[Section]):
    model = Section

    async def for_project(self, project_id: str) -> Sequence[Section]:
        stmt = self.select().where(Section.project_id == project_id).order_by(Section.created_at, Section.id)
        return await self.all(stmt)

    async def by_title(self, project_id: str, key: str) -> Section | None:
        stmt = self.select().where(Section.project_id == project_id, Section.title_key == key)
        return (await self.session.execute(stmt)).scalar_one_or_none()


class TimeEntryRepository(OrgRepository[TimeEntry]):
    model = TimeEntry

    async def window(
        self, start: date, end: date, *, user_id: str | None, project_id: str | None
    ) -> Sequence[TimeEntry]:
        stmt = self.select().where(TimeEntry.date >= start, TimeEntry.date <= end)
        if user_id is not None:
            stmt = stmt.where(TimeEntry.user_id == user_id)
        if project_id is not None:
            stmt = stmt.where(TimeEntry.project_id == project_id)
        return await self.all(stmt.order_by(TimeEntry.date.desc(), TimeEntry.created_at.desc()))

    async def count_for_project(self, project_id: str) -> int:
        stmt = select(func.count()).where(TimeEntry.org_id == self.org_id, TimeEntry.project_id == project_id)
        return (await self.session.execute(stmt)).scalar_one()

    async def tags_for(self, entry_ids: Sequence[str]) -> dict[str, list[Tag]]:
        result: dict[str, list[Tag]] = defaultdict(list)
        if not entry_ids:
            return result
        stmt = (
            select(time_entry_tags.c.time_entry_id, Tag)
            .join(Tag, Tag.id == time_entry_tags.c.tag_id)
            .where(time_entry_tags.c.time_entry_id.in_(entry_ids), Tag.org_id == self.org_id)
            .order_by(Tag.title_key)
        )
        for entry_id, tag in (await self.session.execute(stmt)).all():
            result[entry_id].append(tag)
        return result

    async def set_tags(self, entry_id: str, tag_ids: Sequence[str], *, new: bool = False) -> None:
        if not new:
            await self.session.execute(
                delete(time_entry_tags).where(time_entry_tags.c.time_entry_id == entry_id)
            )
        if tag_ids:
            await self.session.execute(
                insert(time_entry_tags),
                [{"time_entry_id": entry_id, "tag_id": t} for t in dict.fromkeys(tag_ids)],
            )

    async def clear_section(self, section_id: str) -> None:
        await self.session.execute(
            update(TimeEntry)
            .where(TimeEntry.org_id == self.org_id, TimeEntry.section_id == section_id)
            .values(section_id=None)
        )
        await self.session.execute(
            update(Todo)
            .where(Todo.org_id == self.org_id, Todo.section_id == section_id)
            .values(section_id=None)
        )


class TodoRepository(OrgRepository[Todo]):
    model = Todo

    def for_user(self, user_id: str) -> Any:
        return self.select().where(Todo.user_id == user_id)

    async def tags_for(self, todo_ids: Sequence[str]) -> dict[str, list[Tag]]:
        result: dict[str, list[Tag]] = defaultdict(list)
        if not todo_ids:
            return result
        stmt = (
            select(todo_tags.c.todo_id, Tag)
            .join(Tag, Tag.id == todo_tags.c.tag_id)
            .where(todo_tags.c.todo_id.in_(todo_ids), Tag.org_id == self.org_id)
            .order_by(Tag.title_key)
        )
        for todo_id, tag in (await self.session.execute(stmt)).all():
            result[todo_id].append(tag)
        return result

    async def set_tags(self, todo_id: str, tag_ids: Sequence[str], *, new: bool = False) -> None:
        if not new:
            await self.session.execute(delete(todo_tags).where(todo_tags.c.todo_id == todo_id))
        if tag_ids:
            await self.session.execute(
                insert(todo_tags), [{"todo_id": todo_id, "tag_id": t} for t in dict.fromkeys(tag_ids)]
            )

    def logged(self) -> Any:
        """Todos that have time logged against them."""
        return select(TimeEntry.todo_id).where(
            TimeEntry.org_id == self.org_id, TimeEntry.todo_id.is_not(None)
        )


class PeopleRepository:
    """Users of one organisation, and their rates on projects."""

    def __init__(self, session: AsyncSession, org_id: str) -> None:
        self.session = session
        self.org_id = org_id

    async def is_member(self, user_id: str) -> bool:
        stmt = select(Membership.id).where(Membership.org_id == self.org_id, Membership.user_id == user_id)
        return (await self.session.execute(stmt)).first() is not None

    async def members(self, user_ids: Iterable[str]) -> set[str]:
        ids = list(set(user_ids))
        if not ids:
            return set()
        stmt = select(Membership.user_id).where(Membership.org_id == self.org_id, Membership.user_id.in_(ids))
        return set((await self.session.execute(stmt)).scalars().all())

    async def users(self, user_ids: Iterable[str]) -> dict[str, User]:
        """Users by id, only those who are (or were made) part of this organisation's data."""
        ids = list(set(user_ids))
        if not ids:
            return {}
        return {u.id: u for u in (await self.session.execute(select(User).where(User.id.in_(ids)))).scalars()}

    async def projects(self, project_ids: Iterable[str]) -> dict[str, Project]:
        ids = list({p for p in project_ids if p})
        if not ids:
            return {}
        stmt = select(Project).where(Project.org_id == self.org_id, Project.id.in_(ids))
        return {p.id: p for p in (await self.session.execute(stmt)).scalars()}

    async def person_and_rate(
        self, user_id: str, project_id: str | None
    ) -> tuple[User | None, ProjectMember | None]:
        """One user and their membership of one project, in one query."""
        if project_id is None:
            user = (await self.session.execute(select(User).where(User.id == user_id))).scalar_one_or_none()
            return user, None
        member_of_project = and_(
            ProjectMember.user_id == User.id,
            ProjectMember.project_id == project_id,
            ProjectMember.org_id == self.org_id,
        )
        stmt = (
            select(User, ProjectMember).outerjoin(ProjectMember, member_of_project).where(User.id == user_id)
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return (row[0], row[1]) if row else (None, None)

    async def rates(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ProjectMember]:
        """(project_id, user_id) → membership with its rate."""
        pairs = {p for p in pairs if p[0]}
        if not pairs:
            return {}
        project_ids = {p for p, _ in pairs}
        stmt = select(ProjectMember).where(
            ProjectMember.org_id == self.org_id, ProjectMember.project_id.in_(project_ids)
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return {(m.project_id, m.user_id): m for m in rows if (m.project_id, m.user_id) in pairs}
