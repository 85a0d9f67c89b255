"""The checks a template passes before it is saved, each error pinned to a line and column.

The library only says whether a whole template parses, and not where it fails. Here every tag found by
``_syntax.scan`` is checked on its own (through the engine, which owns the library), then the block structure,
the helpers and their arguments, and the partials are checked across the template.
"""

from __future__ import annotations

import inspect
from typing import Protocol

from loop.prompts import _syntax
from loop.prompts.errors import TRIPLE_BRACE_MESSAGE, TemplateSyntaxError

MAX_BLOCK_NESTING = 40
MAX_SUBEXPRESSION_NESTING = 16
BUILTIN_BLOCKS = frozenset({"if", "unless", "each", "with"})


class Compiler(Protocol):
    helper_signatures: dict[str, inspect.Signature | None]

    def try_fragment(self, source: str, tag: _syntax.Tag, fragment: str) -> None: ...


def library_reason(exc: Exception) -> str:
    reason = str(exc)
    if isinstance(exc, IndexError) or not reason:
        return "this tag is incomplete"
    return reason


def error_at(source: str, offset: int, reason: str, code: str | None = None) -> TemplateSyntaxError:
    line, column = _syntax.position(source, offset)
    return TemplateSyntaxError(reason, line=line, column=column, code=code)


def inline_names(tags: list[_syntax.Tag]) -> set[str]:
    names = set()
    for tag in tags:
        if tag.kind == "inline":
            parts = tag.body.split()
            if len(parts) > 1:
                names.add(_syntax.unquote(parts[1]))
    return names


def _nesting(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _opening(name: str) -> str:
    return "{{#" + name + "}}"


def _closing(name: str) -> str:
    return "{{/" + name + "}}"


class Checker:
    """Walks the tags once: block structure, helpers, partials, arguments."""

    def __init__(self, engine: Compiler, source: str, allow_triple: bool, partials: set[str]) -> None:
        self.engine = engine
        self.source = source
        self.allow_triple = allow_triple
        self.partials = partials
        self.stack: list[tuple[str, _syntax.Tag]] = []
        self.elses: list[int] = []  # {{else}} tags of each open block: each one nests a level deeper too

    def fail(self, tag: _syntax.Tag, reason: str, code: str | None = None) -> TemplateSyntaxError:
        return error_at(self.source, tag.start, reason, code)

    def run(self, tags: list[_syntax.Tag]) -> None:
        for tag in tags:
            kind = tag.kind
            if kind == "comment":
                continue
            if tag.triple and not self.allow_triple:
                raise self.fail(tag, TRIPLE_BRACE_MESSAGE, "triple_brace")
            getattr(self, f"_{kind}")(tag)
        if self.stack:
            name, tag = self.stack[-1]
            raise self.fail(tag, f"{_opening(name)} is never closed with {_closing(name)}")

    def _fragment(self, tag: _syntax.Tag, suffix: str = "", prefix: str = "") -> None:
        self.engine.try_fragment(self.source, tag, prefix + self.source[tag.start : tag.end] + suffix)

    def _push(self, name: str, tag: _syntax.Tag) -> None:
        self.stack.append((name, tag))
        self.elses.append(0)
        self._check_nesting(tag)

    def _check_nesting(self, tag: _syntax.Tag) -> None:
        if len(self.stack) + sum(self.elses) > MAX_BLOCK_NESTING:
            raise self.fail(tag, f"blocks are nested more than {MAX_BLOCK_NESTING} deep")

    def _raw(self, tag: _syntax.Tag) -> None:
        self._fragment(tag)

    def _close(self, tag: _syntax.Tag) -> None:
        parts = tag.body[1:].split()
        if not parts:
            raise self.fail(tag, "a closing tag needs the name of its block, e.g. {{/if}}")
        name = parts[0]
        if not self.stack:
            raise self.fail(tag, f"{_closing(name)} closes a block that was never opened")
        open_name, open_tag = self.stack.pop()
        self.elses.pop()
        if name != open_name:
            line, column = _syntax.position(self.source, open_tag.start)
            raise self.fail(
                tag,
                f"{_closing(name)} does not match {_opening(open_name)} (opened at line {line}, column {column})",
            )

    def _else(self, tag: _syntax.Tag) -> None:
        if not self.stack:
            raise self.fail(tag, "{{else}} is only allowed inside a block")
        self.elses[-1] += 1
        self._check_nesting(tag)
        rest = tag.body[len("else") :].strip()
        if not rest:
            return
        keyword = rest.split()[0]
        if keyword not in ("if", "unless"):
            raise self.fail(tag, "only {{else}}, {{else if …}} and {{else unless …}} are supported")
        self._fragment(tag, prefix="{{#if true}}", suffix=_closing("if"))
        self._check_call(tag, _syntax.parse_call(rest), block=True)

    def _inline(self, tag: _syntax.Tag) -> None:
        if len(tag.body.split()) < 2:
            raise self.fail(tag, 'an inline partial needs a name: {{#*inline "name"}}…{{/inline}}')
        self._fragment(tag, _closing("inline"))
        self._push("inline", tag)

    def _partial_block(self, tag: _syntax.Tag) -> None:
        call = _syntax.parse_call(tag.body[2:])
        if not call.name:
            raise self.fail(tag, "a partial block needs a partial name: {{#> name}}…{{/name}}")
        self._fragment(tag, _closing(call.name))
        self._check_arguments(tag, call)
        self._push(call.name, tag)

    def _block(self, tag: _syntax.Tag) -> None:
        call = _syntax.parse_call(tag.body[1:])
        if not call.name:
            raise self.fail(tag, "a block needs a name, e.g. {{#if condition}}")
        self._fragment(tag, _closing(call.name))
        self._check_call(tag, call, block=True)
        self._push(call.name, tag)

    def _partial(self, tag: _syntax.Tag) -> None:
        header = tag.body[1:].strip()
        self._fragment(tag)
        parts = _syntax.split_args(header)
        if parts and parts[0].startswith("("):
            self._check_depth(tag, header)
            self._check_call(tag, _syntax.parse_call(parts[0][1:-1]), subexpression=True)
            self._check_arguments(tag, _syntax.parse_call("partial " + " ".join(parts[1:])))
            return
        call = _syntax.parse_call(header)
        if call.name != "@partial-block" and call.name not in self.partials:
            known = ", ".join(sorted(self.partials)) or "none"
            raise self.fail(tag, f'unknown partial "{call.name}" (available: {known})')
        self._check_arguments(tag, call)

    def _value(self, tag: _syntax.Tag) -> None:
        self._fragment(tag)
        body = tag.body[1:].strip() if tag.body.startswith("&") else tag.body
        self._check_call(tag, _syntax.parse_call(body), block=False)

    def _check_depth(self, tag: _syntax.Tag, text: str) -> None:
        if _nesting(text) > MAX_SUBEXPRESSION_NESTING:
            raise self.fail(tag, f"sub-expressions are nested more than {MAX_SUBEXPRESSION_NESTING} deep")

    def _check_call(
        self, tag: _syntax.Tag, call: _syntax.Call, *, block: bool = False, subexpression: bool = False
    ) -> None:
        self._check_depth(tag, tag.body)
        name = call.name
        helpers = self.engine.helper_signatures
        if name in BUILTIN_BLOCKS:
            if not block:
                raise self.fail(
                    tag, f'"{name}" can only open a block: {_opening(name + " …")}…{_closing(name)}'
                )
            if len(call.args) != 1:
                raise self.fail(tag, f"{_opening(name)} takes exactly one argument")
        elif not call.literal and (subexpression or call.args or call.hash):
            if name not in helpers:
                available = ", ".join(sorted(helpers))
                raise self.fail(tag, f'unknown helper "{name}" (available: {available})')
            self._check_signature(tag, name, call)
        self._check_arguments(tag, call)

    def _check_arguments(self, tag: _syntax.Tag, call: _syntax.Call) -> None:
        for inner in _syntax.subexpressions(call):
            if inner.literal:
                continue
            if inner.name in BUILTIN_BLOCKS or inner.name not in self.engine.helper_signatures:
                available = ", ".join(sorted(self.engine.helper_signatures))
                raise self.fail(tag, f'unknown helper "{inner.name}" (available: {available})')
            self._check_signature(tag, inner.name, inner)

    def _check_signature(self, tag: _syntax.Tag, name: str, call: _syntax.Call) -> None:
        signature = self.engine.helper_signatures.get(name)
        if signature is None:
            return
        try:
            signature.bind(*([None] * len(call.args)), **dict.fromkeys(call.hash))
        except TypeError as exc:
            raise self.fail(tag, f'helper "{name}": {exc}') from None
