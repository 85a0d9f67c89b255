"""``/v1/team``: the settings invoices print and use — name, currency, address and bank details.

The currency locks after the first paid invoice (invoices keep the currency they were created in)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field, field_validator

from loop.auth.principal import Principal
from loop.clients.invoicing_schemas import Address
from loop.core.clock import utcnow
from loop.core.errors import Conflict, Forbidden
from loop.db.session import ReadSession, WriteSession
from loop.invoices.repository import InvoiceRepository
from loop.orgs.models import Organisation
from loop.surfaces import track as surface

router = APIRouter(prefix="/v1/team", tags=["Invoices"])

TeamRead = Annotated[Principal, surface.requires("read:invoice")]
TeamWrite = Annotated[Principal, surface.requires("write:invoice")]
CURRENCY = re.compile(r"^[A-Z]{3}$")
CURRENCY_LOCKED = "The currency is locked after the first paid invoice"


class BankDetails(surface.TrackModel):
    bank_name: str | None = Field(None, max_length=200)
    account_name: str | None = Field(None, max_length=200)
    account_number: str | None = Field(None, max_length=64)
    branch_code: str | None = Field(None, max_length=32)
    sort_code: str | None = Field(None, max_length=32)
    routing_number: str | None = Field(None, max_length=32)
    iban: str | None = Field(None, max_length=64)
    swift: str | None = Field(None, max_length=32)
    reference: str | None = Field(None, max_length=100, description="Defaults to the invoice's serial number")


class TeamOut(surface.TrackModel):
    id: str
    name: str
    currency: str
    currency_locked: bool
    address: Address | None
    bank_details: BankDetails | None


class TeamPatch(surface.TrackModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    currency: str | None = Field(None, description="ISO 4217 code, e.g. EUR, GBP, ZAR")
    address: Address | None = None
    bank_details: BankDetails | None = None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if not CURRENCY.match(value):
            raise ValueError("expected a three-letter ISO 4217 code such as EUR")
        return value


class TeamMutation(surface.TrackModel):
    success: bool = True
    data: str
    team: TeamOut


def team_to_api(org: Organisation, locked: bool) -> dict[str, Any]:
    return {
        "id": org.id,
        "name": org.name,
        "currency": org.currency,
        "currencyLocked": locked,
        "address": org.address,
        "bankDetails": org.bank_details,
    }


@router.get("", response_model=TeamOut, summary="The team's invoicing settings")
async def get_team(principal: TeamRead, session: ReadSession):
    org = await session.get(Organisation, principal.org_id)
    assert org is not None
    locked = await InvoiceRepository(session, org.id).has_payments()
    return surface.entity(team_to_api(org, locked))


@router.patch(
    "", response_model=TeamMutation, summary="Change the team's invoicing settings (owners and admins)"
)
async def update_team(body: TeamPatch, principal: TeamWrite, session: WriteSession):
    if not principal.is_admin:
        raise Forbidden("Only owners and admins can change team settings", code="role_required")
    org = await session.get(Organisation, principal.org_id, with_for_update=True)
    assert org is not None
    locked = await InvoiceRepository(session, org.id).has_payments()
    given = body.model_fields_set
    if "name" in given and body.name:
        org.name = body.name.strip()
    if "currency" in given and body.currency and body.currency != org.currency:
        if locked:
            raise Conflict(CURRENCY_LOCKED, code="currency_locked")
        org.currency = body.currency
    if "address" in given:
        org.address = body.address.model_dump(by_alias=True) if body.address else None
    if "bank_details" in given:
        org.bank_details = (
            body.bank_details.model_dump(by_alias=True, exclude_none=True) if body.bank_details else None
        )
    org.updated_at = utcnow()
    await session.flush()
    return surface.mutation("Team updated", team=team_to_api(org, locked))
