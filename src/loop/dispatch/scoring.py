"""The dispatch score of an issue, and the stored key that orders the queue by it.

    score = priorityWeight + typeBonus + goalBonus + ageBonus

priorityWeight (1→100, 2→75, 3→50, 4→25, 0 or anything else→10), typeBonus (signal 50, hypothesis 40,
plan 30, task 20, monitor 10, else 0) and goalBonus (+20 when the issue's project has an active goal that is not
deleted) change only when the issue, its project or the goal changes: their sum is the **static** part, stored
per issue and kept current. ageBonus is continuous: days (with fractions) since the issue entered ``todo``.

Ordering by ``static + (now − todo_since)`` is the same as ordering by ``static − todo_since`` because ``now`` is
common to every row, so each issue stores one key that never changes while it waits:

    sort_key = static × DAY_US − todo_since_µs        (an integer: exact, fits a 64-bit column)

The column ``issues.sort_key`` stores ``queue_key`` = −sort_key, so an ascending index on
``(org_id, sort_key, todo_since, number, id)`` serves the claim without scoring any row. Ties
(equal score) go to the issue that has waited longest, then the lowest number, then the lowest id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

PRIORITY_WEIGHTS: dict[int, int] = {1: 100, 2: 75, 3: 50, 4: 25, 0: 10}
DEFAULT_PRIORITY_WEIGHT = 10
TYPE_BONUSES: dict[str, int] = {"signal": 50, "hypothesis": 40, "plan": 30, "task": 20, "monitor": 10}
GOAL_BONUS = 20
DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def priority_weight(priority: Any) -> int:
    if isinstance(priority, bool) or not isinstance(priority, int):
        return DEFAULT_PRIORITY_WEIGHT
    return PRIORITY_WEIGHTS.get(priority, DEFAULT_PRIORITY_WEIGHT)


def type_bonus(issue_type: Any) -> int:
    return TYPE_BONUSES.get(issue_type, 0) if isinstance(issue_type, str) else 0


def goal_bonus(has_active_goal: bool) -> int:
    """``has_active_goal``: the issue's project has a goal with status active that is not deleted."""
    return GOAL_BONUS if has_active_goal else 0


def static_score(priority: Any, issue_type: Any, has_active_goal: bool) -> int:
    """The part of the score that does not grow with time (stored per issue)."""
    return priority_weight(priority) + type_bonus(issue_type) + goal_bonus(has_active_goal)


def epoch_us(moment: datetime) -> int:
    """Microseconds since 1970-01-01 UTC, exactly (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def age_bonus(todo_since: datetime | None, now: datetime) -> float:
    """Days in ``todo``, with fractions. Not clamped: with skewed clocks it can be slightly negative, which keeps
    it consistent with ``sort_key``."""
    if todo_since is None:
        return 0.0
    return (epoch_us(now) - epoch_us(todo_since)) / DAY_US


def sort_key(static: int, todo_since: datetime) -> int:
    """The stored ordering key: higher is dispatched first. Equals ``DAY_US × (score(now) − days(now))`` for
    every ``now``, so it orders exactly as the full score does."""
    return static * DAY_US - epoch_us(todo_since)


def queue_key(static: int, todo_since: datetime) -> int:
    """The value stored in ``issues.sort_key``: ``−sort_key``, so that the queue is an all-ascending order
    ``(sort_key, todo_since, number, id)`` that a plain ascending index serves on every database (lower is
    claimed first)."""
    return -sort_key(static, todo_since)


def queue_order(
    sort_key_value: int, todo_since: datetime, number: int, issue_id: str
) -> tuple[int, int, int, str]:
    """A Python sort key (ascending) matching the queue's SQL order
    ``sort_key DESC, todo_since ASC, number ASC, id ASC``."""
    return (-sort_key_value, epoch_us(todo_since), number, issue_id)


@dataclass(frozen=True, slots=True)
class Score:
    priority_weight: int
    type_bonus: int
    goal_bonus: int
    age_bonus: float

    @property
    def static(self) -> int:
        return self.priority_weight + self.type_bonus + self.goal_bonus

    @property
    def total(self) -> float:
        return self.static + self.age_bonus

    def breakdown(self) -> dict[str, float]:
        """``{priorityWeight, goalBonus, ageBonus, typeBonus}`` as the queue endpoint shows it."""
        return {
            "priorityWeight": self.priority_weight,
            "goalBonus": self.goal_bonus,
            "ageBonus": self.age_bonus,
            "typeBonus": self.type_bonus,
        }


def score(
    *,
    priority: Any,
    issue_type: Any,
    has_active_goal: bool,
    todo_since: datetime | None,
    now: datetime,
) -> Score:
    return Score(
        priority_weight=priority_weight(priority),
        type_bonus=type_bonus(issue_type),
        goal_bonus=goal_bonus(has_active_goal),
        age_bonus=age_bonus(todo_since, now),
    )
