"""Errors of prompt templates: a template that cannot be saved, or one that failed for a context."""

from __future__ import annotations

from typing import Any

TRIPLE_BRACE_MESSAGE = (
    "Triple-brace syntax ({{{) is not allowed. Use double-brace Handlebars expressions instead."
)


class TemplateError(ValueError):
    code = "template_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemplateSyntaxError(TemplateError):
    """The template cannot be used. ``str(error)`` is ``"line L, column C: reason"``."""

    code = "template_syntax"

    def __init__(self, reason: str, *, line: int, column: int, code: str | None = None) -> None:
        super().__init__(reason)
        self.line = line
        self.column = column
        if code:
            self.code = code

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


class TemplateRenderError(TemplateError):
    """A compiled template failed for this context (e.g. a recursive partial that never ends)."""

    code = "template_render"


class RenderLimitExceeded(TemplateRenderError):
    code = "template_limit"
