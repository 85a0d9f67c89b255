"""Template source is untrusted: it must not reach Python, and it must not be able to exhaust the server."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import dotpromptz_handlebars._render as hb_internals
import pytest

from loop.prompts.engine import (
    MAX_BLOCK_NESTING,
    PromptEngine,
    RenderLimitExceeded,
    RenderLimits,
    TemplateRenderError,
    TemplateSyntaxError,
    get_engine,
)

CONTEXT: dict[str, Any] = {
    "issue": {"id": "iss_1", "title": "Fix it", "labels": ["a"]},
    "items": [1, 2],
}


@pytest.mark.parametrize(
    "source",
    [
        "{{issue.__class__}}",
        "{{issue.__dict__}}",
        "{{issue.__class__.__mro__}}",
        "{{issue.title.__class__.__base__}}",
        "{{issue.[__class__]}}",
        "{{issue.__init__.__globals__}}",
        "{{constructor}}",
        "{{issue.constructor.name}}",
        "{{this.__class__}}",
        "{{@root.__class__}}",
        "{{items.__len__}}",
        "{{items.pop}}",
        '{{lookup issue "__dict__"}}',
        '{{lookup issue "__class__"}}',
        '{{lookup (lookup issue "__class__") "__mro__"}}',
        '{{lookup issue.title "__class__"}}',
        '{{lookup items "append"}}',
        "{{#with issue.__class__}}{{__name__}}{{/with}}",
        "{{#each issue.__class__}}{{this}}{{/each}}",
    ],
)
def test_python_internals_are_out_of_reach(source: str) -> None:
    assert get_engine().compile(source).render(CONTEXT) == ""


def test_each_over_an_object_sees_only_its_keys() -> None:
    out = get_engine().compile("{{#each issue}}{{@key}} {{/each}}").render(CONTEXT)
    assert out == "id title labels "


@pytest.mark.parametrize("quote", ["'", '"'])
def test_the_pybars_path_segment_exploit_runs_nothing(tmp_path: Path, quote: str) -> None:
    marker = tmp_path / "pwned"
    payload = (
        "{{issue.[x"
        + quote
        + " + str(__import__("
        + quote
        + "os"
        + quote
        + ").system("
        + quote
        + f"touch {marker}"
        + quote
        + ")) + u"
        + quote
        + "y]}}"
    )
    try:
        out = get_engine().compile(payload).render(CONTEXT)
    except TemplateSyntaxError:
        out = ""
    assert out == ""
    assert not marker.exists()


def test_values_are_never_evaluated_again() -> None:
    context = {"a": "{{b}}", "b": "secret", "c": "{{#each x}}{{/each}}"}
    assert get_engine().compile("{{a}}|{{c}}").render(context) == "{{b}}|{{#each x}}{{/each}}"


@pytest.mark.parametrize(
    "value",
    [object(), lambda: "x", print, Path("/etc/passwd"), b"bytes", type],
    ids=["object", "lambda", "builtin", "path", "bytes", "class"],
)
def test_objects_never_reach_a_template(value: Any) -> None:
    with pytest.raises(TypeError):
        get_engine().compile("{{x}}").render({"x": value})


def test_unknown_helpers_cannot_be_called() -> None:
    with pytest.raises(TemplateSyntaxError, match='unknown helper "system"'):
        get_engine().compile('{{system "ls"}}')
    with pytest.raises(TemplateSyntaxError, match='unknown helper "eval"'):
        get_engine().compile('{{json (eval "1+1")}}')


def test_log_helper_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert get_engine().compile('{{log "hello" issue}}').render(CONTEXT) == ""
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_a_self_recursive_partial_stops() -> None:
    template = get_engine().compile('{{#*inline "loop"}}again {{> loop}}{{/inline}}{{> loop}}')
    with pytest.raises(TemplateRenderError, match="nested more than"):
        template.render({})


def test_mutually_recursive_partials_stop() -> None:
    engine = PromptEngine(partials={"ping": "ping {{> pong}}", "pong": "pong {{> ping}}"})
    with pytest.raises(TemplateRenderError, match="nested more than"):
        engine.compile("{{> ping}}").render({})


def test_exponential_recursion_bounded_by_data_is_stopped() -> None:
    # Each level renders the next one twice: 2^30 partial calls if nothing stopped it.
    nested: dict[str, Any] = {}
    for _ in range(30):
        nested = {"c": nested, "v": "x"}
    engine = PromptEngine(limits=RenderLimits(timeout_seconds=0.2))
    template = engine.compile('{{#*inline "r"}}{{#if c}}{{> r c}}{{> r c}}{{/if}}{{/inline}}{{> r}}')
    with pytest.raises(RenderLimitExceeded):
        template.render(nested)


def test_nested_loops_over_large_lists_are_stopped_by_time() -> None:
    engine = PromptEngine(limits=RenderLimits(timeout_seconds=0.1))
    loops = "{{#each @root.xs}}" * 4 + "{{/each}}" * 4
    with pytest.raises(RenderLimitExceeded, match=r"longer than 0\.1 seconds"):
        engine.compile(loops).render({"xs": list(range(300))})


def test_output_is_capped_while_rendering() -> None:
    # 10^12 characters if rendered in full: the meter must stop it long before.
    assert getattr(hb_internals._render, "_loop_metered", False)
    engine = PromptEngine(limits=RenderLimits(max_output_chars=10_000, timeout_seconds=30))
    loops = "{{#each @root.xs}}" * 3 + "x" * 1000 + "{{/each}}" * 3
    with pytest.raises(RenderLimitExceeded, match="longer than 10000 characters"):
        engine.compile(loops).render({"xs": list(range(1000))})


def test_output_cap_counts_values_and_helper_output() -> None:
    engine = PromptEngine(limits=RenderLimits(max_output_chars=1000))
    big = {"text": "y" * 600}
    assert len(engine.compile("{{text}}").render(big)) == 600
    with pytest.raises(RenderLimitExceeded):
        engine.compile("{{text}}{{text}}").render(big)
    with pytest.raises(RenderLimitExceeded):
        engine.compile("{{json @root}}{{json @root}}").render(big)


def test_output_cap_counts_partial_indentation() -> None:
    lines = "\n" * 200
    engine = PromptEngine(
        partials={"blank": lines, "deep": "\n" + " " * 100 + "{{> blank}}\n"},
        limits=RenderLimits(max_output_chars=5_000),
    )
    with pytest.raises(RenderLimitExceeded):
        engine.compile("{{> deep}}").render({})


def test_output_exactly_at_the_cap_is_allowed() -> None:
    engine = PromptEngine(limits=RenderLimits(max_output_chars=100))
    assert len(engine.compile("x" * 100).render({})) == 100
    with pytest.raises(RenderLimitExceeded):
        engine.compile("x" * 101).render({})


def test_deep_block_nesting_is_refused_when_compiled() -> None:
    depth = MAX_BLOCK_NESTING + 1
    source = "{{#if a}}\n" * depth + "{{/if}}" * depth
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile(source)
    assert error.value.line == depth
    assert "nested more than" in error.value.reason


def test_absurd_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(TemplateSyntaxError):
        get_engine().compile("{{#if a}}" * 5000 + "{{/if}}" * 5000)
    with pytest.raises(TemplateSyntaxError, match="sub-expressions"):
        get_engine().compile("{{json " + "(json " * 100 + "x" + ")" * 100 + "}}")


def test_a_long_chain_of_partials_stops() -> None:
    partials = {f"p{i}": f"{{{{> p{i + 1}}}}}" for i in range(200)}
    partials["p200"] = "end"
    engine = PromptEngine(partials=partials)
    with pytest.raises(TemplateRenderError, match="nested more than"):
        engine.compile("{{> p0}}").render({})


def test_recursion_limit_holds_deep_inside_the_caller_stack() -> None:
    template = get_engine().compile('{{#*inline "r"}}x{{> r}}{{/inline}}{{> r}}')

    def nest(levels: int) -> str:
        return template.render({}) if levels == 0 else nest(levels - 1)

    with pytest.raises(TemplateRenderError):
        nest(600)


def test_tokens_in_context_are_redacted() -> None:
    token = "tok_" + secrets.token_hex(32)
    context = {
        "note": f"use {token} please",
        "nested": {"list": [token]},
        "loop": "loop_" + secrets.token_hex(32),
    }
    out = get_engine().compile("{{note}}|{{nested.list.[0]}}|{{loop}}|{{json nested}}").render(context)
    assert token not in out
    assert "loop_" not in out
    assert out.startswith("use [redacted] please|[redacted]|[redacted]|")


def test_a_token_written_into_a_template_is_refused() -> None:
    token = "looped_live_" + secrets.token_hex(32)
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile(f"Use this:\n  {token}")
    assert (error.value.line, error.value.column, error.value.code) == (2, 3, "credential")


def test_deeply_nested_context_is_cut_not_crashing() -> None:
    value: Any = "bottom"
    for _ in range(5000):
        value = {"a": value}
    out = get_engine().compile("{{a.a.a}}").render({"a": value})
    assert out == "[object Object]"


def test_a_long_else_if_chain_is_refused_where_it_gets_too_deep() -> None:
    source = "{{#if a}}\n" + "{{else if b}}\n" * 60 + "{{/if}}"
    with pytest.raises(TemplateSyntaxError) as error:
        get_engine().compile(source)
    assert error.value.line == MAX_BLOCK_NESTING + 1
    assert "nested more than" in error.value.reason
    get_engine().compile("{{#if a}}\n" + "{{else if b}}\n" * 30 + "{{/if}}")
