from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loop.dispatch import scoring
from loop.dispatch.scoring import DAY_US, age_bonus, epoch_us, queue_order, score, sort_key, static_score

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "weight"), [(1, 100), (2, 75), (3, 50), (4, 25), (0, 10), (9, 10), (None, 10), (True, 10)]
)
def test_priority_weight(priority: Any, weight: int) -> None:
    assert scoring.priority_weight(priority) == weight


@pytest.mark.parametrize(
    ("issue_type", "bonus"),
    [("signal", 50), ("hypothesis", 40), ("plan", 30), ("task", 20), ("monitor", 10), ("bug", 0), (None, 0)],
)
def test_type_bonus(issue_type: Any, bonus: int) -> None:
    assert scoring.type_bonus(issue_type) == bonus


def test_reference_example() -> None:
    result = score(
        priority=2, issue_type="signal", has_active_goal=True, todo_since=NOW - timedelta(days=3), now=NOW
    )
    assert result.total == 148
    assert result.breakdown() == {"priorityWeight": 75, "goalBonus": 20, "ageBonus": 3.0, "typeBonus": 50}
    assert result.static == static_score(2, "signal", True) == 145


def test_age_is_continuous_from_entering_todo() -> None:
    assert age_bonus(NOW - timedelta(hours=12), NOW) == 0.5
    assert age_bonus(NOW - timedelta(days=2, hours=6), NOW) == 2.25
    assert age_bonus(None, NOW) == 0.0
    assert score(priority=0, issue_type="task", has_active_goal=False, todo_since=None, now=NOW).total == 30


def test_sort_key_is_exact_and_fits_64_bits() -> None:
    todo_since = datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    key = sort_key(190, todo_since)
    assert key == 190 * DAY_US - epoch_us(todo_since)
    assert abs(key) < 2**63
    assert epoch_us(datetime(1970, 1, 2)) == DAY_US  # naive means UTC
    later = datetime(2100, 1, 1, tzinfo=UTC)
    assert abs(sort_key(0, later)) < 2**63


def test_sort_key_equals_score_minus_now() -> None:
    since = datetime(2026, 5, 30, 7, 15, 3, 250, tzinfo=UTC)
    result = score(priority=1, issue_type="plan", has_active_goal=True, todo_since=since, now=NOW)
    exact_total = result.static + Fraction(epoch_us(NOW) - epoch_us(since), DAY_US)
    assert Fraction(sort_key(result.static, since), DAY_US) == exact_total - Fraction(epoch_us(NOW), DAY_US)


def test_ties_go_to_the_longest_waiting_then_number_then_id() -> None:
    early, late = NOW - timedelta(days=2), NOW - timedelta(days=1)
    a = (sort_key(50, late), late, 3, "b")
    b = (sort_key(49, early), early, 9, "a")  # one point less, one day longer: the same score
    c = (sort_key(50, late), late, 1, "z")
    d = (sort_key(50, late), late, 1, "y")
    assert a[0] == b[0] == c[0] == d[0]
    assert sorted([a, b, c, d], key=lambda row: queue_order(*row)) == [b, d, c, a]


MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
ISSUES = st.lists(
    st.tuples(
        st.sampled_from([0, 1, 2, 3, 4, 7]),
        st.sampled_from(["signal", "hypothesis", "plan", "task", "monitor"]),
        st.booleans(),
        MOMENTS,
        st.integers(min_value=1, max_value=10_000),
        st.text(alphabet="abcdef0123456789", min_size=1, max_size=6),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None, database=None)
@given(issues=ISSUES, now=MOMENTS)
def test_stored_key_orders_exactly_like_the_full_score(issues: list[tuple[Any, ...]], now: datetime) -> None:
    rows = []
    for priority, issue_type, goal, since, number, issue_id in issues:
        static = static_score(priority, issue_type, goal)
        exact = static + Fraction(epoch_us(now) - epoch_us(since), DAY_US)
        rows.append(
            {"key": sort_key(static, since), "since": since, "number": number, "id": issue_id, "exact": exact}
        )
    by_key = sorted(rows, key=lambda r: queue_order(r["key"], r["since"], r["number"], r["id"]))
    by_score = sorted(rows, key=lambda r: (-r["exact"], epoch_us(r["since"]), r["number"], r["id"]))
    assert by_key == by_score


@settings(max_examples=200, deadline=None, database=None)
@given(priority=st.integers(0, 4), goal=st.booleans(), since=MOMENTS, now=MOMENTS)
def test_breakdown_adds_up(priority: int, goal: bool, since: datetime, now: datetime) -> None:
    result = score(priority=priority, issue_type="task", has_active_goal=goal, todo_since=since, now=now)
    parts = result.breakdown()
    assert parts["priorityWeight"] + parts["typeBonus"] + parts["goalBonus"] == result.static
    assert result.total == pytest.approx(result.static + (now - since).total_seconds() / 86_400)
