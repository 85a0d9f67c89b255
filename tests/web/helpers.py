"""Signing a user in through the real sign-in form, for in-process dashboard tests."""

from __future__ import annotations

import re
from typing import Any

import httpx2

from loop.web.sessions import set_password

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def give_password(app: Any, user: Any, password: str = PASSWORD) -> None:
    async with app.state.database.write() as session:
        merged = await session.merge(user)
        await set_password(session, merged, password)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def sign_in(client: httpx2.AsyncClient, email: str, password: str = PASSWORD) -> httpx2.Response:
    page = await client.get("/app/login")
    token = csrf_of(page.text)
    return await client.post(
        "/app/login", data={"email": email, "password": password, "csrf_token": token, "next": "/app"}
    )


async def signed_in(app: Any, client: httpx2.AsyncClient, account: Any) -> str:
    """Sign the account's user in; returns the session's CSRF token (from the home page)."""
    await give_password(app, account.user)
    response = await sign_in(client, account.user.email)
    assert response.status_code == 303, response.text
    home = await client.get("/app")
    assert home.status_code == 200
    return csrf_of(home.text)
