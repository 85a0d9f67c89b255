"""The dashboard under ``/app``: every page router, in matching order. Not part of the API's OpenAPI."""

from __future__ import annotations

from fastapi import APIRouter

from loop.web import auth_pages, board_pages, engine_pages, issues_pages, settings_pages, time_pages

router = APIRouter(include_in_schema=False)
for module in (settings_pages, issues_pages, board_pages, time_pages, engine_pages, auth_pages):
    router.include_router(module.router, prefix="/app")  # auth_pages last: it ends with the catch-all 404
