from __future__ import annotations

import enum
import math
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from loop.prompts.engine import (
    MAX_SOURCE_CHARS,
    TRIPLE_BRACE_MESSAGE,
    PromptEngine,
    SanitizedContext,
    TemplateRenderError,
    TemplateSyntaxError,
    compile_template,
    get_engine,
    render_template,
    sanitize_context,
    sanitize_value,
)


@pytest.mark.parametrize(
    ("source", "line", "column", "reason"),
    [
        ("Hello\n{{#if issue}}\nbody\n", 2, 1, "{{#if}} is never closed with {{/if}}"),
        ("{{#each xs}}\n  {{/if}}", 2, 3, "{{/if}} does not match {{#each}} (opened at line 1, column 1)"),
        ("text {{/each}}", 1, 6, "{{/each}} closes a block that was never opened"),
        ("a\nb {{title", 2, 3, "this tag is never closed with }}"),
        ("{{!-- note", 1, 1, "this comment is never closed with --}}"),
        ("x\n  {{else}}", 2, 3, "{{else}} is only allowed inside a block"),
        (
            "{{#if a}}{{else with b}}{{/if}}",
            1,
            10,
            "only {{else}}, {{else if …}} and {{else unless …}} are supported",
        ),
        ("{{#if}}{{/if}}", 1, 1, "{{#if}} takes exactly one argument"),
        ("{{#each a b}}{{/each}}", 1, 1, "{{#each}} takes exactly one argument"),
        ("{{#if a}}{{else if}}{{/if}}", 1, 10, "{{#if}} takes exactly one argument"),
        ("{{unless a}}", 1, 1, '"unless" can only open a block: {{#unless …}}…{{/unless}}'),
        ("{{/}}", 1, 1, "a closing tag needs the name of its block, e.g. {{/if}}"),
        ("{{#*inline}}{{/inline}}", 1, 1, 'an inline partial needs a name: {{#*inline "name"}}…{{/inline}}'),
        ("{{{{raw}}}} no end", 1, 1, "raw block {{{{raw}}}} is never closed with {{{{/raw}}}}"),
        ("{{a.[b}}", 1, 1, "unclosed path"),
        ("{{}}", 1, 1, "empty tag"),
        ("{{*decorator}}", 1, 1, "decorators are not supported"),
    ],
)
def test_syntax_errors_name_line_column_and_reason(source: str, line: int, column: int, reason: str) -> None:
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile(source)
    assert (error.value.line, error.value.column, error.value.reason) == (line, column, reason)
    assert str(error.value) == f"line {line}, column {column}: {reason}"
    assert error.value.to_dict() == {"line": line, "column": column, "reason": reason}
    assert error.value.code == "template_syntax"


def test_unknown_helper_is_refused_with_the_list_of_helpers() -> None:
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile("ok\n{{#if (shout name)}}x{{/if}}")
    assert (error.value.line, error.value.column) == (2, 1)
    assert error.value.reason.startswith('unknown helper "shout" (available: and, default, eq,')


def test_unknown_partial_is_refused_with_the_list_of_partials() -> None:
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile("{{> api_reference}}\n{{> nope}}")
    assert error.value.line == 2
    assert error.value.reason.startswith('unknown partial "nope" (available: api_reference,')


def test_inline_partials_and_partial_blocks_need_no_registration() -> None:
    source = '{{#*inline "row"}}- {{this}}\n{{/inline}}{{#each xs}}{{> row}}{{/each}}{{#> optional}}none{{/optional}}'
    assert get_engine().compile(source).render({"xs": [1, 2]}) == "- 1\n- 2\nnone"


def test_helper_arguments_are_checked_against_the_helper() -> None:
    engine = PromptEngine()
    engine.register_helper("pair", lambda a, b: f"{a}{b}")
    assert engine.compile("{{pair 1 2}}").render({}) == "12"
    with pytest.raises(TemplateSyntaxError, match='helper "pair": too many positional arguments'):
        engine.compile("{{pair 1 2 3}}")
    with pytest.raises(TemplateSyntaxError, match="helper \"pair\": missing a required argument: 'b'"):
        engine.compile("{{#if (pair 1)}}{{/if}}")
    with pytest.raises(TemplateSyntaxError, match="unexpected keyword argument 'c'"):
        engine.compile("{{pair 1 2 c=3}}")


@pytest.mark.parametrize("source", ["{{{title}}}", "a\n {{~{title}}}", "{{{title}~}}"])
def test_triple_stash_is_refused_with_the_reference_message(source: str) -> None:
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile(source)
    assert error.value.reason == TRIPLE_BRACE_MESSAGE
    assert error.value.code == "triple_brace"


def test_ampersand_and_raw_blocks_stay_allowed() -> None:
    out = get_engine().compile("{{&title}} {{{{raw}}}}{{{x}}}{{{{/raw}}}}").render({"title": "<t>"})
    assert out == "<t> {{{x}}}"


def test_no_html_escaping() -> None:
    text = "a && b < c > d \"q\" 'r' `s` =t"
    assert render_template("{{x}}", {"x": text}) == text
    assert (
        render_template("{{json x}}", {"x": {"k": text}})
        == '{\n  "k": "a && b < c > d \\"q\\" \'r\' `s` =t"\n}'
    )


def test_a_template_that_is_too_long_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match=f"at most {MAX_SOURCE_CHARS} characters"):
        get_engine().compile("x" * (MAX_SOURCE_CHARS + 1))
    get_engine().compile("x" * MAX_SOURCE_CHARS)


def test_compiled_templates_are_cached_by_content() -> None:
    engine = PromptEngine(cache_size=2)
    first = engine.compile("{{a}}")
    assert engine.compile("{{a}}") is first
    assert engine.cache_info() == {"hits": 1, "misses": 1, "size": 1, "max": 2}
    engine.compile("{{b}}")
    engine.compile("{{a}}")  # now the most recent
    engine.compile("{{c}}")  # evicts {{b}}
    assert engine.cache_info()["size"] == 2
    assert engine.compile("{{a}}") is first
    misses = engine.cache_info()["misses"]
    engine.compile("{{b}}")
    assert engine.cache_info()["misses"] == misses + 1


def test_triple_stash_permission_is_part_of_the_cache_key() -> None:
    engine = PromptEngine()
    engine.compile("{{{a}}}", allow_triple_stash=True)
    with pytest.raises(TemplateSyntaxError):
        engine.compile("{{{a}}}")


def test_registering_a_partial_makes_it_usable_and_clears_the_cache() -> None:
    engine = PromptEngine()
    engine.compile("{{a}}")
    with pytest.raises(TemplateSyntaxError):
        engine.compile("{{> later}}")
    engine.register_partial("later", "L{{a}}")
    assert engine.cache_info()["size"] == 0
    assert engine.compile("{{> later}}").render({"a": 1}) == "L1"
    assert "later" in engine.partial_names


def test_a_broken_partial_is_refused() -> None:
    with pytest.raises(TemplateSyntaxError, match="never closed"):
        PromptEngine(partials={"bad": "{{#if a}}"})


def test_helper_failures_are_render_errors() -> None:
    engine = PromptEngine()

    def boom(*_: Any) -> str:
        raise RuntimeError("kaput")

    engine.register_helper("boom", boom)
    engine.register_helper("leaky", lambda *_: object())
    with pytest.raises(TemplateRenderError, match='helper "boom" failed: kaput'):
        engine.compile("{{boom 1}}").render({})
    with pytest.raises(TemplateRenderError, match='helper "leaky" returned a object'):
        engine.compile("{{leaky 1}}").render({})


def test_render_wants_a_mapping() -> None:
    with pytest.raises(TypeError):
        compile_template("{{a}}").render(["a"])  # type: ignore[arg-type]


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), "2026-01-02T03:04:05.678Z"),
        (datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2))), "2026-01-02T03:00:00.000Z"),
        (datetime(2026, 1, 2), "2026-01-02T00:00:00.000Z"),
        (date(2026, 1, 2), "2026-01-02"),
        (Decimal("12.50"), 12.5),
        (Decimal("3"), 3),
        (Decimal("NaN"), None),
        (Colour.RED, "red"),
        (Level.HIGH, 2),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (math.nan, None),
        (math.inf, None),
        ((1, "a"), [1, "a"]),
        (frozenset({"b", "a"}), ["a", "b"]),
        ({1: "x", None: "y"}, {"1": "x", "": "y"}),
        (True, True),
    ],
)
def test_sanitize_value(value: Any, expected: Any) -> None:
    assert sanitize_value(value) == expected
    assert type(sanitize_value(value)) is type(expected)


def test_sanitize_context_copies_and_marks() -> None:
    source = {"items": [{"a": 1}]}
    safe = sanitize_context(source)
    assert isinstance(safe, SanitizedContext)
    source["items"][0]["a"] = 2
    assert safe["items"][0]["a"] == 1
    assert sanitize_context(safe) is safe


def test_a_context_key_must_be_text() -> None:
    with pytest.raises(TypeError, match="key cannot be a tuple"):
        sanitize_value({(1, 2): "x"})
