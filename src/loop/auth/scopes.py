"""Scopes: ``<action>:<resource>`` (the form Looped documents: ``read:time``, ``write:project``).

Stored on a credential as patterns: ``*`` (write-all), ``read:*`` (read-all) or explicit scopes (restricted).
Storing the preset rather than its expansion keeps old write-all tokens complete when new resources appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

RESOURCES: tuple[str, ...] = (
    # engine
    "issue", "project", "goal", "label", "comment", "signal", "template", "review", "dispatch", "dashboard",
    # developer API
    "feedback", "board", "ticket", "client",
    # track and invoices
    "time", "tag", "todo", "invoice",
    # inbox
    "draft", "report",
    # administration
    "token", "member",
)  # fmt: skip
ACTIONS = ("read", "write")
ALL_SCOPES: tuple[str, ...] = tuple(f"{a}:{r}" for r in RESOURCES for a in ACTIONS)

PRESETS: dict[str, list[str]] = {
    "write-all": ["*"],
    "read-all": ["read:*"],
}

# Spellings people use for the same scope (``issues:read``, ``dispatch:claim``).
_ALIAS = re.compile(r"^(?P<resource>[a-z_]+?)s?:(?P<action>read|write)$")
_SPECIAL_ALIASES = {"dispatch:claim": "write:dispatch", "invoices:read": "read:invoice"}


class ScopeError(ValueError):
    pass


def normalise_scope(raw: str) -> str:
    value = raw.strip().lower()
    if value in _SPECIAL_ALIASES:
        return _SPECIAL_ALIASES[value]
    if value in ALL_SCOPES:
        return value
    match = _ALIAS.match(value)
    if match:
        candidate = f"{match['action']}:{match['resource']}"
        if candidate in ALL_SCOPES:
            return candidate
    raise ScopeError(f"Unknown scope '{raw}'")


def resolve(preset: str | None, scopes: Iterable[str] | None) -> list[str]:
    """The patterns to store for a new credential."""
    scopes = list(scopes or [])
    if preset is None:
        preset = "restricted" if scopes else "write-all"
    if preset in PRESETS:
        if scopes:
            raise ScopeError(f"Preset '{preset}' takes no explicit scopes; use 'restricted' to choose them")
        return list(PRESETS[preset])
    if preset != "restricted":
        raise ScopeError(f"Unknown scope preset '{preset}' (use read-all, write-all or restricted)")
    if not scopes:
        raise ScopeError("A restricted token needs at least one scope")
    return sorted({normalise_scope(s) for s in scopes})


def grants(patterns: Iterable[str], scope: str) -> bool:
    for pattern in patterns:
        if pattern == "*" or pattern == scope:
            return True
        if pattern.endswith(":*") and scope.startswith(pattern[:-1]):
            return True
    return False


def missing(patterns: Iterable[str], required: Iterable[str]) -> list[str]:
    patterns = list(patterns)
    return [scope for scope in required if not grants(patterns, scope)]


def is_subset(child: Iterable[str], parent: Iterable[str]) -> bool:
    """Whether every scope ``child`` grants is also granted by ``parent`` (no privilege escalation)."""
    parent = list(parent)
    return all(grants(parent, scope) for scope in ALL_SCOPES if grants(child, scope))


def preset_of(patterns: Iterable[str]) -> str:
    patterns = list(patterns)
    for name, value in PRESETS.items():
        if patterns == value:
            return name
    return "restricted"
