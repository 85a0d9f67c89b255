"""Queries on the shared clients table (seen by the developer API and by invoicing)."""

from __future__ import annotations

from sqlalchemy import Select, or_

from loop.clients.models import Client
from loop.db.repository import OrgRepository


def name_key(name: str) -> str:
    """Names are unique per organisation regardless of case and surrounding spaces."""
    return " ".join(name.split()).casefold()


class ClientRepository(OrgRepository[Client]):
    model = Client

    async def get_by_name(self, name: str) -> Client | None:
        stmt = self.select().where(Client.name_key == name_key(name))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def search(self, q: str | None) -> Select[tuple[Client]]:
        """Name, email, phone and VAT number, case-insensitively."""
        stmt = self.select()
        if q and q.strip():
            needle = q.strip().casefold()
            stmt = stmt.where(
                or_(
                    Client.name_key.contains(needle, autoescape=True),
                    Client.email.icontains(needle, autoescape=True),
                    Client.phone.icontains(needle, autoescape=True),
                    Client.vat_number.icontains(needle, autoescape=True),
                )
            )
        return stmt
