"""Who is calling: the credential, its organisation and the user it acts as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from loop.auth import scopes as scope_rules


@dataclass(frozen=True, slots=True)
class Principal:
    credential_id: str
    credential_name: str
    org_id: str
    user_id: str
    role: str
    plan: str
    trial_ends_at: datetime | None
    scopes: tuple[str, ...]
    token_format: str
    rate_limit: str | None
    last_used_at: datetime | None

    def has(self, scope: str) -> bool:
        return scope_rules.grants(self.scopes, scope)

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin")
