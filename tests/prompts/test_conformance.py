"""The Handlebars behaviours prompt templates rely on, checked through Loop's engine interface.

If the rendering library is ever replaced, these must still pass unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from loop.prompts.engine import BlockCall, PromptEngine


@pytest.fixture(scope="module")
def engine() -> PromptEngine:
    engine = PromptEngine(
        partials={
            "greeting": "Hello {{name}}!",
            "card": "[{{title}}|{{tone}}]",
            "lines": "- {{a}}\n- {{b}}\n",
        }
    )
    engine.register_helper("shout", lambda text=None, *_, **__: f"{text}".upper() + "!")
    engine.register_helper("wrap", lambda text=None, *_, left="(", right=")", **__: f"{left}{text}{right}")
    engine.register_helper("add", lambda a=0, b=0, *_, **__: a + b)

    def twice(block: BlockCall, *args: Any, **hash: Any) -> str:
        return block.body() + block.body()

    def when_even(block: BlockCall, number: Any = None, *_: Any, **__: Any) -> str:
        return block.body() if isinstance(number, int) and number % 2 == 0 else block.inverse()

    engine.register_block_helper("twice", twice)
    engine.register_block_helper("when_even", when_even)
    return engine


CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("variable", "Hi {{name}}", {"name": "Ada"}, "Hi Ada"),
    ("path", "{{issue.project.name}}", {"issue": {"project": {"name": "Shop"}}}, "Shop"),
    ("index path", "{{items.[1]}}", {"items": ["a", "b"]}, "b"),
    ("no escaping", "{{code}}", {"code": '<a href="x">&\'=`</a>'}, '<a href="x">&\'=`</a>'),
    ("ampersand", "{{&code}}", {"code": "<b>&</b>"}, "<b>&</b>"),
    ("if true", "{{#if ok}}yes{{else}}no{{/if}}", {"ok": True}, "yes"),
    ("if false", "{{#if ok}}yes{{else}}no{{/if}}", {"ok": False}, "no"),
    ("if empty list", "{{#if items}}some{{else}}none{{/if}}", {"items": []}, "none"),
    ("if zero", "{{#if n}}set{{else}}unset{{/if}}", {"n": 0}, "unset"),
    ("if includeZero", "{{#if n includeZero=true}}set{{/if}}", {"n": 0}, "set"),
    ("else if", "{{#if a}}A{{else if b}}B{{else}}C{{/if}}", {"a": False, "b": True}, "B"),
    ("else if fallthrough", "{{#if a}}A{{else if b}}B{{else}}C{{/if}}", {}, "C"),
    ("unless", "{{#unless done}}open{{/unless}}", {"done": False}, "open"),
    ("each with @index", "{{#each xs}}{{@index}}={{this}} {{/each}}", {"xs": ["a", "b"]}, "0=a 1=b "),
    (
        "each with @first/@last",
        "{{#each xs}}{{#if @first}}<{{/if}}{{this}}{{#if @last}}>{{else}},{{/if}}{{/each}}",
        {"xs": [1, 2, 3]},
        "<1,2,3>",
    ),
    (
        "each over object with @key",
        "{{#each m}}{{@key}}:{{this}};{{/each}}",
        {"m": {"a": 1, "b": 2}},
        "a:1;b:2;",
    ),
    ("each else", "{{#each xs}}x{{else}}empty{{/each}}", {"xs": []}, "empty"),
    ("block params", "{{#each xs as |item i|}}{{i}}{{item}}{{/each}}", {"xs": ["a", "b"]}, "0a1b"),
    ("with", "{{#with user}}{{name}}{{/with}}", {"user": {"name": "Ada"}}, "Ada"),
    ("with else", "{{#with user}}{{name}}{{else}}nobody{{/with}}", {}, "nobody"),
    ("parent scope", "{{#each xs}}{{this}}{{../sep}}{{/each}}", {"xs": [1, 2], "sep": "|"}, "1|2|"),
    ("@root", "{{#with a}}{{#with b}}{{@root.top}}{{/with}}{{/with}}", {"a": {"b": {}}, "top": "T"}, "T"),
    ("lookup", "{{lookup xs 1}}-{{lookup m key}}", {"xs": ["a", "b"], "m": {"k": "v"}, "key": "k"}, "b-v"),
    ("comment", "a{{! short }}b{{!-- long }} with braces --}}c", {}, "abc"),
    ("whitespace control", "a   {{~x~}}   b", {"x": "-"}, "a-b"),
    ("standalone lines", "{{#if ok}}\nline\n{{/if}}\nend", {"ok": True}, "line\nend"),
    ("raw block", "{{{{raw}}}}{{not parsed}}{{{{/raw}}}}", {}, "{{not parsed}}"),
    ("escaped mustache", "\\{{literal}}", {}, "{{literal}}"),
    ("helper with positional args", "{{add 2 3}}", {}, "5"),
    ("helper with hash args", "{{wrap 'x' left='[' right=']'}}", {}, "[x]"),
    ("sub-expression", "{{shout (wrap name)}}", {"name": "ada"}, "(ADA)!"),
    ("block helper", "{{#twice}}ab{{/twice}}", {}, "abab"),
    ("block helper with else", "{{#when_even n}}even{{else}}odd{{/when_even}}", {"n": 3}, "odd"),
    ("partial", "{{> greeting}}", {"name": "Ada"}, "Hello Ada!"),
    ("partial with context", "{{> greeting person}}", {"person": {"name": "Bo"}}, "Hello Bo!"),
    ("partial with hash", "{{> card title='T' tone=mood}}", {"mood": "calm"}, "[T|calm]"),
    (
        "inline partial",
        '{{#*inline "row"}}<{{this}}>{{/inline}}{{#each xs}}{{> row}}{{/each}}',
        {"xs": [1, 2]},
        "<1><2>",
    ),
    ("partial block fallback", "{{#> missing}}fallback{{/missing}}", {}, "fallback"),
    ("missing variable", "[{{nope}}][{{a.b.c}}]", {}, "[][]"),
    (
        "numbers and booleans",
        "{{n}} {{f}} {{t}} {{z}}",
        {"n": 3, "f": 2.5, "t": True, "z": 2.0},
        "3 2.5 true 2",
    ),
    ("list printed", "{{xs}}", {"xs": [1, "a", None]}, "1,a,"),
    ("object printed", "{{o}}", {"o": {"a": 1}}, "[object Object]"),
]


@pytest.mark.parametrize(("source", "context", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_behaviour(engine: PromptEngine, source: str, context: dict[str, Any], expected: str) -> None:
    assert engine.compile(source).render(context) == expected


def test_triple_stash_renders_unescaped_when_allowed(engine: PromptEngine) -> None:
    template = engine.compile("{{{code}}}|{{~{code}~}}", allow_triple_stash=True)
    assert template.render({"code": "<b>"}) == "<b>|<b>"


def test_standalone_partial_is_indented_line_by_line(engine: PromptEngine) -> None:
    source = "list:\n  {{> lines}}\nend"
    assert engine.compile(source).render({"a": 1, "b": 2}) == "list:\n  - 1\n  - 2\nend"
