"""Triage rules: what happens to the issue a new signal opens, so the loop runs without a human.

Rules are ordered per organisation (``position`` 1, 2, 3 …); the first enabled rule whose conditions all
match wins, and a rule without conditions matches every signal. Without a matching rule the issue stays in
``triage`` with the priority its severity gives (critical 1, high 2, medium 3, low 4). Every organisation
starts with one rule: critical and high severity go straight to ``todo``, where dispatch picks them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound, Unprocessable
from loop.issues.models import ISSUE_STATUSES
from loop.signals.models import SEVERITIES, SEVERITY_PRIORITY, TriageRule
from loop.signals.repository import TriageRuleRepository, live_label_ids, live_project

if TYPE_CHECKING:
    from loop.signals.service import SignalInput

RULE_NOT_FOUND = "Triage rule not found"
LABEL_NOT_FOUND = "Label not found"
PROJECT_NOT_FOUND = "Project not found"
MAX_RULES = 200
DEFAULT_RULE = {
    "name": "Critical and high severity go straight to the queue",
    "match_severities": ["critical", "high"],
    "action_status": "todo",
}


@dataclass(frozen=True)
class Decision:
    status: str
    priority: int
    label_ids: list[str]
    project_id: str | None
    rule_id: str | None = None


def matches(rule: TriageRule, signal: SignalInput, project_id: str | None) -> bool:
    if rule.match_source is not None and rule.match_source.casefold() != signal.source.casefold():
        return False
    if rule.match_type is not None and not _type_matches(rule.match_type, signal.type):
        return False
    if rule.match_severities and signal.severity not in rule.match_severities:
        return False
    if rule.match_label is not None:
        wanted = rule.match_label.casefold()
        if all(label.casefold() != wanted for label in signal.labels):
            return False
    return rule.match_project_id is None or rule.match_project_id == project_id


def _type_matches(pattern: str, value: str) -> bool:
    """Exact, or a prefix when the pattern ends with ``*`` (``workflow_run.*``)."""
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return pattern == value


async def decide(session: AsyncSession, org_id: str, signal: SignalInput) -> Decision:
    base = Decision(
        status="triage",
        priority=SEVERITY_PRIORITY[signal.severity],
        label_ids=[],
        project_id=signal.project_id,
    )
    for rule in await TriageRuleRepository(session, org_id).ordered(enabled_only=True):
        if not matches(rule, signal, signal.project_id):
            continue
        project_id = signal.project_id
        if rule.action_project_id and await live_project(session, org_id, rule.action_project_id):
            project_id = rule.action_project_id
        return Decision(
            status=rule.action_status,
            priority=base.priority if rule.action_priority is None else rule.action_priority,
            # A label deleted since the rule was written is skipped, never a failed signal.
            label_ids=await live_label_ids(session, org_id, rule.action_label_ids or []),
            project_id=project_id,
            rule_id=rule.id,
        )
    return base


# -- rules as a resource ------------------------------------------------------------------------------------
def rule_to_api(rule: TriageRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "position": rule.position,
        "name": rule.name,
        "enabled": rule.enabled,
        "match": {
            "source": rule.match_source,
            "type": rule.match_type,
            "severity": rule.match_severities or [],
            "label": rule.match_label,
            "projectId": rule.match_project_id,
        },
        "action": {
            "status": rule.action_status,
            "priority": rule.action_priority,
            "labelIds": rule.action_label_ids or [],
            "projectId": rule.action_project_id,
        },
        "createdAt": rule.created_at,
        "updatedAt": rule.updated_at,
    }


async def list_rules(session: AsyncSession, org_id: str) -> list[TriageRule]:
    return await TriageRuleRepository(session, org_id).ordered()


async def get_rule(session: AsyncSession, org_id: str, rule_id: str) -> TriageRule:
    rule = await TriageRuleRepository(session, org_id).get(rule_id)
    if rule is None:
        raise NotFound(RULE_NOT_FOUND)
    return rule


async def _check_values(session: AsyncSession, org_id: str, values: dict[str, Any]) -> None:
    for severity in values.get("match_severities") or []:
        if severity not in SEVERITIES:
            raise BadRequest(
                f"Invalid 'match.severity': unknown value '{severity}' (allowed: {', '.join(SEVERITIES)})",
                code="validation_error",
            )
    status = values.get("action_status")
    if status is not None and status not in ISSUE_STATUSES:
        raise BadRequest(
            f"Invalid 'action.status' (allowed: {', '.join(ISSUE_STATUSES)})", code="validation_error"
        )
    for key in ("match_project_id", "action_project_id"):
        project_id = values.get(key)
        if project_id and not await live_project(session, org_id, project_id):
            raise Unprocessable(PROJECT_NOT_FOUND, code="project_not_found")
    label_ids = values.get("action_label_ids") or []
    if label_ids:
        live = await live_label_ids(session, org_id, label_ids)
        missing = [label_id for label_id in dict.fromkeys(label_ids) if label_id not in live]
        if missing:
            raise Unprocessable(f"{LABEL_NOT_FOUND}: {', '.join(missing)}", code="label_not_found")
        values["action_label_ids"] = live


def _place(rules: list[TriageRule], rule: TriageRule, position: int | None) -> None:
    """Put ``rule`` at the 1-based ``position`` (the end when None or past it) and renumber 1..n."""
    others = [r for r in rules if r.id != rule.id]
    index = len(others) if position is None else max(0, min(position - 1, len(others)))
    others.insert(index, rule)
    for number, item in enumerate(others, start=1):
        if item.position != number:
            item.position = number


async def create_rule(
    session: AsyncSession, org_id: str, values: dict[str, Any], position: int | None = None
) -> TriageRule:
    await _check_values(session, org_id, values)
    repo = TriageRuleRepository(session, org_id)
    rules = await repo.ordered()
    if len(rules) >= MAX_RULES:
        raise Unprocessable(f"An organisation has at most {MAX_RULES} triage rules", code="too_many_rules")
    now = utcnow()
    rule = repo.add(TriageRule(position=len(rules) + 1, created_at=now, updated_at=now, **values))
    _place(rules, rule, position)
    await session.flush()
    return rule


async def update_rule(
    session: AsyncSession, org_id: str, rule_id: str, values: dict[str, Any], position: int | None = None
) -> TriageRule:
    rule = await get_rule(session, org_id, rule_id)
    await _check_values(session, org_id, values)
    for key, value in values.items():
        setattr(rule, key, value)
    if position is not None:
        _place(await TriageRuleRepository(session, org_id).ordered(), rule, position)
    rule.updated_at = utcnow()
    await session.flush()
    return rule


async def delete_rule(session: AsyncSession, org_id: str, rule_id: str) -> None:
    rule = await get_rule(session, org_id, rule_id)
    await session.delete(rule)
    await session.flush()
    rules = await TriageRuleRepository(session, org_id).ordered()
    for number, item in enumerate(rules, start=1):
        item.position = number
    await session.flush()


async def seed(session: AsyncSession, org: Any) -> None:
    """Every new organisation starts with the default rule."""
    now = utcnow()
    session.add(TriageRule(org_id=org.id, position=1, created_at=now, updated_at=now, **DEFAULT_RULE))
    await session.flush()
