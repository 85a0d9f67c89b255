"""Registers the default prompt templates for new organisations."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.orgs.hooks import SEEDERS
from loop.prompts.service import seed_defaults


async def seed(session: AsyncSession, org: Any) -> None:
    await seed_defaults(session, org.id)


SEEDERS.append(seed)
