"""Drafts: storage, and asking for delivery (the checks on their content are in ``validation``).

``create_draft(session, org_id, user_id, fields)`` is the entry point for every caller, the REST surface and
other modules alike (a reply to a feedback reporter, an invoice email with its PDF). ``fields`` uses the
API's snake_case names; internal callers may give an attachment's bytes as ``data`` instead of
``base64_data``, and link the draft to what it answers with ``link_type``/``link_id``.

Sending is a background job (``inbox.send_draft``) enqueued in the same transaction, so a draft asked to be
sent is sent exactly when the request commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from loop import jobs
from loop.clients.models import Client
from loop.config import Settings
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, NotFound
from loop.core.ids import new_id
from loop.inbox import validation
from loop.inbox.models import Draft, DraftAttachment, DraftStatus
from loop.inbox.repository import AttachmentRepository, DraftRepository
from loop.mail.smtp import new_message_id
from loop.orgs.models import Membership, User

DRAFT_NOT_FOUND = "Draft not found"
SEND_JOB = "inbox.send_draft"
DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_LINK_TYPES = frozenset({"feedback", "invoice", "ticket", "issue"})


@dataclass(frozen=True)
class DraftOptions:
    """What the server's configuration decides for drafts."""

    mail_configured: bool = False
    default_from: str = ""
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES

    @classmethod
    def from_settings(cls, settings: Settings | None) -> DraftOptions:
        if settings is None:
            return cls()
        return cls(
            mail_configured=bool(settings.smtp_host),
            default_from=settings.smtp_from,
            max_attachment_bytes=settings.draft_max_attachment_bytes,
        )


async def _check_members(session: AsyncSession, org_id: str, user_ids: Sequence[str]) -> None:
    if not user_ids:
        return
    stmt = select(Membership.user_id).where(
        Membership.org_id == org_id, Membership.user_id.in_(list(user_ids))
    )
    known = set((await session.execute(stmt)).scalars())
    unknown = [uid for uid in user_ids if uid not in known]
    if unknown:
        raise BadRequest(
            f"add_users: no member of this workspace has the id '{unknown[0]}'", code="unknown_user"
        )


async def _check_client(session: AsyncSession, org_id: str, client_id: str | None) -> None:
    if client_id is None:
        return
    stmt = select(Client.id).where(Client.org_id == org_id, Client.id == client_id)
    if (await session.execute(stmt)).first() is None:
        raise BadRequest(f"client_id: no client '{client_id}' in this organisation", code="unknown_client")


async def _default_sender(
    session: AsyncSession, options: DraftOptions, user_id: str | None
) -> dict[str, Any]:
    if options.default_from:
        name, address = parseaddr(options.default_from)
        return {"address": address or options.default_from, "name": name or None}
    user = await session.get(User, user_id) if user_id else None
    if user is None:
        return {"address": None, "name": None}
    return {"address": user.email, "name": user.display_name}


async def _thread_references(session: AsyncSession, org_id: str, conversation_id: str) -> list[str]:
    stmt = (
        select(Draft.message_id)
        .where(Draft.org_id == org_id, Draft.conversation_id == conversation_id)
        .where(Draft.status == DraftStatus.sent.value, Draft.message_id.is_not(None))
        .order_by(Draft.sent_at, Draft.id)
    )
    return [mid for mid in (await session.execute(stmt)).scalars() if mid]


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


# -- writes ---------------------------------------------------------------------------------------------
async def _apply(
    session: AsyncSession, draft: Draft, fields: Mapping[str, Any], options: DraftOptions
) -> list[tuple[str, str, bytes]] | None:
    """Copy the given fields onto ``draft``; returns new attachments when ``attachments`` was given."""
    if "subject" in fields:
        draft.subject = validation.single_line(fields["subject"], "subject")
    if "body" in fields:
        draft.body = fields["body"]
    if fields.get("from_field") is not None:
        sender = validation.address(fields["from_field"], "from_field")
        draft.from_address, draft.from_name = sender["address"], sender["name"]
    for field in ("to_fields", "cc_fields", "bcc_fields"):
        if field in fields:
            setattr(draft, field, validation.addresses(fields[field], field))
    if fields.get("references") is not None:
        draft.message_references = _unique(
            [validation.single_line(r.strip(), "references") or "" for r in fields["references"]]
        )
    if "team" in fields:
        draft.team_id = fields["team"] or None
    if fields.get("add_users"):
        await _check_members(session, draft.org_id, fields["add_users"])
        draft.user_ids = _unique([*(draft.user_ids or []), *fields["add_users"]])
    labels = list(draft.labels or [])
    if fields.get("add_shared_labels"):
        labels = _unique([*labels, *fields["add_shared_labels"]])
    if fields.get("remove_shared_labels"):
        removed = set(fields["remove_shared_labels"])
        labels = [label for label in labels if label not in removed]
    draft.labels = labels
    if "client_id" in fields:
        await _check_client(session, draft.org_id, fields["client_id"])
        draft.client_id = fields["client_id"]
    if fields.get("attachments") is not None:
        return validation.attachments(fields["attachments"], options.max_attachment_bytes)
    return None


def _check_content(draft: Draft) -> None:
    if not (draft.subject or "").strip() and not (draft.body or "").strip():
        raise BadRequest("A draft needs a subject or a body", code="empty_draft")


async def _store_attachments(
    session: AsyncSession, draft: Draft, files: list[tuple[str, str, bytes]]
) -> None:
    repo = AttachmentRepository(session, draft.org_id)
    await repo.remove_all(draft.id)
    for position, (filename, content_type, data) in enumerate(files):
        repo.add(
            DraftAttachment(
                draft_id=draft.id,
                position=position,
                filename=filename,
                content_type=content_type,
                size=len(data),
                data=data,
                created_at=utcnow(),
            )
        )
    draft.attachment_count = len(files)
    draft.attachment_bytes = sum(len(data) for _, _, data in files)


def _check_sendable(draft: Draft) -> None:
    if not (draft.to_fields or draft.cc_fields or draft.bcc_fields):
        raise BadRequest(
            "A draft needs at least one recipient (to_fields, cc_fields or bcc_fields) to be sent",
            code="no_recipients",
        )
    if not draft.from_address:
        raise BadRequest("A draft needs a from_field to be sent", code="no_sender")


async def _request_send(
    session: AsyncSession, draft: Draft, when: datetime | None, options: DraftOptions, now: datetime
) -> None:
    """Deliver now (``when`` None or due) or at ``when``; without SMTP the draft waits as ``queued``."""
    _check_sendable(draft)
    draft.send_at = when
    draft.last_error = None
    if not options.mail_configured:
        draft.status = DraftStatus.queued.value
        draft.send_job_id = None
        return
    if not draft.message_id:
        draft.message_id = new_message_id(draft.from_address)
    due = when is None or when <= now
    job = await jobs.enqueue(
        session, draft.org_id, SEND_JOB, {"draft_id": draft.id}, run_after=None if due else when
    )
    draft.send_job_id = job.id
    draft.status = (DraftStatus.sending if due else DraftStatus.scheduled).value


async def create_draft(
    session: AsyncSession,
    org_id: str,
    user_id: str | None,
    fields: Mapping[str, Any],
    *,
    settings: Settings | None = None,
) -> Draft:
    """Create a draft (and ask for its delivery when ``send`` or ``send_at`` says so). Never commits."""
    options = DraftOptions.from_settings(settings)
    now = utcnow()
    link_type, link_id = fields.get("link_type"), fields.get("link_id")
    if (link_type is None) != (link_id is None) or (link_type is not None and link_type not in _LINK_TYPES):
        raise BadRequest(
            f"link_type must be one of {', '.join(sorted(_LINK_TYPES))}, with link_id",
            code="validation_error",
        )
    draft = Draft(
        id=new_id(),
        author_id=user_id,
        conversation_id=(fields.get("conversation") or "").strip() or new_id(),
        status=DraftStatus.draft.value,
        to_fields=[],
        cc_fields=[],
        bcc_fields=[],
        message_references=[],
        labels=[],
        user_ids=[],
        link_type=link_type,
        link_id=link_id,
        created_at=now,
        updated_at=now,
    )
    draft.org_id = org_id
    files = await _apply(session, draft, fields, options)
    _check_content(draft)
    if draft.from_address is None:
        sender = await _default_sender(session, options, user_id)
        draft.from_address, draft.from_name = sender["address"], sender["name"]
    if not draft.message_references and fields.get("conversation"):
        draft.message_references = await _thread_references(session, org_id, draft.conversation_id)
    send_at = validation.send_at(fields["send_at"], now) if fields.get("send_at") is not None else None
    DraftRepository(session, org_id).add(draft)
    await session.flush()
    if files:
        await _store_attachments(session, draft, files)
    if fields.get("send") or send_at is not None:
        await _request_send(session, draft, send_at, options, now)
    await session.flush()
    return draft


async def get_draft(session: AsyncSession, org_id: str, draft_id: str, *, for_update: bool = False) -> Draft:
    draft = await DraftRepository(session, org_id).get(draft_id, for_update=for_update)
    if draft is None:
        raise NotFound(DRAFT_NOT_FOUND, code="draft_not_found")
    return draft


def _refuse_in_flight(draft: Draft, action: str) -> None:
    if draft.status == DraftStatus.sent.value and action == "changed":
        raise Conflict("This draft has been sent; it can no longer be changed", code="draft_sent")
    if draft.status == DraftStatus.sending.value:
        raise Conflict(f"This draft is being sent; it can no longer be {action}", code="draft_sending")


async def update_draft(
    session: AsyncSession,
    org_id: str,
    draft_id: str,
    fields: Mapping[str, Any],
    *,
    settings: Settings | None = None,
) -> Draft:
    options = DraftOptions.from_settings(settings)
    now = utcnow()
    draft = await get_draft(session, org_id, draft_id, for_update=True)
    _refuse_in_flight(draft, "changed")
    files = await _apply(session, draft, fields, options)
    _check_content(draft)
    if files is not None:
        await _store_attachments(session, draft, files)
    if draft.status == DraftStatus.failed.value:
        draft.status, draft.last_error = DraftStatus.draft.value, None
    if draft.status in (DraftStatus.scheduled.value, DraftStatus.queued.value):
        _check_sendable(draft)
    if fields.get("send"):
        await _request_send(session, draft, None, options, now)
    elif "send_at" in fields and fields["send_at"] is not None:
        await _request_send(session, draft, validation.send_at(fields["send_at"], now), options, now)
    elif "send_at" in fields or fields.get("send") is False:
        # unschedule: a pending delivery job finds another send_job_id and does nothing
        draft.status, draft.send_at, draft.send_job_id = DraftStatus.draft.value, None, None
    draft.updated_at = now
    await session.flush()
    return draft


async def delete_draft(session: AsyncSession, org_id: str, draft_id: str) -> None:
    draft = await get_draft(session, org_id, draft_id, for_update=True)
    _refuse_in_flight(draft, "deleted")
    await session.delete(draft)
    await session.flush()


async def list_drafts(
    session: AsyncSession,
    org_id: str,
    *,
    status: str | None,
    conversation: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Draft], int]:
    repo = DraftRepository(session, org_id)
    return await repo.page(repo.listing(status=status, conversation=conversation), limit=limit, offset=offset)


# -- responses ------------------------------------------------------------------------------------------
def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def _address_out(field: dict[str, Any]) -> dict[str, Any]:
    return {"address": field.get("address"), "name": field.get("name")}


def to_api(draft: Draft, attachments: Sequence[DraftAttachment]) -> dict[str, Any]:
    return {
        "id": draft.id,
        "conversation": draft.conversation_id,
        "subject": draft.subject,
        "body": draft.body,
        "from_field": (
            {"address": draft.from_address, "name": draft.from_name} if draft.from_address else None
        ),
        "to_fields": [_address_out(f) for f in draft.to_fields or []],
        "cc_fields": [_address_out(f) for f in draft.cc_fields or []],
        "bcc_fields": [_address_out(f) for f in draft.bcc_fields or []],
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in attachments
        ],
        "references": list(draft.message_references or []),
        "team": draft.team_id,
        "users": list(draft.user_ids or []),
        "shared_labels": list(draft.labels or []),
        "client_id": draft.client_id,
        "link": {"type": draft.link_type, "id": draft.link_id} if draft.link_type and draft.link_id else None,
        "author": draft.author_id,
        "status": draft.status,
        "send_at": _epoch(draft.send_at),
        "sent_at": _epoch(draft.sent_at),
        "message_id": draft.message_id,
        "error": draft.last_error,
        "created_at": _epoch(draft.created_at),
        "updated_at": _epoch(draft.updated_at),
    }


async def present(session: AsyncSession, org_id: str, drafts: Sequence[Draft]) -> list[dict[str, Any]]:
    """API dicts of several drafts, their attachments loaded in one query."""
    attachments = await AttachmentRepository(session, org_id).of_drafts([d.id for d in drafts])
    return [to_api(draft, attachments.get(draft.id, [])) for draft in drafts]
