"""Request and response shapes of signals, triage rules and webhook configuration (camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from loop.issues.schemas import IssueOut, IssueStatus
from loop.surfaces.engine import EngineModel

Severity = Literal["low", "medium", "high", "critical"]
ProviderKey = Literal["github", "sentry", "posthog"]


# -- signals ------------------------------------------------------------------------------------------------
class SignalCreate(EngineModel):
    source: str = Field(min_length=1, max_length=200, examples=["posthog"])
    source_id: str | None = Field(None, max_length=500, description="The event's id at the source")
    type: str = Field(min_length=1, max_length=200, examples=["error_rate"])
    severity: Severity
    payload: dict[str, Any]
    project_id: str | None = None
    fingerprint: str | None = Field(
        None, min_length=1, max_length=1000, description="Deduplication key (default: source + sourceId)"
    )
    title: str | None = Field(
        None, min_length=1, max_length=500, description="Default: [source] type: summary"
    )
    labels: list[str] = Field(
        default_factory=list, max_length=50, description="Label names triage rules can match on"
    )


class SignalOut(EngineModel):
    id: str
    source: str
    source_id: str | None
    type: str
    severity: Severity
    title: str
    payload: dict[str, Any]
    labels: list[str]
    fingerprint: str | None
    duplicate: bool = Field(description="True when the signal joined an open issue instead of opening one")
    issue_id: str
    project_id: str | None
    created_at: datetime


class Ingested(EngineModel):
    signal: SignalOut
    issue: IssueOut


class SignalSettingsOut(EngineModel):
    dedup_window_seconds: int
    updated_at: datetime | None


class SignalSettingsUpdate(EngineModel):
    dedup_window_seconds: int = Field(
        ge=0,
        le=30 * 24 * 3600,
        description="A repeat within this many seconds joins the open issue; 0: never",
    )


# -- triage rules -------------------------------------------------------------------------------------------
class RuleMatch(EngineModel):
    source: str | None = Field(None, min_length=1, max_length=200, description="Exact, case-insensitive")
    type: str | None = Field(None, min_length=1, max_length=200, description="Exact, or a prefix ending in *")
    severity: list[Severity] = Field(default_factory=list, max_length=4, description="Any of these")
    label: str | None = Field(
        None, min_length=1, max_length=200, description="A label name the signal carries"
    )
    project_id: str | None = None


class RuleAction(EngineModel):
    status: IssueStatus = "todo"
    priority: int | None = Field(None, ge=0, le=4, description="Default: from the severity")
    label_ids: list[str] = Field(default_factory=list, max_length=20)
    project_id: str | None = None


class TriageRuleCreate(EngineModel):
    name: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    position: int | None = Field(None, ge=1, description="1 is evaluated first; default: last")
    match: RuleMatch = Field(default_factory=RuleMatch)
    action: RuleAction = Field(default_factory=RuleAction)


class TriageRuleUpdate(EngineModel):
    name: str = Field(None, min_length=1, max_length=200)  # type: ignore[assignment]
    enabled: bool = None  # type: ignore[assignment]
    position: int = Field(None, ge=1)  # type: ignore[assignment]
    match: RuleMatch = Field(None, description="Replaces the rule's conditions")  # type: ignore[assignment]
    action: RuleAction = Field(None, description="Replaces the rule's action")  # type: ignore[assignment]


class TriageRuleOut(EngineModel):
    id: str
    position: int
    name: str
    enabled: bool
    match: RuleMatch
    action: RuleAction
    created_at: datetime
    updated_at: datetime


def rule_values(body: TriageRuleCreate | TriageRuleUpdate) -> dict[str, Any]:
    """Column values for the fields the body carries."""
    values: dict[str, Any] = {}
    fields = (
        body.model_fields_set
        if isinstance(body, TriageRuleUpdate)
        else {"name", "enabled", "match", "action"}
    )
    if "name" in fields and body.name is not None:
        values["name"] = body.name.strip() or body.name
    if "enabled" in fields and body.enabled is not None:
        values["enabled"] = body.enabled
    if "match" in fields and body.match is not None:
        match = body.match
        values.update(
            match_source=match.source,
            match_type=match.type,
            match_severities=list(dict.fromkeys(match.severity)) or None,
            match_label=match.label,
            match_project_id=match.project_id,
        )
    if "action" in fields and body.action is not None:
        action = body.action
        values.update(
            action_status=action.status,
            action_priority=action.priority,
            action_label_ids=list(dict.fromkeys(action.label_ids)) or None,
            action_project_id=action.project_id,
        )
    return values


# -- webhooks -----------------------------------------------------------------------------------------------
class WebhookSecretSet(EngineModel):
    secret: str | None = Field(
        None, min_length=8, max_length=500, description="Omit to have Loop generate one (shown once)"
    )


class WebhookOut(EngineModel):
    provider: ProviderKey
    name: str
    configured: bool
    url: str = Field(description="The URL to give the provider")
    signature_header: str
    updated_at: datetime | None
    secret: str | None = Field(None, description="Only in the answer that generated it")


class MappingCreate(EngineModel):
    provider: ProviderKey
    external: str = Field(
        min_length=1,
        max_length=300,
        description="GitHub owner/repo, Sentry project slug or id, PostHog project id or name",
    )
    project_id: str = Field(min_length=1, max_length=36)


class MappingOut(EngineModel):
    id: str
    provider: ProviderKey
    external: str
    project_id: str
    created_at: datetime


class WebhookAck(EngineModel):
    ignored: bool | None = None
    duplicate: bool | None = None
    event: str | None = None
    reason: str | None = None
    delivery_id: str | None = None
