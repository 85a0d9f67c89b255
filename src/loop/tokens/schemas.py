from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from loop.surfaces.developer import DeveloperModel


class TokenCreate(DeveloperModel):
    name: str = Field(min_length=1, max_length=200, description='A descriptive name, e.g. "CI Pipeline"')
    format: Literal["tok", "loop", "looped_live", "looped_test"] = Field(
        "tok",
        description="tok_… (default), loop_… (engine clients), looped_live_…/looped_test_… (Looped clients)",
    )
    scope_preset: Literal["write-all", "read-all", "restricted"] | None = Field(
        None, description="write-all by default; restricted needs `scopes`"
    )
    scopes: list[str] | None = Field(
        None, description="Explicit scopes for a restricted token, e.g. read:time"
    )
    expires_at: datetime | None = Field(None, description="When the token stops working (ISO 8601)")
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Alternative to expires_at")
    rate_limit: str | None = Field(
        None, max_length=100, description='Override the plan limits: "600/minute;50000/day"'
    )


class TokenOut(DeveloperModel):
    id: str
    name: str
    prefix: str
    format: str
    scopes: list[str]
    scope_preset: str
    rate_limit: str | None
    user_id: str
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. It is shown only in this response.")
