"""Limit/offset pagination parameters, shared by every surface (each surface sets its own bounds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    offset: int
