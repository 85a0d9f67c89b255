"""The built-in ticket generator: deterministic, offline, and written to be useful on its own — a specific
title, a summary in plain words, the reporter's environment decoded, reproduction steps and expected/actual
behaviour pulled out of the text, the discussion condensed, and acceptance criteria that follow from what was
reported (the device to verify on, the marked area, the checklist, the team's "should"s)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from loop.llm.analysis import Analysis, analyse, plural, sentences
from loop.llm.base import Generated, SourceItem, TicketDraft

MODEL = "loop-heuristics-v1"
IMPERATIVE = (
    "fix", "add", "allow", "make", "update", "change", "remove", "improve", "support", "show", "hide", "enable",
    "disable", "implement", "create", "replace", "move", "rename", "investigate", "review", "prevent", "handle",
    "redesign", "refactor", "translate", "optimise", "optimize", "resolve", "correct", "display", "let",
)  # fmt: skip
_PREFIX = re.compile(
    r"^(?:bug|issue|problem|feature(?: request)?|request|idea|feedback|question)\s*[:\-–]\s*", re.I
)
TOPIC_CRITERIA = {
    "auth": "Signing in, signing out and password reset still work for existing and new sessions",
    "payments": "A test payment completes end to end and the customer is charged exactly once",
    "performance": "The page's load or response time is measured before and after, and the change is recorded",
    "forms": "Invalid input shows a clear validation message and valid input submits successfully",
    "accessibility": "The affected element meets WCAG 2.1 AA (contrast, keyboard access, screen-reader label)",
    "content": "The corrected copy is checked everywhere the same text appears",
    "seo": "Page metadata is verified with a crawler or the search engine's inspection tool",
    "navigation": "Every affected link or redirect lands on the intended page (no 404s)",
}


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-") + "…"


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def make_title(source: SourceItem, a: Analysis) -> str:
    base = _PREFIX.sub("", " ".join(source.title.split())).strip().rstrip(".!?")
    if len(base) < 4 and sentences(source.description):  # "x", "bug": the description says more
        base = _one_line(sentences(source.description)[0].rstrip(".!?"), 90)
    base = base or "Untitled feedback"
    base = base[:1].upper() + base[1:]
    first = base.split()[0].lower() if base.split() else ""
    if first not in IMPERATIVE:
        if a.kind == "bug":
            base = f"Fix: {base}"
        elif a.kind == "feature":
            base = f"Add {_lower_first(base)}" if len(base.split()) <= 6 else f"Feature: {base}"
    platform = a.env.short()
    if (
        a.kind == "bug"
        and a.env.is_touch
        and platform
        and not a.mentioned_platforms
        and not re.search(r"mobile|phone|tablet", base, re.I)
    ):
        base = f"{base} ({platform})"
    return _one_line(base, 120)


def _page(source: SourceItem) -> str | None:
    if not source.page_url:
        return None
    parts = urlsplit(source.page_url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _summary(source: SourceItem, a: Analysis) -> list[str]:
    who = source.reporter_name or ("The client" if source.kind == "feedback" else "The team")
    what = {"bug": "reported a problem", "feature": "asked for a change", "general": "left feedback"}[a.kind]
    if source.kind == "feedback":
        where = f" on `{_page(source)}`" if source.page_url else ""
        where += f" of {source.project_name}"
    else:
        where = f" on the {source.project_name} board" + (
            f" (list “{source.list_name}”)" if source.list_name else ""
        )
    env = a.env.describe()
    line = f"{who} {what}{where}" + (f", using {env}" if env else "") + "."
    lines = [line]
    gist = sentences(source.description)[:2]
    if gist:
        text = _one_line(" ".join(gist), 400)
        lines += ["", text[:1].upper() + text[1:]]
    return lines


def _reporter_text(source: SourceItem) -> list[str]:
    gist = sentences(source.description)[:2]
    if not source.description or len(sentences(source.description)) <= len(gist):
        return []
    quoted = "\n".join(
        f"> {line}" if line.strip() else ">" for line in source.description.strip()[:3000].splitlines()
    )
    return ["## Reporter's Description", quoted, ""]


def _steps(source: SourceItem, a: Analysis) -> list[str]:
    if a.kind != "bug":
        return []
    lines = ["## Steps to Reproduce"]
    if a.steps:
        lines += [f"{i}. {step[:1].upper()}{step[1:]}" for i, step in enumerate(a.steps, 1)]
    else:
        inferred = []
        if source.page_url:
            platform = a.env.short()
            inferred.append(f"Open {source.page_url}" + (f" in {platform}" if platform else ""))
            if a.env.viewport:
                inferred[-1] += f" at a {a.env.viewport} viewport"
        marked = [str(x.get("text")) for x in source.annotations if isinstance(x, dict) and x.get("text")]
        if marked:
            inferred.append(f"Look at the area marked in the screenshot (“{_one_line(marked[0], 80)}”)")
        elif source.has_screenshot:
            inferred.append("Compare with the attached screenshot")
        if not inferred:
            return []
        lines += [f"{i}. {step}" for i, step in enumerate(inferred, 1)]
        lines.append("")
        lines.append(
            "_Steps inferred from the report's context; confirm them with the reporter if they do not reproduce._"
        )
    if a.expected or a.actual:
        lines.append("")
        if a.expected:
            lines.append(f"**Expected:** {a.expected}")
        if a.actual:
            lines.append(f"**Actual:** {a.actual}")
    return [*lines, ""]


def _context(source: SourceItem, a: Analysis) -> list[str]:
    lines = ["## Context"]
    if source.page_url:
        lines.append(f"- Page: {source.page_url}")
    elif source.project_url:
        lines.append(f"- Site: {source.project_url}")
    if env := a.env.describe():
        lines.append(f"- Environment: {env}")
    ua = (source.browser_info or {}).get("user_agent")
    if ua:
        lines.append(f"- User agent: `{_one_line(str(ua), 300)}`")
    if source.reporter_name or source.reporter_email:
        contact = source.reporter_name or ""
        if source.reporter_email:
            contact = f"{contact} <{source.reporter_email}>".strip()
        lines.append(f"- Reported by: {contact}")
    if source.has_screenshot or source.annotations:
        marks = [str(x.get("text")) for x in source.annotations if isinstance(x, dict) and x.get("text")]
        shot = "attached to the feedback item" if source.has_screenshot else "none"
        note = f"- Screenshot: {shot}"
        if source.annotations:
            note += f"; {plural(len(source.annotations), 'annotation')}"
            if marks:
                note += " — " + ", ".join(f"“{_one_line(m, 60)}”" for m in marks[:3])
        lines.append(note)
    if source.labels:
        lines.append("- Card labels: " + ", ".join(str(label.get("text")) for label in source.labels))
    if source.due_date:
        lines.append(f"- Due: {source.due_date}")
    if source.checklist:
        done = sum(1 for item in source.checklist if item.get("checked"))
        lines.append(f"- Checklist: {done} of {len(source.checklist)} done")
    if source.attachments:
        names = ", ".join(str(x.get("name")) for x in source.attachments[:5])
        lines.append(f"- Attachments: {names}")
    if source.comments:
        internal = sum(1 for c in source.comments if c.is_internal)
        note = f"- Discussion: {plural(len(source.comments), 'comment')}" + (
            f", {internal} internal" if internal else ""
        )
        if a.corroborations:
            note += f"; {plural(a.corroborations, 'comment')} {'reports' if a.corroborations == 1 else 'report'} the same problem"
        if a.reproduced:
            note += "; reproduced by the team"
        lines.append(note)
    origin = f"{'feedback' if source.kind == 'feedback' else 'card'} `{source.id}`"
    if source.status:
        origin += f" (status {source.status})"
    lines.append(f"- Source: {origin}")
    return [*lines, ""]


def _discussion(source: SourceItem) -> list[str]:
    if not source.comments:
        return []
    shown = source.comments[-5:]
    lines = ["## Discussion"]
    if len(source.comments) > len(shown):
        lines.append(f"_{plural(len(source.comments) - len(shown), 'earlier comment')} not shown._")
    for c in shown:
        tag = " (internal)" if c.is_internal else ""
        lines.append(f"- **{c.author_name}**{tag}: {_one_line(c.body, 240)}")
    return [*lines, ""]


def _criteria(source: SourceItem, a: Analysis) -> list[str]:
    where = f"`{_page(source)}`" if source.page_url else source.project_name
    items: list[str] = []
    open_items = [str(x.get("text")) for x in source.checklist if not x.get("checked") and x.get("text")]
    if a.kind == "bug":
        items.append(a.expected or f"The reported problem no longer occurs on {where}")
        if a.steps:
            items.append("Following the steps to reproduce gives the expected result")
        env = a.env.describe()
        if a.env.browser or a.env.os:
            items.append(f"Verified in the reporter's environment ({env})")
        if a.env.is_touch or a.mentions_mobile:
            items.append("Checked at phone widths (360–430 px) and on a tablet, in portrait and landscape")
        marks = [str(x.get("text")) for x in source.annotations if isinstance(x, dict) and x.get("text")]
        if marks:
            items.append(
                f"The area marked in the screenshot (“{_one_line(marks[0], 60)}”) looks and behaves as expected"
            )
    elif a.kind == "feature":
        title = _PREFIX.sub("", source.title).strip().rstrip(".!?")
        items.append(f"{title[:1].upper()}{title[1:]} is available on {where}")
    else:
        items.append("The feedback is triaged: fixed, scheduled, or closed with a reply to the reporter")
    items += open_items
    items += [r for r in a.requirements if r not in items]
    items += [TOPIC_CRITERIA[t] for t in a.topics if t in TOPIC_CRITERIA]
    if a.kind == "feature":
        items.append("Works on desktop and mobile layouts")
        items.append("Covered by automated tests")
    elif a.kind == "bug" and "content" not in a.topics:
        items.append("A regression test covers this case")
    if source.kind == "feedback" and (source.reporter_name or source.reporter_email):
        items.append("The reporter is told once the change is live")
    unique = list(dict.fromkeys(i.rstrip(".") for i in items if i))
    return ["## Acceptance Criteria", *[f"- [ ] {item}" for item in unique[:10]]]


def make_labels(source: SourceItem, a: Analysis) -> list[str]:
    labels = [{"bug": "bug", "feature": "feature", "general": "feedback"}[a.kind]]
    if a.env.is_touch or a.mentions_mobile:
        labels.append("tablet" if a.env.device == "tablet" else "mobile")
        if a.env.os in ("iOS", "iPadOS", "Android"):
            labels.append("ios" if a.env.os in ("iOS", "iPadOS") else "android")
    for platform in a.mentioned_platforms:
        labels.append({"iphone": "ios", "ipad": "ios"}.get(platform, platform))
    labels += a.topics
    if a.priority == "critical":
        labels.append("urgent")
    labels += [str(label.get("text", "")).strip().lower() for label in source.labels]
    cleaned = [re.sub(r"\s+", "-", label) for label in labels if label]
    return list(dict.fromkeys(cleaned))[:8]


class BuiltinGenerator:
    provider = "builtin"
    model = MODEL

    def draft(self, source: SourceItem) -> tuple[TicketDraft, Analysis]:
        a = analyse(source)
        body = [
            "## Summary",
            *_summary(source, a),
            "",
            *_reporter_text(source),
            *_steps(source, a),
            *_context(source, a),
            *_discussion(source),
            *_criteria(source, a),
        ]
        description = "\n".join(body).strip() + "\n"
        draft = TicketDraft(
            title=make_title(source, a),
            description=description,
            priority=a.priority,
            labels=make_labels(source, a),
        )
        return draft, a

    async def generate(self, source: SourceItem) -> Generated:
        draft, a = self.draft(source)
        details = {
            "kind": a.kind,
            "priority_reasons": a.priority_reasons,
            "environment": a.env.describe(),
            "steps_found": len(a.steps),
            "topics": a.topics,
        }
        return Generated(draft=draft, provider=self.provider, model=self.model, details=details)
