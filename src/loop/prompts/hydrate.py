"""The prompt of one issue: which template writes it, the context it sees, the rendered text.

Dispatch and preview both call ``prompt_for_issue``, so a preview shows exactly what a claim hands out. The
issue is shown as it is once claimed (status ``in_progress``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from loop.dispatch.models import AgentSession
from loop.goals import service as goals
from loop.goals.models import Goal
from loop.issues.models import Issue, IssueRelation
from loop.issues.repository import IssueRepository
from loop.issues.schemas import issue_to_api
from loop.labels import service as labels
from loop.projects.models import Project
from loop.prompts.context import build_context
from loop.prompts.engine import compile_template
from loop.prompts.models import PromptTemplate, PromptVersion
from loop.prompts.selection import Candidate, MatchContext, select_template

FAILED_OUTCOMES = ("expired", "released")
NO_TEMPLATE = "No matching template found"


@dataclass
class Prompt:
    template: PromptTemplate | None
    version: PromptVersion | None
    text: str | None
    message: str | None = None

    def meta(self) -> dict[str, Any] | None:
        if self.template is None or self.version is None:
            return None
        return {
            "templateSlug": self.template.slug,
            "templateId": self.template.id,
            "versionId": self.version.id,
            "versionNumber": self.version.version,
            "reviewUrl": "POST /api/prompt-reviews",
        }


def _issue_dict(row: Issue) -> dict[str, Any]:
    return issue_to_api(row)


async def _previous_sessions(session: AsyncSession, org_id: str, issue_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(AgentSession)
        .where(
            AgentSession.org_id == org_id,
            AgentSession.issue_id == issue_id,
            AgentSession.outcome.in_(FAILED_OUTCOMES),
        )
        .order_by(AgentSession.claimed_at, AgentSession.id)
    )
    return [
        {
            "status": s.status,
            "outcome": s.outcome,
            "reason": s.reason,
            "agentSummary": None,
            "agentId": s.agent_id,
            "claimedAt": s.claimed_at,
            "endedAt": s.ended_at,
        }
        for s in rows
    ]


async def _related(session: AsyncSession, org_id: str, issue_id: str) -> tuple[list[Any], list[Any]]:
    """(blocking, blocked_by) as issue dicts, in one query."""
    rows = await session.execute(
        select(Issue, IssueRelation.issue_id)
        .join(
            IssueRelation,
            or_(
                and_(IssueRelation.related_issue_id == Issue.id, IssueRelation.issue_id == issue_id),
                and_(IssueRelation.issue_id == Issue.id, IssueRelation.related_issue_id == issue_id),
            ),
        )
        .where(IssueRelation.org_id == org_id, IssueRelation.type == "blocks", Issue.deleted_at.is_(None))
    )
    blocking, blocked_by = [], []
    for row, source in rows:
        (blocking if source == issue_id else blocked_by).append(_issue_dict(row))
    return blocking, blocked_by


async def _candidates(session: AsyncSession, org_id: str) -> dict[str, PromptTemplate]:
    rows = await session.scalars(
        select(PromptTemplate).where(
            PromptTemplate.org_id == org_id,
            PromptTemplate.deleted_at.is_(None),
            PromptTemplate.active_version_id.is_not(None),
        )
    )
    return {t.id: t for t in rows}


def _candidate(t: PromptTemplate) -> Candidate:
    return Candidate(
        id=t.id,
        conditions=t.conditions or {},
        specificity=t.specificity,
        project_id=t.project_id,
        active_version_id=t.active_version_id,
        created_at=t.created_at,
        slug=t.slug,
    )


async def prompt_for_issue(
    session: AsyncSession,
    org_id: str,
    issue: Issue,
    *,
    loop_url: str,
    lease_seconds: int | None,
) -> Prompt:
    """Select the template and render the prompt. Raises TemplateError if the version fails to render."""
    repo = IssueRepository(session, org_id)
    issue_labels = (await repo.labels_by_issue([issue.id]))[issue.id]
    previous = await _previous_sessions(session, org_id, issue.id)
    issue_view = _issue_dict(issue)
    issue_view["status"] = "in_progress"
    match = MatchContext.for_issue(
        issue_view,
        label_names=[label.name for label in issue_labels],
        has_failed_sessions=bool(previous),
    )
    templates = await _candidates(session, org_id)
    chosen = select_template([_candidate(t) for t in templates.values()], match)
    if chosen is None:
        return Prompt(None, None, None, NO_TEMPLATE)
    template = templates[chosen.id]
    version = await session.scalar(
        select(PromptVersion).where(
            PromptVersion.org_id == org_id, PromptVersion.id == chosen.active_version_id
        )
    )
    if template is None or version is None:
        return Prompt(template, None, None, "Active version not found")

    parent = None
    siblings: list[Any] = []
    children: list[Any] = []
    if issue.parent_id:
        parent_row = await session.get(Issue, issue.parent_id)
        parent = _issue_dict(parent_row) if parent_row is not None else None
        siblings = [
            _issue_dict(r)
            for r in await session.scalars(
                repo.live().where(Issue.parent_id == issue.parent_id, Issue.id != issue.id)
            )
        ]
    else:
        children = [
            _issue_dict(r) for r in await session.scalars(repo.live().where(Issue.parent_id == issue.id))
        ]
    project = goal = None
    if issue.project_id:
        project_row = await session.get(Project, issue.project_id)
        if project_row is not None and project_row.org_id == org_id:
            project = {
                "id": project_row.id,
                "name": project_row.name,
                "description": project_row.description,
                "status": project_row.status,
                "health": project_row.health,
                "createdAt": project_row.created_at,
                "updatedAt": project_row.updated_at,
            }
            goal_row = await session.scalar(
                select(Goal)
                .where(
                    Goal.org_id == org_id,
                    Goal.project_id == issue.project_id,
                    Goal.status == "active",
                    Goal.deleted_at.is_(None),
                )
                .order_by(Goal.created_at, Goal.id)
                .limit(1)
            )
            goal = goals.to_api(goal_row) if goal_row is not None else None
    blocking, blocked_by = await _related(session, org_id, issue.id)
    context = build_context(
        issue_view,
        loop={
            "loopUrl": loop_url,
            "templateId": template.id,
            "templateSlug": template.slug,
            "versionId": version.id,
            "versionNumber": version.version,
            "leaseSeconds": lease_seconds,
        },
        parent=parent,
        siblings=siblings,
        children=children,
        project=project,
        goal=goal,
        labels=[labels.to_api(label) for label in issue_labels],
        blocking=blocking,
        blocked_by=blocked_by,
        previous_sessions=previous,
    )
    text = compile_template(version.content).render(context)
    return Prompt(template, version, text)


async def preview(
    session: AsyncSession, org_id: str, issue_id: str, *, loop_url: str, lease_seconds: int | None
) -> dict[str, Any]:
    """What dispatch would hand out for this issue now; claims nothing and counts no usage."""
    from loop.core.errors import NotFound, Unprocessable
    from loop.prompts.errors import TemplateError

    issue = await IssueRepository(session, org_id).get_live(issue_id)
    if issue is None:
        raise NotFound("Issue not found")
    try:
        prompt = await prompt_for_issue(
            session, org_id, issue, loop_url=loop_url, lease_seconds=lease_seconds
        )
    except TemplateError as exc:
        raise Unprocessable(
            f"The prompt template for issue #{issue.number} failed to render: {exc}",
            code="template_render_failed",
        ) from None
    out: dict[str, Any] = {
        "issue": {"id": issue.id, "number": issue.number, "title": issue.title, "type": issue.type},
        "template": None,
        "version": None,
        "prompt": prompt.text,
    }
    if prompt.template is not None and prompt.version is not None:
        out["template"] = {
            "id": prompt.template.id,
            "slug": prompt.template.slug,
            "name": prompt.template.name,
            "conditions": prompt.template.conditions or {},
            "specificity": prompt.template.specificity,
        }
        out["version"] = {"id": prompt.version.id, "version": prompt.version.version}
    else:
        out["message"] = prompt.message
    return out
