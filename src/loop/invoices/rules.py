"""Invoice statuses: what is stored, what is derived from the dates, and which changes are allowed.

Stored: PENDING (saved, unpaid), PAID_PARTIAL (some money received), PAID, VOID (cancelled; its hours are
released for billing again). Derived when an invoice is read, for a PENDING invoice only:

- EXPIRED: its ``expiryDate`` has passed (the pay link no longer takes payment);
- OVERDUE: otherwise, its ``dueDate`` has passed.

"Today" is the UTC calendar day. A PAID_PARTIAL invoice keeps that status; ``overdue`` tells whether its
balance is late.
"""

from __future__ import annotations

from datetime import date

from loop.core.clock import utcnow

PENDING = "PENDING"
PAID_PARTIAL = "PAID_PARTIAL"
PAID = "PAID"
VOID = "VOID"
OVERDUE = "OVERDUE"
EXPIRED = "EXPIRED"

STORED = (PENDING, PAID_PARTIAL, PAID, VOID)
DERIVED = (OVERDUE, EXPIRED)
ALL = (PENDING, OVERDUE, EXPIRED, PAID_PARTIAL, PAID, VOID)

# from → the statuses PATCH /status may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({PAID, PAID_PARTIAL, VOID}),
    PAID_PARTIAL: frozenset({PAID, PAID_PARTIAL, PENDING, VOID}),
    PAID: frozenset({PENDING, VOID}),
    VOID: frozenset(),
}


def today() -> date:
    return utcnow().date()


def effective_status(stored: str, due: date | None, expiry: date | None, on: date | None = None) -> str:
    on = on or today()
    if stored != PENDING:
        return stored
    if expiry is not None and expiry < on:
        return EXPIRED
    if due is not None and due < on:
        return OVERDUE
    return PENDING


def is_overdue(stored: str, due: date | None, on: date | None = None) -> bool:
    return stored in (PENDING, PAID_PARTIAL) and due is not None and due < (on or today())


def can_move(stored: str, target: str) -> bool:
    return target in TRANSITIONS.get(stored, frozenset())
