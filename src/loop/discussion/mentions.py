"""@mentions in markdown comments, resolved to the user ids of project members.

A member can be mentioned by email (``@alex@acme.com``), by the part of it before the ``@`` (``@alex``),
by display name without spaces or with dots, dashes or underscores (``@AlexJohnson``, ``@alex.johnson``),
in brackets with spaces (``@[Alex Johnson]``), or by first name when no other member shares it (``@Alex``).
Text in code spans and code blocks is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_BRACKETED = re.compile(r"(?<![\w@])@\[([^\]\n]{1,100})\]")
_PLAIN = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


@dataclass(frozen=True)
class Member:
    user_id: str
    display_name: str
    email: str


def _squash(name: str) -> str:
    return re.sub(r"\s+", "", name).casefold()


def _handles(members: Iterable[Member]) -> dict[str, str]:
    """Handle -> user id. Email-based and full-name handles come first; a first name counts only when
    no other member has it and it is not someone else's handle already. A handle two members share is
    dropped rather than guessed."""
    strong: dict[str, str] = {}
    weak: dict[str, str] = {}
    clashes: dict[str, set[str]] = {"strong": set(), "weak": set()}

    def put(kind: str, handle: str, user_id: str) -> None:
        table = strong if kind == "strong" else weak
        handle = handle.casefold()
        if not handle:
            return
        if handle in table and table[handle] != user_id:
            clashes[kind].add(handle)
        table.setdefault(handle, user_id)

    for m in members:
        email = m.email.casefold()
        put("strong", email, m.user_id)
        put("strong", email.split("@")[0], m.user_id)
        name = " ".join(m.display_name.split())
        put("strong", _squash(name), m.user_id)
        for joiner in (".", "_", "-"):
            put("strong", name.replace(" ", joiner), m.user_id)
        put("weak", name.split(" ")[0] if name else "", m.user_id)
    handles = {h: u for h, u in strong.items() if h not in clashes["strong"]}
    for handle, user_id in weak.items():
        if handle not in clashes["weak"] and handle not in strong:
            handles[handle] = user_id
    return handles


def resolve(body: str, members: Iterable[Member]) -> list[str]:
    """User ids mentioned in ``body``, in order of first mention, each once."""
    if "@" not in body:
        return []
    text = _CODE.sub(" ", body)
    handles = _handles(members)
    found: list[tuple[int, str]] = []
    for match in _BRACKETED.finditer(text):
        user_id = handles.get(_squash(match.group(1)))
        if user_id:
            found.append((match.start(), user_id))
    for match in _PLAIN.finditer(text):
        token = match.group(1).rstrip("._-+").casefold()
        user_id = handles.get(token)
        if user_id:
            found.append((match.start(), user_id))
    seen: list[str] = []
    for _, user_id in sorted(found):
        if user_id not in seen:
            seen.append(user_id)
    return seen
