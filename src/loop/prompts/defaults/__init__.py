"""Loop's default prompt templates (one per issue type) and the shared partials every template can include.

The template bodies are the ``.hbs`` files next to this module; the partials are ``partials/<name>.hbs`` and
are included as ``{{> name}}``. Every organisation gets the five templates as version 1, active.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_SPECIFICITY = 10
DEFAULT_AUTHOR_TYPE = "human"
DEFAULT_AUTHOR_NAME = "system"
DEFAULT_CHANGELOG = "Initial default template"

_FILES = resources.files(__name__)


@cache
def _read(name: str) -> str:
    return (_FILES / name).read_text(encoding="utf-8")


def _load_partials() -> dict[str, str]:
    folder = _FILES / "partials"
    return {
        entry.name.removesuffix(".hbs"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.name.endswith(".hbs")
    }


PARTIALS: dict[str, str] = _load_partials()


@dataclass(frozen=True, slots=True)
class DefaultTemplate:
    slug: str
    name: str
    description: str
    conditions: dict[str, Any] = field(default_factory=dict)
    specificity: int = DEFAULT_SPECIFICITY

    @property
    def content(self) -> str:
        return _read(f"{self.slug}.hbs")


DEFAULT_TEMPLATES: tuple[DefaultTemplate, ...] = (
    DefaultTemplate(
        slug="signal-triage",
        name="Signal Triage",
        description="Understand an incoming signal, decide whether it is actionable, and turn it into one "
        "testable hypothesis.",
        conditions={"type": "signal"},
    ),
    DefaultTemplate(
        slug="hypothesis-planning",
        name="Hypothesis Planning",
        description="Challenge a hypothesis and plan the smallest set of ordered tasks that validates and "
        "addresses it.",
        conditions={"type": "hypothesis"},
    ),
    DefaultTemplate(
        slug="task-execution",
        name="Task Execution",
        description="Carry out one task in the codebase, verify it and report the result.",
        conditions={"type": "task"},
    ),
    DefaultTemplate(
        slug="plan-decomposition",
        name="Plan Decomposition",
        description="Break a plan into prioritised, ordered tasks that agents can carry out one at a time.",
        conditions={"type": "plan"},
    ),
    DefaultTemplate(
        slug="monitor-check",
        name="Monitor Check",
        description="Measure what a monitor watches, compare it with its threshold and raise a signal on a "
        "breach.",
        conditions={"type": "monitor"},
    ),
)

DEFAULT_TEMPLATES_BY_SLUG: dict[str, DefaultTemplate] = {
    template.slug: template for template in DEFAULT_TEMPLATES
}
