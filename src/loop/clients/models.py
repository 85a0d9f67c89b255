"""Clients: one table, seen by the developer API (``/api/v1/clients``) and by invoicing
(``/v1/invoices/clients``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loop.db.base import Base, IdMixin, OrgMixin, TimestampMixin
from loop.db.types import JSONType


class Client(IdMixin, OrgMixin, TimestampMixin, Base):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("org_id", "name_key"),)

    name: Mapped[str] = mapped_column(String(300))
    # casefolded name: names are unique per organisation regardless of case
    name_key: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    vat_number: Mapped[str | None] = mapped_column(String(50), nullable=True)
    company: Mapped[str | None] = mapped_column(String(300), nullable=True)
    logo_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONType(), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
