"""Conversation sources: what a report export is made of.

A report has one row per conversation that started inside the window ``[start, end)``. Each kind of
conversation (email threads here; feedback items in ``loop.feedback.report``, tickets in
``loop.tickets.report``) is a *source*: an async generator registered under a name that yields
``ConversationRow`` objects for an organisation and a window::

    from loop.inbox.sources import ConversationRow, ExportQuery, conversation_source

    @conversation_source("feedback")
    async def feedback_rows(session, query: ExportQuery):
        ...  # rows whose created_at is in [query.start, query.end)
        yield ConversationRow(...)

and lists its module in ``SOURCE_MODULES``. The id filters (tags, teams, teammates, customers) are applied
here to every row, so a source only has to respect the window; it may filter earlier to save work.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.clients.models import Client
from loop.inbox.models import Draft, DraftStatus
from loop.orgs.models import User

# Modules whose import registers a conversation source.
SOURCE_MODULES: tuple[str, ...] = ("loop.feedback.report", "loop.tickets.report")


@dataclass(frozen=True)
class Column:
    key: str  # the field name in a Json export and the header in an Xlsx one
    attr: str
    kind: str  # text | datetime | int | list
    width: int = 18


# The row schema, in column order. New sources fill the same fields (None or [] where they have nothing).
COLUMNS: tuple[Column, ...] = (
    Column("conversationId", "conversation_id", "text", 38),
    Column("source", "source", "text", 10),  # email | feedback | ticket
    Column("subject", "subject", "text", 40),
    Column("status", "status", "text", 12),
    Column("channel", "channel", "text", 12),
    Column("teamId", "team_id", "text"),
    Column("createdAt", "created_at", "datetime", 20),
    Column("lastActivityAt", "last_activity_at", "datetime", 20),
    Column("closedAt", "closed_at", "datetime", 20),
    Column("firstResponseAt", "first_response_at", "datetime", 20),
    Column("firstResponseSeconds", "first_response_seconds", "int", 12),
    Column("authorId", "author_id", "text", 38),
    Column("authorEmail", "author_email", "text", 28),
    Column("teammateIds", "teammate_ids", "list", 38),
    Column("contacts", "contacts", "list", 32),
    Column("customerId", "customer_id", "text", 38),
    Column("customerName", "customer_name", "text", 24),
    Column("tagIds", "tag_ids", "list", 20),
    Column("messagesIn", "messages_in", "int", 10),
    Column("messagesOut", "messages_out", "int", 10),
    Column("drafts", "drafts", "int", 8),
)


@dataclass
class ConversationRow:
    conversation_id: str
    source: str
    created_at: datetime
    last_activity_at: datetime
    subject: str | None = None
    status: str | None = None
    channel: str | None = None
    team_id: str | None = None
    closed_at: datetime | None = None
    # the team's first reply to a client's message (None when the conversation has no inbound message)
    first_response_at: datetime | None = None
    first_response_seconds: int | None = None
    author_id: str | None = None  # the teammate who started it, if a teammate did
    author_email: str | None = None
    teammate_ids: list[str] = field(default_factory=list)  # every teammate involved
    contacts: list[str] = field(default_factory=list)  # the client-side email addresses
    customer_id: str | None = None
    customer_name: str | None = None
    tag_ids: list[str] = field(default_factory=list)
    messages_in: int = 0
    messages_out: int = 0
    drafts: int = 0  # unsent drafts


def _ids(values: Iterable[str] | None) -> frozenset[str] | None:
    cleaned = frozenset(v for v in (values or ()) if v)
    return cleaned or None


@dataclass(frozen=True)
class ExportQuery:
    org_id: str
    start: datetime
    end: datetime
    tag_ids: frozenset[str] | None = None
    team_ids: frozenset[str] | None = None
    teammate_ids: frozenset[str] | None = None
    customer_ids: frozenset[str] | None = None

    @classmethod
    def build(
        cls, org_id: str, start: datetime, end: datetime, **filters: Iterable[str] | None
    ) -> ExportQuery:
        return cls(org_id, start, end, **{name: _ids(values) for name, values in filters.items()})

    def in_window(self, row: ConversationRow) -> bool:
        return self.start <= row.created_at < self.end

    def matches(self, row: ConversationRow) -> bool:
        """Every given filter must match (AND); within one filter any id matches (OR)."""
        if self.tag_ids and not self.tag_ids.intersection(row.tag_ids):
            return False
        if self.team_ids and row.team_id not in self.team_ids:
            return False
        if self.teammate_ids and not self.teammate_ids.intersection(
            [*row.teammate_ids, *([row.author_id] if row.author_id else [])]
        ):
            return False
        return not (self.customer_ids and row.customer_id not in self.customer_ids)


SourceFn = Callable[[AsyncSession, ExportQuery], AsyncIterator[ConversationRow]]
_SOURCES: dict[str, SourceFn] = {}


def conversation_source(name: str) -> Callable[[SourceFn], SourceFn]:
    def register(fn: SourceFn) -> SourceFn:
        _SOURCES[name] = fn
        return fn

    return register


def unregister_source(name: str) -> None:
    _SOURCES.pop(name, None)


def sources() -> dict[str, SourceFn]:
    for module in SOURCE_MODULES:
        importlib.import_module(module)
    return dict(_SOURCES)


async def collect(session: AsyncSession, query: ExportQuery) -> list[ConversationRow]:
    rows: list[ConversationRow] = []
    for fn in sources().values():
        async for row in fn(session, query):
            if query.in_window(row) and query.matches(row):
                rows.append(row)
    rows.sort(key=lambda row: (row.created_at, row.conversation_id))
    return rows


def value_of(row: ConversationRow, column: Column) -> Any:
    return getattr(row, column.attr)


# -- email threads: drafts and the messages they became ----------------------------------------------------
_BATCH = 500


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


@conversation_source("email")
async def email_rows(session: AsyncSession, query: ExportQuery) -> AsyncIterator[ConversationRow]:
    started = func.min(Draft.created_at)
    stmt = (
        select(Draft.conversation_id)
        .where(Draft.org_id == query.org_id)
        .group_by(Draft.conversation_id)
        .having(started >= query.start, started < query.end)
        .order_by(started, Draft.conversation_id)
    )
    conversation_ids = list((await session.execute(stmt)).scalars())
    for offset in range(0, len(conversation_ids), _BATCH):
        batch = conversation_ids[offset : offset + _BATCH]
        drafts = (
            await session.execute(
                select(Draft)
                .where(Draft.org_id == query.org_id, Draft.conversation_id.in_(batch))
                .order_by(Draft.created_at, Draft.id)
            )
        ).scalars()
        threads: dict[str, list[Draft]] = {cid: [] for cid in batch}
        for draft in drafts:
            threads[draft.conversation_id].append(draft)
        emails, clients = await _names(session, query.org_id, threads)
        for conversation_id, thread in threads.items():
            if thread:
                yield _email_row(conversation_id, thread, emails, clients)


async def _names(
    session: AsyncSession, org_id: str, threads: dict[str, list[Draft]]
) -> tuple[dict[str, str], dict[str, str]]:
    user_ids = _unique(d.author_id for thread in threads.values() for d in thread)
    client_ids = _unique(d.client_id for thread in threads.values() for d in thread)
    emails: dict[str, str] = {}
    clients: dict[str, str] = {}
    if user_ids:
        stmt = select(User.id, User.email).where(User.id.in_(user_ids))
        emails = {user_id: email for user_id, email in (await session.execute(stmt)).all()}
    if client_ids:
        stmt = select(Client.id, Client.name).where(Client.org_id == org_id, Client.id.in_(client_ids))
        clients = {client_id: name for client_id, name in (await session.execute(stmt)).all()}
    return emails, clients


def _email_row(
    conversation_id: str, thread: list[Draft], emails: dict[str, str], clients: dict[str, str]
) -> ConversationRow:
    first, last = thread[0], thread[-1]
    sent = [d for d in thread if d.status == DraftStatus.sent.value]
    activity = [d.updated_at for d in thread] + [d.sent_at for d in sent if d.sent_at]
    customer_id = next((d.client_id for d in thread if d.client_id), None)
    author_id = first.author_id
    return ConversationRow(
        conversation_id=conversation_id,
        source="email",
        subject=next((d.subject for d in thread if d.subject), None),
        status=last.status,
        channel="email",
        team_id=next((d.team_id for d in thread if d.team_id), None),
        created_at=first.created_at,
        last_activity_at=max(activity),
        author_id=author_id,
        author_email=emails.get(author_id) if author_id else None,
        teammate_ids=_unique(
            [*(d.author_id for d in thread), *(u for d in thread for u in d.user_ids or [])]
        ),
        contacts=_unique(
            f["address"]
            for d in thread
            for f in [*d.to_fields, *d.cc_fields, *d.bcc_fields]
            if f.get("address")
        ),
        customer_id=customer_id,
        customer_name=clients.get(customer_id) if customer_id else None,
        tag_ids=_unique(label for d in thread for label in d.labels or []),
        messages_out=len(sent),
        drafts=len(thread) - len(sent),
    )
