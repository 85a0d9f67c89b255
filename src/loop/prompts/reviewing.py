"""Recording a review of a prompt version, and opening an improvement issue when the version needs one.

The score update is one statement (``SET review_score = CASE … END``) so concurrent reviews never lose an
update (§8 R1); it also locks the version row until the request commits. The template row is locked before the
improvement decision, so two reviews can never open two improvement issues for one template (§8 R4). The
template remembers the improvement issue it opened; another is opened only once that one is closed, and the
rule in ``loop.prompts.reviews`` decides when (once per fall of the score, or every 15 reviews).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from loop.auth.principal import Principal
from loop.core.clock import utcnow
from loop.core.errors import BadRequest, NotFound
from loop.core.ids import new_id
from loop.issues import service as issues
from loop.issues.models import CLOSED_STATUSES, Issue
from loop.labels.models import Label
from loop.labels.repository import LabelRepository, name_key
from loop.prompts import reviews as rules
from loop.prompts.models import PromptReview, PromptTemplate, PromptVersion

VERSION_NOT_FOUND = "Version not found"
ISSUE_NOT_FOUND = "Issue not found"


def _rating(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise BadRequest(f"Invalid '{name}': an integer from 1 to 5", code="validation_error")
    return value


async def _ensure_label(session: AsyncSession, org_id: str, name: str, color: str) -> str:
    repo = LabelRepository(session, org_id)
    label = await repo.live_by_name(name)
    if label is not None:
        return label.id
    now = utcnow()
    label = repo.add(Label(name=name, name_key=name_key(name), color=color, created_at=now, updated_at=now))
    await session.flush()
    return label.id


async def create_review(
    session: AsyncSession,
    principal: Principal,
    *,
    version_id: str,
    issue_id: str,
    clarity: int,
    completeness: int,
    relevance: int,
    feedback: str | None = None,
    author_type: str = "agent",
) -> PromptReview:
    org_id = principal.org_id
    ratings = {
        "clarity": _rating("clarity", clarity),
        "completeness": _rating("completeness", completeness),
        "relevance": _rating("relevance", relevance),
    }
    if author_type not in ("human", "agent"):
        raise BadRequest("Invalid 'authorType' (allowed: human, agent)", code="validation_error")
    version = await session.scalar(
        select(PromptVersion).where(PromptVersion.org_id == org_id, PromptVersion.id == version_id)
    )
    if version is None:
        raise NotFound(VERSION_NOT_FOUND)
    issue_exists = await session.scalar(
        select(Issue.id).where(Issue.org_id == org_id, Issue.id == issue_id, Issue.deleted_at.is_(None))
    )
    if issue_exists is None:
        raise NotFound(ISSUE_NOT_FOUND)
    value = rules.composite(**ratings)
    review = PromptReview(
        id=new_id(),
        org_id=org_id,
        version_id=version.id,
        template_id=version.template_id,
        issue_id=issue_id,
        feedback=feedback,
        author_type=author_type,
        credential_id=principal.credential_id,
        created_at=utcnow(),
        **ratings,
    )
    session.add(review)
    await session.flush()
    alpha = rules.EWMA_ALPHA
    updated = (
        await session.execute(
            update(PromptVersion)
            .where(PromptVersion.id == version.id)
            .values(
                review_score=case(
                    (PromptVersion.review_score.is_(None), value),
                    else_=PromptVersion.review_score * (1 - alpha) + value * alpha,
                ),
                review_count=PromptVersion.review_count + 1,
                reviews_since_improvement=PromptVersion.reviews_since_improvement + 1,
            )
            .returning(
                PromptVersion.review_score,
                PromptVersion.review_count,
                PromptVersion.reviews_since_improvement,
                PromptVersion.low_score_reported,
            )
            .execution_options(synchronize_session=False)
        )
    ).one()
    await _maybe_improve(session, org_id, version, *updated)
    return review


async def _maybe_improve(
    session: AsyncSession,
    org_id: str,
    version: PromptVersion,
    score: float,
    review_count: int,
    since: int,
    low_reported: bool,
) -> None:
    template = await session.scalar(
        select(PromptTemplate).where(PromptTemplate.id == version.template_id).with_for_update(key_share=True)
    )
    if template is None:
        return
    open_improvement = False
    if template.improvement_issue_id is not None:
        status = await session.scalar(
            select(Issue.status).where(Issue.id == template.improvement_issue_id, Issue.deleted_at.is_(None))
        )
        open_improvement = status is not None and status not in CLOSED_STATUSES
    decision = rules.improvement_decision(
        score=score,
        review_count=review_count,
        reviews_since_improvement=since,
        open_improvement=open_improvement,
        low_score_reported=low_reported,
    )
    values: dict[str, Any] = {}
    if decision.low_score_reported != low_reported:
        values["low_score_reported"] = decision.low_score_reported
    if decision.open_issue and decision.reason is not None:
        slug = template.slug.split("~deleted~")[0]
        label_ids = [
            await _ensure_label(session, org_id, name, color) for name, color in rules.IMPROVEMENT_LABELS
        ]
        issue = await issues.create_issue(
            session,
            org_id,
            title=rules.improvement_title(slug, score, review_count, version.version)[:500],
            description=rules.improvement_description(
                reason=decision.reason,
                slug=slug,
                template_id=template.id,
                version_id=version.id,
                version_number=version.version,
                score=score,
                review_count=review_count,
                reviews_since_improvement=since,
            ),
            type="task",
            status="todo",
            priority=rules.IMPROVEMENT_PRIORITY,
            label_ids=label_ids,
        )
        template.improvement_issue_id = issue.id
        values["reviews_since_improvement"] = 0
    if values:
        await session.execute(
            update(PromptVersion)
            .where(PromptVersion.id == version.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    await session.flush()
