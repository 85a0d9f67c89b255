"""Clients as invoicing shows them (the "billed to" side): name (unique, never changed), email (needed to
send), phone, VAT number and a postal address (line 1 and postal code at least)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from loop.clients.models import Client
from loop.surfaces.track import TrackModel

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if not EMAIL.match(value):
        raise ValueError("not a valid email address")
    return value


class Address(TrackModel):
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str | None = Field(None, max_length=100)

    @field_validator("line1", "postal_code")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class ClientCreate(TrackModel):
    name: str = Field(min_length=1, max_length=300)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)
    vat_number: str | None = Field(None, max_length=50)
    address: Address

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        return _email(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return " ".join(value.split())


class ClientPatch(TrackModel):
    name: str | None = Field(None, description="Refused: a client's name cannot be changed")
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=50)
    vat_number: str | None = Field(None, max_length=50)
    address: Address | None = None

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        return _email(value)


class ClientOut(TrackModel):
    id: str
    name: str
    email: str | None
    phone: str | None
    vat_number: str | None
    address: Address | None
    created_at: datetime
    updated_at: datetime


class ClientMutation(TrackModel):
    success: bool = True
    data: str
    client: ClientOut


def address_to_api(address: dict[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    return {
        "line1": address.get("line1"),
        "line2": address.get("line2"),
        "city": address.get("city"),
        "region": address.get("region"),
        "postalCode": address.get("postalCode") or address.get("postal_code"),
        "country": address.get("country"),
    }


def client_to_api(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "name": client.name,
        "email": client.email,
        "phone": client.phone,
        "vatNumber": client.vat_number,
        "address": address_to_api(client.address),
        "createdAt": client.created_at,
        "updatedAt": client.updated_at,
    }
