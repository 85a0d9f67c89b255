"""The prompt of one issue: which template writes it, the context it sees, the rendered text.

Dispatch and preview both call ``prompt_for_issue``, so a preview shows exactly what a claim hands out. The
issue is shown as it is once claimed (status ``in_progress``). The reads behind it are in
``prompts/repository.py``: the active templates, the labels, the failed earlier sessions, and every related
issue (parent, siblings, children, blockers) in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from loop.goals import service as goals
from loop.issues.models import Issue
from loop.issues.repository import IssueRepository
from loop.issues.schemas import issue_to_api
from loop.labels import service as labels
from loop.prompts.context import build_context
from loop.prompts.engine import compile_template
from loop.prompts.repository import ActiveTemplate, ContextHints, PromptContextRepository
from loop.prompts.selection import Candidate, MatchContext, select_template

NO_TEMPLATE = "No matching template found"


@dataclass
class Prompt:
    template: ActiveTemplate | None
    text: str | None
    message: str | None = None

    def meta(self) -> dict[str, Any] | None:
        if self.template is None:
            return None
        t = self.template
        return claim_meta(t.slug, t.id, t.version_id, t.version)


def claim_meta(slug: str, template_id: str, version_id: str, version_number: int) -> dict[str, Any]:
    """The template facts a claim answers with (``meta``), so that the agent can review the prompt."""
    return {
        "templateSlug": slug.split("~deleted~")[0],
        "templateId": template_id,
        "versionId": version_id,
        "versionNumber": version_number,
        "reviewUrl": "POST /api/prompt-reviews",
    }


def _candidate(t: ActiveTemplate) -> Candidate:
    return Candidate(
        id=t.id,
        conditions=t.conditions or {},
        specificity=t.specificity,
        project_id=t.project_id,
        active_version_id=t.version_id,
        created_at=t.created_at,
        slug=t.slug,
    )


def _session_dict(row: Any) -> dict[str, Any]:
    return {
        "status": row.status,
        "outcome": row.outcome,
        "reason": row.reason,
        "agentSummary": None,
        "agentId": row.agent_id,
        "claimedAt": row.claimed_at,
        "endedAt": row.ended_at,
    }


async def prompt_for_issue(
    session: AsyncSession,
    org_id: str,
    issue: Issue,
    *,
    loop_url: str,
    lease_seconds: int | None,
    hints: ContextHints | None = None,
) -> Prompt:
    """Select the template and render the prompt. Raises TemplateError if the version fails to render.

    ``hints`` (from ``context_hint_columns`` in the statement that loaded the issue) skip the reads of
    parts the issue does not have."""
    hints = hints or ContextHints()
    reads = PromptContextRepository(session, org_id)
    issue_labels = []
    if hints.has_labels is not False:
        issue_labels = (await IssueRepository(session, org_id).labels_by_issue([issue.id]))[issue.id]
    previous = []
    if hints.has_failed_sessions is not False:
        previous = [_session_dict(row) for row in await reads.failed_sessions(issue.id)]
    issue_view = issue_to_api(issue)
    issue_view["status"] = "in_progress"
    match = MatchContext.for_issue(
        issue_view,
        label_names=[label.name for label in issue_labels],
        has_failed_sessions=bool(previous),
    )
    templates = {t.id: t for t in await reads.active_templates(hints.templates_revision)}
    chosen = select_template([_candidate(t) for t in templates.values()], match)
    if chosen is None:
        return Prompt(None, None, NO_TEMPLATE)
    template = templates[chosen.id]

    related: dict[str, list[dict[str, Any]]] = {
        "parent": [], "sibling": [], "child": [], "blocking": [], "blockedBy": []
    }  # fmt: skip
    if hints.has_relatives is not False:
        for row in await reads.neighbours(issue.id, issue.parent_id):
            related[row.role].append(issue_to_api(row))
    project = goal = None
    if issue.project_id:
        project_row = await reads.project(issue.project_id)
        if project_row is not None:
            project = {
                "id": project_row.id,
                "name": project_row.name,
                "description": project_row.description,
                "status": project_row.status,
                "health": project_row.health,
                "createdAt": project_row.created_at,
                "updatedAt": project_row.updated_at,
            }
            goal_row = await reads.active_goal(issue.project_id)
            goal = goals.to_api(goal_row) if goal_row is not None else None
    context = build_context(
        issue_view,
        loop={
            "loopUrl": loop_url,
            "templateId": template.id,
            "templateSlug": template.slug,
            "versionId": template.version_id,
            "versionNumber": template.version,
            "leaseSeconds": lease_seconds,
        },
        parent=related["parent"][0] if related["parent"] else None,
        siblings=related["sibling"],
        children=related["child"],
        project=project,
        goal=goal,
        labels=[labels.to_api(label) for label in issue_labels],
        blocking=related["blocking"],
        blocked_by=related["blockedBy"],
        previous_sessions=previous,
    )
    text = compile_template(template.content).render(context)
    return Prompt(template, text)


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
    if prompt.template is not None:
        out["template"] = {
            "id": prompt.template.id,
            "slug": prompt.template.slug,
            "name": prompt.template.name,
            "conditions": prompt.template.conditions or {},
            "specificity": prompt.template.specificity,
        }
        out["version"] = {"id": prompt.template.version_id, "version": prompt.template.version}
    else:
        out["message"] = prompt.message
    return out
