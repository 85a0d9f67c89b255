"""Labels: create, rename and recolour, soft delete (the name becomes free again), and the links between
labels and issues."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound, Unprocessable
from loop.labels.models import Label
from loop.labels.repository import LabelRepository, name_key

LABEL_NOT_FOUND = "Label not found"
NAME_TAKEN = "Label name already exists"


def to_api(label: Label) -> dict[str, Any]:
    return {
        "id": label.id,
        "name": label.name,
        "color": label.color,
        "createdAt": label.created_at,
        "updatedAt": label.updated_at,
        "deletedAt": label.deleted_at,
    }


def _clean(value: str, field: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise BadRequest(f"Invalid '{field}': must not be blank", code="validation_error")
    if len(value) > max_length:
        raise BadRequest(f"Invalid '{field}': at most {max_length} characters", code="validation_error")
    return value


async def list_labels(
    session: AsyncSession, org_id: str, *, limit: int, offset: int
) -> tuple[Sequence[Label], int]:
    repo = LabelRepository(session, org_id)
    return await repo.page(repo.live().order_by(Label.name_key, Label.id), limit=limit, offset=offset)


async def create_label(session: AsyncSession, org_id: str, *, name: str, color: str) -> Label:
    repo = LabelRepository(session, org_id)
    name = _clean(name, "name", 100)
    color = _clean(color, "color", 50)
    if await repo.live_by_name(name) is not None:
        raise Conflict(NAME_TAKEN, code="label_exists")
    now = utcnow()
    label = repo.add(Label(name=name, name_key=name_key(name), color=color, created_at=now, updated_at=now))
    await _flush_unique(session)
    return label


async def update_label(
    session: AsyncSession, org_id: str, label_id: str, *, name: str | None = None, color: str | None = None
) -> Label:
    repo = LabelRepository(session, org_id)
    label = await repo.get_live(label_id)
    if label is None:
        raise NotFound(LABEL_NOT_FOUND)
    if name is not None:
        name = _clean(name, "name", 100)
        other = await repo.live_by_name(name)
        if other is not None and other.id != label.id:
            raise Conflict(NAME_TAKEN, code="label_exists")
        label.name = name
        label.name_key = name_key(name)
    if color is not None:
        label.color = _clean(color, "color", 50)
    label.updated_at = utcnow()
    await _flush_unique(session)
    return label


async def delete_label(session: AsyncSession, org_id: str, label_id: str) -> None:
    """Soft delete: the label disappears from lists and issues, and its name can be used again."""
    repo = LabelRepository(session, org_id)
    label = await repo.get_live(label_id)
    if label is None:
        raise NotFound(LABEL_NOT_FOUND)
    label.deleted_at = utcnow()
    await repo.unlink_from_issues(label.id)
    await session.flush()


async def resolve_label_ids(session: AsyncSession, org_id: str, label_ids: Sequence[str]) -> list[str]:
    """The distinct ids, in the order given, once every one is a live label of the organisation.
    Unknown ids are refused together, by name, before anything is written."""
    wanted = list(dict.fromkeys(label_ids))
    if not wanted:
        return []
    found = {label.id for label in await LabelRepository(session, org_id).live_by_ids(wanted)}
    unknown = [label_id for label_id in wanted if label_id not in found]
    if unknown:
        raise Unprocessable(
            f"Label not found: {', '.join(unknown)}", code="label_not_found", labelIds=unknown
        )
    return wanted


async def _flush_unique(session: AsyncSession) -> None:
    """A concurrent request may have taken the name between our check and our write."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(NAME_TAKEN, code="label_exists") from exc


async def get_label(session: AsyncSession, org_id: str, label_id: str) -> Label:
    label = await LabelRepository(session, org_id).get_live(label_id)
    if label is None:
        raise NotFound(LABEL_NOT_FOUND)
    return label
