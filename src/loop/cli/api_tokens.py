"""``loop tokens`` through the API (``/api/v1/tokens``), used when an API token is configured."""

from __future__ import annotations

from loop.cli.remote import EXIT_INVALID, EXIT_NOT_FOUND, client, command, fail, out, print_json, show_list

COLUMNS = [("id", "id"), ("name", "name"), ("prefix", "prefix"), ("scopes", "scopes", 40),
           ("expires", "expires_at"), ("last used", "last_used_at"), ("revoked", "revoked_at")]  # fmt: skip


@command
def create_via_api(
    name: str, fmt: str, preset: str | None, scopes: list[str] | None, expires_in_days: int | None,
    rate_limit: str | None, as_json: bool,
) -> None:  # fmt: skip
    with client() as loop:
        made = loop.tokens.create(name=name, format=fmt, scope_preset=preset, scopes=scopes,
                                  expires_in_days=expires_in_days, rate_limit=rate_limit)  # fmt: skip
    if as_json:
        print_json(made)
        return
    out.print(f"Token [bold]{made['name']}[/bold] ({made['prefix']}…, scopes: {', '.join(made['scopes'])})")
    out.print("Copy it now, it will not be shown again:")
    out.print(made["token"], soft_wrap=True, highlight=False)


@command
def list_via_api(include_revoked: bool, as_json: bool) -> None:
    with client() as loop:
        rows = list(loop.tokens.iter(include_revoked=include_revoked or None))
    if as_json:
        print_json(rows)
        return
    show_list(rows, COLUMNS, as_json=False, empty="No tokens.")


@command
def revoke_via_api(token: str) -> None:
    with client() as loop:
        token_id = token
        if "_" in token:  # a prefix such as tok_1a2b3c4d
            wanted = token.rstrip("…")
            matches = [t for t in loop.tokens.iter() if t["prefix"].startswith(wanted) or t["id"] == token]
            if not matches:
                raise fail("No token has that prefix", EXIT_NOT_FOUND)
            if len(matches) > 1:
                raise fail("Several tokens match; use the id", EXIT_INVALID)
            token_id = matches[0]["id"]
        loop.tokens.revoke(token_id)
    out.print(f"revoked {token}")
