"""Plan and role rules, as data: each surface names the policy its endpoints need."""

from __future__ import annotations

from dataclasses import dataclass

from loop.auth import scopes as scope_rules
from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import Forbidden

PAID_PLANS = frozenset({"pro", "business"})


def has_paid_access(principal: Principal) -> bool:
    """Pro, Business, or a trial that has not ended."""
    if principal.plan in PAID_PLANS:
        return True
    if principal.plan == "trial":
        return principal.trial_ends_at is None or principal.trial_ends_at > utcnow()
    return False


@dataclass(frozen=True)
class SurfacePolicy:
    name: str
    plan_message: str | None = None  # None: no plan rule on this surface
    roles: frozenset[str] | None = None  # None: any member
    role_message: str = "Your role in this organisation does not allow this request"

    def check(self, principal: Principal) -> None:
        if self.plan_message and not has_paid_access(principal):
            raise Forbidden(self.plan_message, code="plan_required")
        if self.roles is not None and principal.role not in self.roles:
            raise Forbidden(self.role_message, code="role_required")


ENGINE = SurfacePolicy("engine")
DEVELOPER = SurfacePolicy(
    "developer",
    plan_message="Developer API requires a Pro or Business plan",
    roles=frozenset({"owner", "admin", "developer"}),
    role_message="Developer API requires the Owner or Developer role",
)
INBOX = SurfacePolicy("inbox", plan_message="The API requires a workspace on a paid plan")
TRACK = SurfacePolicy("track")


def require_scopes(principal: Principal, required: tuple[str, ...]) -> None:
    absent = scope_rules.missing(principal.scopes, required)
    if absent:
        raise Forbidden("Forbidden", code="insufficient_scope", required=list(required), missing=absent)
