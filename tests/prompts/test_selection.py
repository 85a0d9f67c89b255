from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from loop.prompts.selection import (
    Candidate,
    MatchContext,
    TemplateConditions,
    applies,
    matches,
    parse_conditions,
    rank_templates,
    select_template,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TASK = MatchContext(
    type="task",
    signal_source="sentry",
    labels=frozenset({"bug", "api"}),
    project_id="prj_a",
    has_failed_sessions=True,
    hypothesis_confidence=0.8,
)


def tpl(
    id: str,
    conditions: dict[str, Any] | None = None,
    *,
    specificity: int = 10,
    project_id: str | None = None,
    active: bool = True,
    created: int = 0,
) -> Candidate:
    return Candidate(
        id=id,
        conditions=conditions or {},
        specificity=specificity,
        project_id=project_id,
        active_version_id=f"ver_{id}" if active else None,
        created_at=T0 + timedelta(minutes=created),
    )


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"type": "task"}, True),
        ({"type": "plan"}, False),
        ({"signalSource": "sentry"}, True),
        ({"signalSource": "github"}, False),
        ({"labels": []}, True),
        ({"labels": ["bug"]}, True),
        ({"labels": ["bug", "api"]}, True),
        ({"labels": ["bug", "ui"]}, False),
        ({"projectId": "prj_a"}, True),
        ({"projectId": "prj_b"}, False),
        ({"hasFailedSessions": True}, True),
        ({"hasFailedSessions": False}, False),
        ({"hypothesisConfidence": 0.8}, True),
        ({"hypothesisConfidence": 0.81}, False),
        ({"type": "task", "labels": ["bug"], "projectId": "prj_a"}, True),
        ({"type": "task", "labels": ["bug"], "projectId": "prj_b"}, False),  # all must match
        ({"unknownKey": 1}, False),
    ],
)
def test_matches(conditions: dict[str, Any], expected: bool) -> None:
    assert matches(conditions, TASK) is expected


def test_conditions_on_missing_issue_values_do_not_match() -> None:
    bare = MatchContext(type="task")
    assert not matches({"signalSource": "sentry"}, bare)
    assert not matches({"projectId": "prj_a"}, bare)
    assert not matches({"hypothesisConfidence": 0}, bare)
    assert matches({"hasFailedSessions": False}, bare)


def test_a_project_template_applies_only_to_its_project() -> None:
    scoped = tpl("scoped", {"type": "task"}, project_id="prj_a", specificity=90)
    assert applies(scoped, TASK)
    assert not applies(scoped, MatchContext(type="task", project_id="prj_b"))
    assert not applies(scoped, MatchContext(type="task"))
    generic = tpl("generic", {"type": "task"})
    assert select_template([scoped, generic], MatchContext(type="task", project_id="prj_b")) is generic


def test_a_template_without_an_active_version_never_applies() -> None:
    assert not applies(tpl("x", active=False), TASK)
    assert select_template([tpl("x", active=False)], TASK) is None


def test_ranking_project_first_then_specificity_then_age_then_id() -> None:
    own_low = tpl("own_low", project_id="prj_a", specificity=1, created=5)
    generic_high = tpl("generic_high", specificity=100)
    generic_mid_old = tpl("generic_mid_old", specificity=50, created=1)
    generic_mid_new = tpl("generic_mid_new", specificity=50, created=2)
    same_time_b = tpl("b", specificity=20, created=3)
    same_time_a = tpl("a", specificity=20, created=3)
    undated = Candidate(id="0", specificity=20, active_version_id="v", created_at=None)
    expected = [own_low, generic_high, generic_mid_old, generic_mid_new, same_time_a, same_time_b, undated]
    for order in itertools.islice(itertools.permutations(expected), 0, None, 97):
        assert rank_templates(order, TASK) == expected
        assert select_template(order, TASK) is own_low


def test_naive_creation_times_compare_as_utc() -> None:
    aware = tpl("aware", created=10)
    naive = Candidate(id="naive", active_version_id="v", created_at=datetime(2026, 1, 1))
    assert rank_templates([aware, naive], TASK) == [naive, aware]


def test_nothing_matches() -> None:
    assert select_template([tpl("p", {"type": "plan"})], TASK) is None
    assert select_template([], TASK) is None


def test_match_context_from_an_issue_dict() -> None:
    ctx = MatchContext.for_issue(
        {"type": "hypothesis", "signal_source": "posthog", "projectId": "p", "hypothesis": {"confidence": 1}},
        label_names=["a"],
        has_failed_sessions=True,
    )
    assert ctx == MatchContext(
        type="hypothesis",
        signal_source="posthog",
        labels=frozenset({"a"}),
        project_id="p",
        has_failed_sessions=True,
        hypothesis_confidence=1.0,
    )
    assert (
        MatchContext.for_issue({"type": "task", "hypothesis": {"confidence": True}}).hypothesis_confidence
        is None
    )


def test_conditions_schema_accepts_every_documented_key() -> None:
    raw = {
        "type": "signal",
        "signalSource": "github",
        "labels": ["a"],
        "projectId": "p",
        "hasFailedSessions": False,
        "hypothesisConfidence": 0.5,
    }
    assert parse_conditions(raw) == raw
    assert parse_conditions(None) == {} and parse_conditions({}) == {}
    assert parse_conditions({"hypothesisConfidence": 1}) == {"hypothesisConfidence": 1.0}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"priority": 1}, "priority"),
        ({"type": "bug"}, "type"),
        ({"type": None}, "type"),
        ({"labels": "bug"}, "labels"),
        ({"labels": [1]}, "labels"),
        ({"projectId": 7}, "projectId"),
        ({"signalSource": None}, "signalSource"),
        ({"hasFailedSessions": "true"}, "hasFailedSessions"),
        ({"hypothesisConfidence": 1.01}, "hypothesisConfidence"),
        ({"hypothesisConfidence": -0.1}, "hypothesisConfidence"),
        ({"hypothesisConfidence": "0.5"}, "hypothesisConfidence"),
        ({"hypothesisConfidence": True}, "hypothesisConfidence"),
    ],
)
def test_conditions_schema_is_strict(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        TemplateConditions.model_validate(raw)
    assert error.value.errors()[0]["loc"][0] == field
