"""``loop users``: set a dashboard password directly in the local store (no server needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from loop.cli.common import (
    DatabaseUrlOption,
    DataDirOption,
    build_settings,
    console,
    fail,
    open_database,
    run,
)
from loop.core.errors import LoopError
from loop.orgs.repository import OrgRepository
from loop.web.passwords import MIN_LENGTH, generate_password
from loop.web.sessions import set_password as store_password

app = typer.Typer(help="Dashboard users.", no_args_is_help=True)


@app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="The user's email")],
    password: Annotated[
        str | None,
        typer.Option(
            "--password", help=f"The new password (at least {MIN_LENGTH} characters); default: generated"
        ),
    ] = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Set (or reset) a user's dashboard password; prints a generated one when none is given.

    Example: loop users set-password owner@localhost
    """
    if password is not None and len(password) < MIN_LENGTH:
        raise fail(f"the password needs at least {MIN_LENGTH} characters")
    chosen = password or generate_password()
    settings = build_settings(data_dir, database_url)

    async def apply() -> None:
        async with open_database(settings, ready=True) as database, database.write() as session:
            user = await OrgRepository(session).user_by_email(email)
            if user is None:
                raise LoopError(f"No user with the email {email}")
            await store_password(session, user, chosen)

    try:
        run(apply)
    except LoopError as exc:
        raise fail(exc.message) from exc
    console.print(f"Password set for {email}.")
    if password is None:
        print(f"Password: {chosen}", flush=True)
