"""Review scoring and the rule that asks for a prompt to be improved (pure; the store calls these).

Every review rates a prompt version's clarity, completeness and relevance from 1 to 5. Their mean is folded
into the version's score as an exponentially weighted moving average (alpha 0.3), so recent reviews count most:
(3,3,3) then (5,5,5) gives 3.0 then 3.6; (4,4,4) then (2,2,2) gives 4.0 then 3.4.

An improvement issue is opened for a version, one at a time per template, when it has at least 3 reviews and
either its score fell under 3.5 — once per fall: not again until the score has recovered and fallen again —
or 15 reviews arrived since the last improvement issue, whatever the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

EWMA_ALPHA = 0.3
REVIEW_SCORE_THRESHOLD = 3.5
REVIEW_COUNT_THRESHOLD = 15
REVIEW_MIN_SAMPLES = 3
RATING_MIN, RATING_MAX = 1, 5
ATTENTION_SCORE = 3.0
ATTENTION_COMPLETION_RATE = 0.5
IMPROVEMENT_PRIORITY = 3
IMPROVEMENT_LABELS: tuple[tuple[str, str], ...] = (("prompt-improvement", "#f59e0b"), ("meta", "#6b7280"))

Reason = Literal["low_score", "review_volume"]


def _rating(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX:
        raise ValueError(f"{name} must be a whole number from {RATING_MIN} to {RATING_MAX}")
    return value


def composite(clarity: int, completeness: int, relevance: int) -> float:
    """The mean of the three ratings."""
    ratings = (
        _rating("clarity", clarity),
        _rating("completeness", completeness),
        _rating("relevance", relevance),
    )
    return sum(ratings) / 3


def ewma(previous: float | None, value: float, alpha: float = EWMA_ALPHA) -> float:
    """The new score: the value itself for the first review, else ``alpha·value + (1 − alpha)·previous``. The
    store applies the same formula in one UPDATE so that concurrent reviews are not lost."""
    if previous is None:
        return float(value)
    return alpha * value + (1 - alpha) * previous


@dataclass(frozen=True, slots=True)
class ImprovementDecision:
    open_issue: bool
    reason: Reason | None
    low_score_reported: bool  # store this on the version: a low-score issue was opened in the current fall


def improvement_decision(
    *,
    score: float | None,
    review_count: int,
    reviews_since_improvement: int,
    open_improvement: bool,
    low_score_reported: bool,
) -> ImprovementDecision:
    """Whether this review should open an improvement issue.

    - ``score``: the version's score after this review.
    - ``review_count``: all reviews of the version, this one included.
    - ``reviews_since_improvement``: reviews of the version since its last improvement issue was opened (all of
      them if there was none); the store resets it when it opens one.
    - ``open_improvement``: an improvement issue for the template is still open (not done, canceled or deleted).
    - ``low_score_reported``: the flag returned by the previous decision for this version.
    """
    recovered = score is not None and score >= REVIEW_SCORE_THRESHOLD
    reported = False if recovered else low_score_reported
    if open_improvement or score is None or review_count < REVIEW_MIN_SAMPLES:
        return ImprovementDecision(False, None, reported)
    if score < REVIEW_SCORE_THRESHOLD and not reported:
        return ImprovementDecision(True, "low_score", True)
    if reviews_since_improvement >= REVIEW_COUNT_THRESHOLD:
        return ImprovementDecision(True, "review_volume", reported)
    return ImprovementDecision(False, None, reported)


def needs_attention(score: float | None, completion_rate: float | None) -> bool:
    """The dashboard's flag: a score under 3.0, or fewer than half of the dispatched issues completed."""
    return (score is not None and score < ATTENTION_SCORE) or (
        completion_rate is not None and completion_rate < ATTENTION_COMPLETION_RATE
    )


def improvement_title(slug: str, score: float, review_count: int, version_number: int) -> str:
    return f"Improve prompt template: {slug} (avg review {score:.1f}/5, {review_count} reviews since v{version_number})"


def improvement_description(
    *,
    reason: Reason,
    slug: str,
    template_id: str,
    version_id: str,
    version_number: int,
    score: float,
    review_count: int,
    reviews_since_improvement: int,
) -> str:
    """The Markdown body of an improvement issue; it says why it was opened."""
    if reason == "low_score":
        why = (
            "## Prompt quality has dropped\n\n"
            f"The review score of `{slug}` v{version_number} is **{score:.2f}/5**, under the "
            f"{REVIEW_SCORE_THRESHOLD} threshold, after {review_count} reviews. Agents find this prompt unclear, "
            "incomplete or off the point."
        )
    else:
        why = (
            "## Prompt review due\n\n"
            f"`{slug}` v{version_number} has received {reviews_since_improvement} reviews since it was last "
            f"looked at (score **{score:.2f}/5**, {review_count} reviews in all). Read them and decide whether "
            "the prompt can do better."
        )
    return (
        f"{why}\n\n"
        f"- Template: `{slug}` (`{template_id}`)\n"
        f"- Version: v{version_number} (`{version_id}`)\n"
        f"- Score (moving average of clarity, completeness and relevance): {score:.2f}/5\n\n"
        "## What to do\n\n"
        f"1. Read the reviews and their feedback: `GET /api/templates/{template_id}/reviews`.\n"
        f"2. Write a new version that answers them: `POST /api/templates/{template_id}/versions`.\n"
        "3. Promote it when it is ready (the current version stays available to roll back to): "
        f"`POST /api/templates/{template_id}/versions/{{versionId}}/promote`.\n"
    )
