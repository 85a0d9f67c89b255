from __future__ import annotations

from typing import Any

import pytest

from loop.prompts import helpers
from loop.prompts.engine import render_template


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (1, "urgent"),
        (2, "high"),
        (3, "medium"),
        (4, "low"),
        (0, "none"),
        (5, "unknown"),
        (-1, "unknown"),
        (None, "unknown"),
        ("2", "high"),
        (2.0, "high"),
        (2.5, "unknown"),
        (True, "unknown"),
        ("x", "unknown"),
    ],
)
def test_priority_label(value: Any, label: str) -> None:
    assert helpers.priority_label(value) == label


def test_priority_label_in_a_template() -> None:
    assert render_template("{{priority_label p}}/{{priority_label missing}}", {"p": 1}) == "urgent/unknown"


def test_json_is_pretty_with_two_spaces() -> None:
    assert helpers.json({"a": [1, {"b": None}], "é": "ü"}) == (
        '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "é": "ü"\n}'
    )
    assert helpers.json() == "null"
    assert render_template("{{json x}}", {"x": 'quo"te'}) == '"quo\\"te"'


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1, True),
        (1, 1.0, True),
        (1, "1", False),
        (True, 1, False),
        (True, True, True),
        (None, None, True),
        ("a", "a", True),
        ([1], [1], True),
        (None, "", False),
    ],
)
def test_eq_is_strict(a: Any, b: Any, equal: bool) -> None:
    assert helpers.eq(a, b) is equal
    assert helpers.ne(a, b) is not equal


def test_comparisons() -> None:
    assert helpers.gt(3, 2) and helpers.gte(2, 2) and helpers.lt(1, 2) and helpers.lte(2, 2)
    assert helpers.gt("b", "a")
    assert not helpers.gt(3, "2") and not helpers.lt(None, 1) and not helpers.gt(True, 0)


def test_logic() -> None:
    assert helpers.and_(1, "x", [0]) is True
    assert helpers.and_(1, []) is False
    assert helpers.and_() is False
    assert helpers.or_(0, "", None, {}) is True
    assert helpers.or_(0, "", None) is False
    assert helpers.not_(0) is True and helpers.not_("x") is False


def test_default() -> None:
    assert helpers.default(None, "x") == "x"
    assert helpers.default("", "x") == "x"
    assert helpers.default(0, "x") == 0
    assert helpers.default(False, "x") is False


def test_join() -> None:
    assert helpers.join(["a", 1, None, True]) == "a, 1, , true"
    assert helpers.join(["a", "b"], " | ") == "a | b"
    assert helpers.join("solo") == "solo"
    assert helpers.join(None) == ""


@pytest.mark.parametrize(
    ("text", "length", "kwargs", "expected"),
    [
        ("hello world", 20, {}, "hello world"),
        ("hello world", 8, {}, "hello w…"),
        ("hello world", 8, {"suffix": "..."}, "hello..."),
        ("hello", 2, {"suffix": "..."}, "he"),
        ("hello", None, {}, "hello"),
        ("hello", "3", {}, "he…"),
        (None, 3, {}, ""),
    ],
)
def test_truncate(text: Any, length: Any, kwargs: dict[str, Any], expected: str) -> None:
    assert helpers.truncate(text, length, **kwargs) == expected


def test_length_and_case() -> None:
    assert helpers.length([1, 2]) == 2 and helpers.length("abc") == 3 and helpers.length({"a": 1}) == 1
    assert helpers.length(None) == 0 and helpers.length(5) == 0
    assert helpers.upper("ab") == "AB" and helpers.lower("AB") == "ab" and helpers.upper(None) == ""


def test_helpers_compose_in_templates() -> None:
    source = (
        '{{#if (and (eq issue.type "task") (gte issue.priority 1))}}T{{/if}}'
        "{{#unless (or labels issue.parentId)}}-root{{/unless}}"
        " {{truncate (upper issue.title) 6}} {{length labels}} {{default issue.owner 'nobody'}}"
        ' {{join (lookup issue "tags") " / "}}'
    )
    context = {
        "issue": {"type": "task", "priority": 2, "title": "fix login", "tags": ["a", "b"]},
        "labels": [],
    }
    assert render_template(source, context) == "T-root FIX L… 0 nobody a / b"


def test_every_helper_is_documented() -> None:
    assert set(helpers.HELPER_DOCS) == set(helpers.BUILTIN_HELPERS)
    assert all(helpers.HELPER_DOCS.values())
