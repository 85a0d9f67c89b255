"""The one place where prompt templates are compiled and rendered.

Prompt templates are written through the API, so their source is untrusted input. They are Handlebars, run by
dotpromptz-handlebars (pure Python, no code generation: it only walks dicts and lists, so a template cannot
reach attributes, classes or functions; pybars is not used because its compiler executes code embedded in
template source). Around it this module adds what a server needs:

- **Checked at save time.** ``compile`` rejects a template that would fail when rendered: bad syntax, blocks
  that do not match, unknown helpers or partials, wrong helper arguments, triple-stash (see below), embedded
  tokens. ``TemplateSyntaxError`` carries the line, the column and a human reason.
- **No HTML escaping.** Prompts are plain text and Markdown for a model, never HTML: escaping would turn
  ``a && b`` into ``a &amp;&amp; b`` and every quote in a JSON or shell example into ``&quot;``. Anything that
  shows a prompt in a web page escapes it there (Jinja2 autoescape).
- **Triple-stash is refused** (``{{{x}}}``, ``{{~{x}}}``) with the engine reference's message. With escaping off
  it changes nothing, but clients of that API expect the 422 and its wording; ``{{&x}}`` and raw blocks
  (``{{{{raw}}}}…{{{{/raw}}}}``) stay allowed because the reference accepts them and they are useful.
- **Bounded work.** Output is capped (``RenderLimits.max_output_chars``) and so is the time spent
  (``RenderLimits.timeout_seconds``); nesting is limited while compiling and while rendering, so recursive
  partials, exponential expansions and huge loops end in ``RenderLimitExceeded`` instead of eating the server.
- **A bounded cache** of compiled templates keyed by a hash of their content (an LRU, not one entry per
  version forever).
- **Sanitised context.** Only dicts, lists, strings, numbers, booleans and null reach a template; dates become
  ISO-8601 strings; anything that looks like a Loop token is replaced by ``[redacted]``.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import dotpromptz_handlebars as hb

# The library has no hook to bound the work of one render. Its output is made by `_render` (a list of nodes),
# `_show` (one printed value) and `_apply_indent` (a partial's indentation); wrapping those three functions lets
# a render be metered as it goes. It also re-parses each variable path on every lookup; its `_parts` is a pure
# function of the path text, so it is memoised (a fifth of the render time of a default prompt). The library
# version is pinned, and tests/prompts/test_sandbox.py fails if the meter stops seeing output. Compiling
# registered partials once (the library recompiles partials given as text on every render) uses its parser.
import dotpromptz_handlebars._render as _hb_internals

from loop.prompts import _syntax
from loop.prompts._checks import (
    BUILTIN_BLOCKS,
    MAX_BLOCK_NESTING,
    MAX_SUBEXPRESSION_NESTING,
    Checker,
    error_at,
    inline_names,
    library_reason,
)
from loop.prompts.errors import (
    TRIPLE_BRACE_MESSAGE,
    RenderLimitExceeded,
    TemplateError,
    TemplateRenderError,
    TemplateSyntaxError,
)
from loop.prompts.helpers import BUILTIN_HELPERS
from loop.prompts.sanitize import (
    MAX_CONTEXT_DEPTH,
    REDACTED,
    TOKEN_PATTERN,
    SanitizedContext,
    redact,
    sanitize_context,
    sanitize_value,
)

__all__ = [
    "BUILTIN_BLOCKS",
    "MAX_BLOCK_NESTING",
    "MAX_CONTEXT_DEPTH",
    "MAX_RENDER_DEPTH",
    "MAX_SOURCE_CHARS",
    "MAX_SUBEXPRESSION_NESTING",
    "REDACTED",
    "TRIPLE_BRACE_MESSAGE",
    "BlockCall",
    "CompiledTemplate",
    "PromptEngine",
    "RenderLimitExceeded",
    "RenderLimits",
    "SanitizedContext",
    "TemplateError",
    "TemplateRenderError",
    "TemplateSyntaxError",
    "compile_template",
    "get_engine",
    "redact",
    "render_template",
    "sanitize_context",
    "sanitize_value",
]

MAX_SOURCE_CHARS = 200_000
MAX_RENDER_DEPTH = 64  # blocks + partials deep while rendering; keeps well inside Python's recursion limit


@dataclass(frozen=True, slots=True)
class RenderLimits:
    max_output_chars: int = 1_000_000
    timeout_seconds: float = 1.0


# -- metering ----------------------------------------------------------------------------------------------
class _Meter:
    __slots__ = ("chars", "deadline", "limits", "ticks")

    def __init__(self, limits: RenderLimits) -> None:
        self.limits = limits
        self.chars = 0
        self.ticks = 0
        self.deadline = time.monotonic() + limits.timeout_seconds

    def charge(self, chars: int) -> None:
        self.chars += chars
        if self.chars > self.limits.max_output_chars:
            raise RenderLimitExceeded(
                f"the prompt would be longer than {self.limits.max_output_chars} characters"
            )

    def tick(self) -> None:
        self.ticks += 1
        if not self.ticks & 63 and time.monotonic() > self.deadline:
            raise RenderLimitExceeded(f"rendering took longer than {self.limits.timeout_seconds:g} seconds")


_METER: ContextVar[_Meter | None] = ContextVar("loop_prompt_render_meter", default=None)


def _install_hooks() -> None:
    render_nodes = _hb_internals._render
    show = _hb_internals._show
    apply_indent = _hb_internals._apply_indent
    parse_path = _hb_internals._parts
    if getattr(render_nodes, "_loop_metered", False):
        return

    def metered_render(nodes: Any, **env: Any) -> str:
        meter = _METER.get()
        if meter is None:
            return render_nodes(nodes, **env)
        meter.tick()
        before = meter.chars
        out: str = render_nodes(nodes, **env)
        # Values and nested lists were charged as they were made; what is left is this list's own text.
        extra = len(out) - (meter.chars - before)
        if extra > 0:
            meter.charge(extra)
        return out

    def metered_show(value: Any, *, raw: bool, escape_html: bool) -> str:
        out: str = show(value, raw=raw, escape_html=escape_html)
        meter = _METER.get()
        if meter is not None:
            meter.tick()
            meter.charge(len(out))
        return out

    def metered_apply_indent(text: str, indent: str) -> str:
        meter = _METER.get()
        if meter is not None and indent and text:
            meter.charge((text.count("\n") + 1) * len(indent))  # before the indented copy is built
        return apply_indent(text, indent)

    @functools.lru_cache(maxsize=4096)
    def memoised_parts(path: str) -> tuple[str, ...]:
        return tuple(parse_path(path))  # a tuple, so that no caller can change the shared answer

    metered_render._loop_metered = True  # type: ignore[attr-defined]
    _hb_internals._render = metered_render
    _hb_internals._show = metered_show
    _hb_internals._apply_indent = metered_apply_indent
    _hb_internals._parts = memoised_parts


_install_hooks()


# -- helpers -----------------------------------------------------------------------------------------------
_RESULT_TYPES = (str, int, float, bool, dict, list, type(None))


@dataclass(frozen=True, slots=True)
class BlockCall:
    """What a block helper (``{{#name …}}…{{else}}…{{/name}}``) receives besides its arguments."""

    hash: dict[str, Any]
    body: Callable[..., str]  # body(context=None) renders the block, optionally with another context
    inverse: Callable[..., str]  # the {{else}} part


def _checked_result(name: str, result: Any) -> Any:
    if not isinstance(result, _RESULT_TYPES):
        raise TemplateRenderError(f'helper "{name}" returned a {type(result).__name__}')
    return result


def _adapt_helper(name: str, fn: Callable[..., Any]) -> hb.HelperFn:
    def call(args: list[Any], options: hb.HelperOptions) -> Any:
        try:
            result = fn(*args, **options.hash)
        except TemplateError:
            raise
        except Exception as exc:
            raise TemplateRenderError(f'helper "{name}" failed: {exc}') from exc
        return _checked_result(name, result)

    return call


def _adapt_block_helper(name: str, fn: Callable[..., Any]) -> hb.HelperFn:
    def call(args: list[Any], options: hb.HelperOptions) -> Any:
        def body(context: Any = None) -> str:
            return options.fn(None if context is None else sanitize_value(context))

        def inverse(context: Any = None) -> str:
            return options.inverse(None if context is None else sanitize_value(context))

        block = BlockCall(hash=dict(options.hash), body=body, inverse=inverse)
        try:
            result = fn(block, *args, **options.hash)
        except TemplateError:
            raise
        except Exception as exc:
            raise TemplateRenderError(f'helper "{name}" failed: {exc}') from exc
        result = _checked_result(name, result)
        return hb.SafeString(result) if isinstance(result, str) else result

    return call


# -- compiled templates ------------------------------------------------------------------------------------
class CompiledTemplate:
    """A checked template, ready to render any number of times."""

    __slots__ = ("_engine", "_render", "source_hash")

    def __init__(self, engine: PromptEngine, render: Callable[..., str], source_hash: str) -> None:
        self._engine = engine
        self._render = render
        self.source_hash = source_hash

    def render(self, context: Mapping[str, Any]) -> str:
        """The prompt for this context. Raises TemplateRenderError (RenderLimitExceeded for the limits)."""
        safe = sanitize_context(context)
        limits = self._engine.limits
        token = _METER.set(_Meter(limits))
        try:
            text = self._render(safe)
        except TemplateError:
            raise
        except RecursionError:
            raise TemplateRenderError(
                f"blocks and partials are nested more than {MAX_RENDER_DEPTH} deep (a partial that includes "
                "itself without end?)"
            ) from None
        except Exception as exc:
            raise TemplateRenderError(str(exc) or type(exc).__name__) from exc
        finally:
            _METER.reset(token)
        if len(text) > limits.max_output_chars:
            raise RenderLimitExceeded(f"the prompt would be longer than {limits.max_output_chars} characters")
        return text


class PromptEngine:
    """Handlebars for prompts: helpers, shared partials, checks, limits and a compiled-template cache."""

    def __init__(
        self,
        *,
        partials: Mapping[str, str] | None = None,
        limits: RenderLimits | None = None,
        cache_size: int = 256,
        builtin_helpers: bool = True,
    ) -> None:
        self.limits = limits or RenderLimits()
        self._hb = hb.Handlebars(escape_html=False, max_depth=MAX_RENDER_DEPTH)
        self._hb.unregister_helper("log")  # the library's prints to stdout; ours is silent
        self.helper_signatures: dict[str, inspect.Signature | None] = {"lookup": None}
        self._partial_names: set[str] = set()
        self._cache: OrderedDict[str, CompiledTemplate] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        if builtin_helpers:
            for name, fn in BUILTIN_HELPERS.items():
                self.register_helper(name, fn)
        if partials:
            self.register_partials(partials)

    # registration
    def register_helper(self, name: str, fn: Callable[..., Any]) -> None:
        """``fn(*args, **hash)`` answers ``{{name a b key=value}}`` and ``(name a b)``."""
        self._hb.register_helper(name, _adapt_helper(name, fn))
        self.helper_signatures[name] = _signature(fn)
        self.clear_cache()

    def register_block_helper(self, name: str, fn: Callable[..., Any]) -> None:
        """``fn(block, *args, **hash)`` answers ``{{#name a key=value}}…{{else}}…{{/name}}``; ``block.body()`` and
        ``block.inverse()`` render the two parts."""
        self._hb.register_helper(name, _adapt_block_helper(name, fn))
        signature = _signature(fn)
        if signature is not None:
            params = list(signature.parameters.values())[1:]
            signature = signature.replace(parameters=params)
        self.helper_signatures[name] = signature
        self.clear_cache()

    def register_partial(self, name: str, source: str) -> None:
        self.register_partials({name: source})

    def register_partials(self, partials: Mapping[str, str]) -> None:
        """Shared partials (``{{> name}}``). Each is checked like a template; they may include each other."""
        known = self._partial_names | set(partials)
        programs = {}
        for name, source in partials.items():
            self._validate(source, allow_triple_stash=False, partial_names=known)
            programs[name] = _hb_internals.compile_template(source, max_depth=MAX_RENDER_DEPTH)
        for name, program in programs.items():
            self._hb.register_partial(name, program)  # type: ignore[arg-type]  # a compiled program is accepted
        self._partial_names = known
        self.clear_cache()

    @property
    def helper_names(self) -> frozenset[str]:
        return frozenset(self.helper_signatures)

    @property
    def partial_names(self) -> frozenset[str]:
        return frozenset(self._partial_names)

    # compiling and rendering
    def compile(self, source: str, *, allow_triple_stash: bool = False) -> CompiledTemplate:
        """Check and compile a template (cached by content). Raises TemplateSyntaxError."""
        digest = hashlib.sha256(f"{int(allow_triple_stash)}\0{source}".encode()).hexdigest()
        with self._lock:
            cached = self._cache.get(digest)
            if cached is not None:
                self._cache.move_to_end(digest)
                self._hits += 1
                return cached
            self._misses += 1
        render = self._validate(
            source, allow_triple_stash=allow_triple_stash, partial_names=self._partial_names
        )
        compiled = CompiledTemplate(self, render, digest)
        with self._lock:
            self._cache[digest] = compiled
            self._cache.move_to_end(digest)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return compiled

    def check(self, source: str) -> None:
        """Raise TemplateSyntaxError if the template cannot be saved."""
        self.compile(source)

    def render(self, source: str, context: Mapping[str, Any]) -> str:
        return self.compile(source).render(context)

    def cache_info(self) -> dict[str, int]:
        with self._lock:
            return {
                "hits": self._hits,
                "misses": self._misses,
                "size": len(self._cache),
                "max": self._cache_size,
            }

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # checks
    def _validate(
        self, source: str, *, allow_triple_stash: bool, partial_names: set[str]
    ) -> Callable[..., str]:
        if not isinstance(source, str):
            raise TypeError("a template is a string")
        if len(source) > MAX_SOURCE_CHARS:
            raise error_at(
                source, MAX_SOURCE_CHARS, f"a template may be at most {MAX_SOURCE_CHARS} characters long"
            )
        token = TOKEN_PATTERN.search(source)
        if token:
            raise error_at(
                source,
                token.start(),
                "a template must not contain a credential: tell the agent to use its own token ($LOOP_TOKEN)",
                code="credential",
            )
        try:
            tags = _syntax.scan(source)
        except _syntax.ScanError as exc:
            raise error_at(source, exc.offset, exc.reason) from None
        Checker(self, source, allow_triple_stash, partial_names | inline_names(tags)).run(tags)
        try:
            return self._hb.compile(source)
        except Exception as exc:  # the library's own verdict, should the checks above have missed something
            raise error_at(source, 0, library_reason(exc)) from None

    def try_fragment(self, source: str, tag: _syntax.Tag, fragment: str) -> None:
        try:
            self._hb.compile(fragment)
        except Exception as exc:
            raise error_at(source, tag.start, library_reason(exc)) from None


def _signature(fn: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


# -- the engine the application uses -----------------------------------------------------------------------
_default_engine: PromptEngine | None = None
_default_lock = threading.Lock()


def get_engine() -> PromptEngine:
    """The shared engine: built-in helpers and Loop's partials (``loop.prompts.defaults``)."""
    global _default_engine
    if _default_engine is None:
        with _default_lock:
            if _default_engine is None:
                from loop.prompts.defaults import PARTIALS

                _default_engine = PromptEngine(partials=PARTIALS)
    return _default_engine


def compile_template(source: str) -> CompiledTemplate:
    """Check and compile a template with the shared engine. Raises TemplateSyntaxError."""
    return get_engine().compile(source)


def render_template(source: str, context: Mapping[str, Any]) -> str:
    return get_engine().render(source, context)
