"""Which template writes the prompt for an issue.

A template applies to an issue when it has an active version, when its project scope allows it (a template
with a top-level ``projectId`` serves only that project's issues) and when **every** one of its conditions
holds. Among those that apply, the winner is the project's own template first, then the highest
``specificity``, then the oldest (``created_at``), then the smallest id, so the choice never depends on the
order rows come back in. Preview and dispatch call the same function, so preview shows what dispatch renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

IssueType = Literal["signal", "hypothesis", "plan", "task", "monitor"]
ISSUE_TYPES: tuple[str, ...] = ("signal", "hypothesis", "plan", "task", "monitor")


class TemplateConditions(BaseModel):
    """The ``conditions`` of a template. Strict: unknown keys, nulls and values of the wrong type are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    type: IssueType | None = None
    signalSource: StrictStr | None = None
    labels: list[StrictStr] | None = None
    projectId: StrictStr | None = None
    hasFailedSessions: StrictBool | None = None
    hypothesisConfidence: Annotated[float, Field(ge=0, le=1)] | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null (leave the key out instead)")
        return value

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def parse_conditions(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate stored or submitted conditions and return them in canonical form (pydantic ValidationError on
    bad input)."""
    return TemplateConditions.model_validate(dict(raw or {})).to_dict()


@dataclass(frozen=True, slots=True)
class MatchContext:
    """What selection knows about the issue."""

    type: str
    signal_source: str | None = None
    labels: frozenset[str] = frozenset()
    project_id: str | None = None
    has_failed_sessions: bool = False
    hypothesis_confidence: float | None = None

    @classmethod
    def for_issue(
        cls,
        issue: Mapping[str, Any],
        *,
        label_names: Iterable[str] = (),
        has_failed_sessions: bool = False,
    ) -> MatchContext:
        """From an issue dict (camelCase or snake_case keys)."""

        def get(camel: str, snake: str) -> Any:
            return issue.get(camel, issue.get(snake))

        hypothesis = issue.get("hypothesis")
        confidence = hypothesis.get("confidence") if isinstance(hypothesis, Mapping) else None
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            confidence = None
        return cls(
            type=str(issue.get("type")),
            signal_source=get("signalSource", "signal_source"),
            labels=frozenset(label_names),
            project_id=get("projectId", "project_id"),
            has_failed_sessions=has_failed_sessions,
            hypothesis_confidence=float(confidence) if confidence is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A template as selection sees it."""

    id: str
    conditions: Mapping[str, Any] = field(default_factory=dict)
    specificity: int = 10
    project_id: str | None = None
    active_version_id: str | None = None
    created_at: datetime | None = None
    slug: str | None = None


def matches(conditions: Mapping[str, Any], ctx: MatchContext) -> bool:
    """True when every condition holds. ``{}`` matches every issue; an unknown key matches none."""
    for key, expected in conditions.items():
        if key == "type":
            ok = ctx.type == expected
        elif key == "signalSource":
            ok = ctx.signal_source is not None and ctx.signal_source == expected
        elif key == "labels":
            ok = set(expected or ()) <= ctx.labels
        elif key == "projectId":
            ok = ctx.project_id is not None and ctx.project_id == expected
        elif key == "hasFailedSessions":
            ok = ctx.has_failed_sessions is expected
        elif key == "hypothesisConfidence":
            ok = ctx.hypothesis_confidence is not None and ctx.hypothesis_confidence >= expected
        else:
            ok = False
        if not ok:
            return False
    return True


def applies(candidate: Candidate, ctx: MatchContext) -> bool:
    """Has an active version, is not scoped to another project, and all its conditions match."""
    if candidate.active_version_id is None:
        return False
    if candidate.project_id is not None and candidate.project_id != ctx.project_id:
        return False
    return matches(candidate.conditions or {}, ctx)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _rank(candidate: Candidate, ctx: MatchContext) -> tuple[int, int, bool, datetime, str]:
    project_own = candidate.project_id is not None and candidate.project_id == ctx.project_id
    created = candidate.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (
        0 if project_own else 1,
        -candidate.specificity,
        created is None,  # a template without a creation time sorts after the dated ones
        created or _EPOCH,
        candidate.id,
    )


def rank_templates(candidates: Iterable[Candidate], ctx: MatchContext) -> list[Candidate]:
    """Every template that applies, best first."""
    return sorted((c for c in candidates if applies(c, ctx)), key=lambda c: _rank(c, ctx))


def select_template(candidates: Iterable[Candidate], ctx: MatchContext) -> Candidate | None:
    """The template that writes this issue's prompt, or None."""
    best: Candidate | None = None
    best_rank: tuple[int, int, bool, datetime, str] | None = None
    for candidate in candidates:
        if not applies(candidate, ctx):
            continue
        rank = _rank(candidate, ctx)
        if best_rank is None or rank < best_rank:
            best, best_rank = candidate, rank
    return best
