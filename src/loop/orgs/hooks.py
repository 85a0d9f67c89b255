"""What a new organisation gets seeded with (default prompt templates, …).

Each module that seeds data appends an async ``seed(session, org)`` function to ``SEEDERS`` in its own
``seed.py``; ``load_seeders`` imports those modules once so the list is complete.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from loop.orgs.models import Organisation

Seeder = Callable[["AsyncSession", "Organisation"], Awaitable[None]]
SEEDERS: list[Seeder] = []

# Modules whose import registers a seeder.
SEED_MODULES: tuple[str, ...] = ("loop.signals.seed", "loop.prompts.seed")


def load_seeders() -> list[Seeder]:
    for name in SEED_MODULES:
        importlib.import_module(name)
    return SEEDERS
