from __future__ import annotations

import pytest

from loop.prompts.reviews import (
    IMPROVEMENT_LABELS,
    ImprovementDecision,
    composite,
    ewma,
    improvement_decision,
    improvement_description,
    improvement_title,
    needs_attention,
)


def score_of(*reviews: tuple[int, int, int]) -> float | None:
    score = None
    for review in reviews:
        score = ewma(score, composite(*review))
    return score


def test_reference_vectors() -> None:
    assert score_of((3, 3, 3)) == pytest.approx(3.0)
    assert score_of((3, 3, 3), (5, 5, 5)) == pytest.approx(3.6)
    assert score_of((4, 4, 4)) == pytest.approx(4.0)
    assert score_of((4, 4, 4), (2, 2, 2)) == pytest.approx(3.4)


def test_composite_is_the_mean() -> None:
    assert composite(1, 2, 3) == 2.0
    assert composite(5, 5, 4) == pytest.approx(14 / 3)


@pytest.mark.parametrize("bad", [0, 6, 2.5, True, None, "3"])
def test_ratings_are_whole_numbers_from_1_to_5(bad: object) -> None:
    with pytest.raises(ValueError, match="clarity must be a whole number from 1 to 5"):
        composite(bad, 3, 3)  # type: ignore[arg-type]


def test_ewma_alpha() -> None:
    assert ewma(None, 2.0) == 2.0
    assert ewma(4.0, 1.0) == pytest.approx(0.3 * 1 + 0.7 * 4)
    assert ewma(4.0, 1.0, alpha=0.5) == pytest.approx(2.5)


def decide(
    score: float | None,
    count: int,
    since: int | None = None,
    *,
    open_issue: bool = False,
    reported: bool = False,
) -> ImprovementDecision:
    return improvement_decision(
        score=score,
        review_count=count,
        reviews_since_improvement=count if since is None else since,
        open_improvement=open_issue,
        low_score_reported=reported,
    )


def test_nothing_before_three_reviews() -> None:
    assert decide(1.0, 2) == ImprovementDecision(False, None, False)
    assert decide(1.0, 3) == ImprovementDecision(True, "low_score", True)


def test_low_score_opens_once_per_fall() -> None:
    assert decide(3.49, 5) == ImprovementDecision(True, "low_score", True)
    assert decide(3.5, 5) == ImprovementDecision(False, None, False)
    # Still low after the improvement issue was closed: not again...
    assert decide(3.2, 9, since=4, reported=True) == ImprovementDecision(False, None, True)
    # ...until it recovers (the flag clears) and falls again.
    assert decide(3.8, 10, since=5, reported=True) == ImprovementDecision(False, None, False)
    assert decide(3.3, 11, since=6, reported=False) == ImprovementDecision(True, "low_score", True)


def test_volume_counts_reviews_since_the_last_improvement_issue() -> None:
    assert decide(4.5, 14) == ImprovementDecision(False, None, False)
    assert decide(4.5, 15) == ImprovementDecision(True, "review_volume", False)
    assert decide(4.5, 40, since=14) == ImprovementDecision(False, None, False)
    assert decide(4.5, 40, since=15) == ImprovementDecision(True, "review_volume", False)
    assert decide(3.0, 40, since=15, reported=True) == ImprovementDecision(True, "review_volume", True)


def test_never_while_one_is_open() -> None:
    assert decide(1.0, 30, open_issue=True) == ImprovementDecision(False, None, False)
    assert decide(1.0, 30, open_issue=True, reported=True) == ImprovementDecision(False, None, True)
    assert decide(None, 30) == ImprovementDecision(False, None, False)


def test_a_stream_of_bad_reviews_opens_one_issue_per_fifteen() -> None:
    score, reported, since, opened = None, False, 0, []
    for count in range(1, 50):
        score = ewma(score, composite(2, 2, 2))
        since += 1
        decision = improvement_decision(
            score=score,
            review_count=count,
            reviews_since_improvement=since,
            open_improvement=False,
            low_score_reported=reported,
        )
        reported = decision.low_score_reported
        if decision.open_issue:
            opened.append((count, decision.reason))
            since = 0
    assert opened == [(3, "low_score"), (18, "review_volume"), (33, "review_volume"), (48, "review_volume")]


def test_needs_attention() -> None:
    assert needs_attention(2.9, None) and needs_attention(None, 0.4)
    assert not needs_attention(3.0, 0.5) and not needs_attention(None, None)


def test_improvement_texts_say_why() -> None:
    title = improvement_title("signal-triage", 3.14159, 7, 2)
    assert title == "Improve prompt template: signal-triage (avg review 3.1/5, 7 reviews since v2)"
    low = improvement_description(
        reason="low_score",
        slug="s",
        template_id="tpl",
        version_id="ver",
        version_number=2,
        score=3.1,
        review_count=7,
        reviews_since_improvement=7,
    )
    assert "dropped" in low and "3.10/5" in low and "/api/templates/tpl/reviews" in low
    volume = improvement_description(
        reason="review_volume",
        slug="s",
        template_id="tpl",
        version_id="ver",
        version_number=2,
        score=4.2,
        review_count=30,
        reviews_since_improvement=15,
    )
    assert "dropped" not in volume and "15 reviews since" in volume
    assert dict(IMPROVEMENT_LABELS) == {"prompt-improvement": "#f59e0b", "meta": "#6b7280"}
