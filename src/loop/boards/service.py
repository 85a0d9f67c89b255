"""Board lists and cards. Positions stay dense (0…n-1): every insert, move and delete shifts its neighbours
in the same transaction, under a lock on the project (lists) or on the lists involved (cards), so concurrent
moves on PostgreSQL cannot interleave (SQLite serialises writers already)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.boards.models import BoardList, Card
from loop.boards.schemas import CardCreate, CardUpdate, ChecklistItem, ListCreate, ListUpdate
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound
from loop.core.ids import new_id
from loop.db.repository import OrgRepository
from loop.orgs.models import User
from loop.projects.developer_service import PROJECT_NOT_FOUND, get_project
from loop.projects.models import Project

LIST_NOT_FOUND = "List not found"
CARD_NOT_FOUND = "Card not found"
PROJECT_REQUIRED = "project_id query parameter is required"
NOT_A_BOARD = "Lists belong to board projects; this project's type is website"
UNKNOWN_LIST = "list_id does not match a list of this organisation"


class ListRepository(OrgRepository[BoardList]):
    model = BoardList

    def of_project(self, project_id: str) -> Select[tuple[BoardList]]:
        return (
            self.select().where(BoardList.project_id == project_id).order_by(BoardList.position, BoardList.id)
        )

    async def count(self, project_id: str) -> int:
        stmt = self.select(func.count()).where(BoardList.project_id == project_id)
        return (await self.session.execute(stmt)).scalar_one()

    async def lock(self, list_ids: set[str]) -> dict[str, BoardList]:
        """Lock the lists (in id order, so two movers never wait on each other crosswise)."""
        stmt = (
            self.select().where(BoardList.id.in_(sorted(list_ids))).order_by(BoardList.id).with_for_update()
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return {row.id: row for row in rows}


class CardRepository(OrgRepository[Card]):
    model = Card

    def listing(self, *, project_id: str | None, list_id: str | None) -> Select[tuple[Card]]:
        if list_id is not None:
            return self.select().where(Card.list_id == list_id).order_by(Card.position, Card.id)
        stmt = self.select().join(BoardList, BoardList.id == Card.list_id)
        if project_id is not None:
            stmt = stmt.where(Card.project_id == project_id)
        return stmt.order_by(Card.project_id, BoardList.position, Card.position, Card.id)

    async def count_in(self, list_id: str) -> int:
        stmt = self.select(func.count()).where(Card.list_id == list_id)
        return (await self.session.execute(stmt)).scalar_one()


async def _shift(
    session: AsyncSession, model: Any, scope: Any, *, lo: int, hi: int | None, by: int, skip: str
) -> None:
    """Add ``by`` to the position of rows in ``scope`` with lo <= position (<= hi), except ``skip``."""
    condition = [scope, model.position >= lo, model.id != skip]
    if hi is not None:
        condition.append(model.position <= hi)
    await session.execute(
        update(model)
        .where(*condition)
        .values(position=model.position + by)
        .execution_options(synchronize_session=False)
    )


async def _lock_project(session: AsyncSession, org_id: str, project_id: str) -> Project:
    stmt = (
        select(Project)
        .where(Project.id == project_id, Project.org_id == org_id, Project.deleted_at.is_(None))
        .with_for_update()
    )
    project = (await session.execute(stmt)).scalar_one_or_none()
    if project is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


# -- lists ----------------------------------------------------------------------------------------------
async def list_lists(
    session: AsyncSession, org_id: str, project_id: str | None, *, limit: int, offset: int
) -> tuple[Sequence[BoardList], int]:
    if not project_id:
        raise BadRequest(PROJECT_REQUIRED, code="validation_error")
    await get_project(session, org_id, project_id)
    repo = ListRepository(session, org_id)
    return await repo.page(repo.of_project(project_id), limit=limit, offset=offset)


async def get_list(session: AsyncSession, org_id: str, list_id: str) -> BoardList:
    row = await ListRepository(session, org_id).get(list_id)
    if row is None:
        raise NotFound(LIST_NOT_FOUND)
    return row


async def create_list(session: AsyncSession, org_id: str, body: ListCreate) -> BoardList:
    name = body.name.strip()
    if not name:
        raise BadRequest("name is required", code="validation_error")
    project = await _lock_project(session, org_id, body.project_id)
    if project.type != "board":
        raise BadRequest(NOT_A_BOARD, code="not_a_board")
    repo = ListRepository(session, org_id)
    count = await repo.count(project.id)
    position = count if body.position is None else min(body.position, count)
    new = BoardList(id=new_id(), project_id=project.id, name=name, position=position)
    await _shift(
        session, BoardList, BoardList.project_id == project.id, lo=position, hi=None, by=1, skip=new.id
    )
    repo.add(new)
    await session.flush()
    return new


async def update_list(session: AsyncSession, org_id: str, list_id: str, body: ListUpdate) -> BoardList:
    fields = body.model_fields_set & {"name", "position"}
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    row = await get_list(session, org_id, list_id)
    if "name" in fields:
        if body.name is None or not body.name.strip():
            raise BadRequest("name cannot be empty", code="validation_error")
        row.name = body.name.strip()
    if "position" in fields and body.position is not None:
        await _lock_project(session, org_id, row.project_id)
        await session.refresh(row, ["position"])
        count = await ListRepository(session, org_id).count(row.project_id)
        target = min(body.position, count - 1)
        scope = BoardList.project_id == row.project_id
        if target < row.position:
            await _shift(session, BoardList, scope, lo=target, hi=row.position - 1, by=1, skip=row.id)
        elif target > row.position:
            await _shift(session, BoardList, scope, lo=row.position + 1, hi=target, by=-1, skip=row.id)
        row.position = target
    row.updated_at = utcnow()
    await session.flush()
    return row


async def delete_list(session: AsyncSession, org_id: str, list_id: str) -> None:
    row = await get_list(session, org_id, list_id)
    await _lock_project(session, org_id, row.project_id)
    await session.refresh(row, ["position"])
    if await CardRepository(session, org_id).count_in(row.id):
        raise Conflict("List is not empty: move or delete its cards first", code="list_not_empty")
    await session.execute(delete(BoardList).where(BoardList.id == row.id, BoardList.org_id == org_id))
    await _shift(
        session,
        BoardList,
        BoardList.project_id == row.project_id,
        lo=row.position + 1,
        hi=None,
        by=-1,
        skip=row.id,
    )


# -- cards ----------------------------------------------------------------------------------------------
async def list_cards(
    session: AsyncSession,
    org_id: str,
    *,
    project_id: str | None,
    list_id: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Card], int]:
    if project_id is not None:
        await get_project(session, org_id, project_id)
    if list_id is not None:
        board_list = await get_list(session, org_id, list_id)
        if project_id is not None and board_list.project_id != project_id:
            return [], 0
    repo = CardRepository(session, org_id)
    return await repo.page(repo.listing(project_id=project_id, list_id=list_id), limit=limit, offset=offset)


async def get_card(session: AsyncSession, org_id: str, card_id: str) -> Card:
    row = await CardRepository(session, org_id).get(card_id)
    if row is None:
        raise NotFound(CARD_NOT_FOUND)
    return row


def _checklist(items: list[ChecklistItem]) -> list[dict[str, Any]]:
    return [{"id": item.id or new_id(), "text": item.text, "checked": item.checked} for item in items]


def _dump(items: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump() for item in items]


async def create_card(session: AsyncSession, principal: Principal, body: CardCreate) -> Card:
    if not body.list_id:
        raise BadRequest("list_id is required", code="validation_error")
    title = (body.title or "").strip()
    if not title:
        raise BadRequest("title is required", code="validation_error")
    repo = ListRepository(session, principal.org_id)
    locked = await repo.lock({body.list_id})
    board_list = locked.get(body.list_id)
    if board_list is None:
        raise BadRequest(UNKNOWN_LIST, code="invalid_list_id")
    if body.project_id is not None and body.project_id != board_list.project_id:
        raise BadRequest("list_id belongs to another project", code="invalid_list_id")
    cards = CardRepository(session, principal.org_id)
    count = await cards.count_in(board_list.id)
    position = count if body.position is None else min(body.position, count)
    author = await session.get(User, principal.user_id)
    card = Card(
        id=new_id(),
        project_id=board_list.project_id,
        list_id=board_list.id,
        title=title,
        description=body.description,
        labels=_dump(body.labels),
        due_date=body.due_date,
        checklist=_checklist(body.checklist),
        attachments=_dump(body.attachments),
        author_id=principal.user_id,
        author_name=author.display_name if author else None,
        position=position,
    )
    await _shift(session, Card, Card.list_id == board_list.id, lo=position, hi=None, by=1, skip=card.id)
    cards.add(card)
    await session.flush()
    return card


async def _move(
    session: AsyncSession, org_id: str, card: Card, list_id: str | None, position: int | None
) -> None:
    # The project lock serialises moves within a board: a concurrent move may change this card's list
    # between loading it and locking, and only the refreshed list is the one to close the gap in.
    await _lock_project(session, org_id, card.project_id)
    await session.refresh(card, ["list_id", "position"])
    target_list = list_id or card.list_id
    locked = await ListRepository(session, org_id).lock({card.list_id, target_list})
    if target_list not in locked:
        raise BadRequest(UNKNOWN_LIST, code="invalid_list_id")
    if locked[target_list].project_id != card.project_id:
        raise BadRequest("Cards can only move between lists of the same project", code="invalid_list_id")
    await session.refresh(card, ["list_id", "position"])
    cards = CardRepository(session, org_id)
    if target_list == card.list_id:
        if position is None:
            return
        target = min(position, await cards.count_in(target_list) - 1)
        scope = Card.list_id == card.list_id
        if target < card.position:
            await _shift(session, Card, scope, lo=target, hi=card.position - 1, by=1, skip=card.id)
        elif target > card.position:
            await _shift(session, Card, scope, lo=card.position + 1, hi=target, by=-1, skip=card.id)
        card.position = target
        return
    count = await cards.count_in(target_list)
    target = count if position is None else min(position, count)
    await _shift(
        session, Card, Card.list_id == card.list_id, lo=card.position + 1, hi=None, by=-1, skip=card.id
    )
    await _shift(session, Card, Card.list_id == target_list, lo=target, hi=None, by=1, skip=card.id)
    card.list_id = target_list
    card.position = target


CARD_FIELDS = {
    "list_id",
    "position",
    "title",
    "description",
    "labels",
    "due_date",
    "checklist",
    "attachments",
}


async def update_card(session: AsyncSession, org_id: str, card_id: str, body: CardUpdate) -> Card:
    fields = body.model_fields_set & CARD_FIELDS
    if not fields:
        raise BadRequest("No valid fields", code="no_valid_fields")
    card = await get_card(session, org_id, card_id)
    if "title" in fields:
        if not body.title or not body.title.strip():
            raise BadRequest("title cannot be empty", code="validation_error")
        card.title = body.title.strip()
    if "description" in fields:
        card.description = body.description
    if "labels" in fields:
        card.labels = _dump(body.labels or [])
    if "due_date" in fields:
        card.due_date = body.due_date
    if "checklist" in fields:
        card.checklist = _checklist(body.checklist or [])
    if "attachments" in fields:
        card.attachments = _dump(body.attachments or [])
    if ("list_id" in fields and body.list_id) or ("position" in fields and body.position is not None):
        await _move(session, org_id, card, body.list_id, body.position)
    card.updated_at = utcnow()
    await session.flush()
    return card


async def delete_card(session: AsyncSession, org_id: str, card_id: str) -> None:
    card = await get_card(session, org_id, card_id)
    await _lock_project(session, org_id, card.project_id)
    await session.refresh(card, ["list_id", "position"])
    await ListRepository(session, org_id).lock({card.list_id})
    await session.execute(delete(Card).where(Card.id == card.id, Card.org_id == org_id))
    await _shift(
        session, Card, Card.list_id == card.list_id, lo=card.position + 1, hi=None, by=-1, skip=card.id
    )
