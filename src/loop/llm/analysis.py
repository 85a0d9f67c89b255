"""Reading a feedback item or card the way a triaging developer would: what kind of work it is, how urgent,
where and on what device it happens, the steps, the expected and actual behaviour, and what the
discussion adds. Pure functions over text; the built-in generator composes the ticket from the result."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from loop.core.clock import utcnow
from loop.llm.base import SourceItem
from loop.llm.useragent import Environment, environment

LEVELS = ("low", "medium", "high", "critical")

BLOCKER_TERMS = (
    "urgent", "asap", "critical", "blocker", "blocking", "emergency", "outage", "data loss", "lost data",
    "security", "vulnerability", "hacked", "exploit", "site is down", "website is down", "site down",
    "can't log in", "cannot log in", "can't login", "cannot login", "unable to log in", "can't sign in",
    "cannot sign in", "locked out", "can't pay", "cannot pay", "payment failed", "payments fail",
    "checkout is broken", "can't checkout", "cannot checkout", "can't check out", "charged twice",
    "double charged",
)  # fmt: skip
BROKEN_TERMS = (
    "broken", "doesn't work", "does not work", "not working", "isn't working", "won't", "can't", "cannot",
    "unable", "error", "fails", "failed", "failing", "crash", "crashes", "crashed", "freezes", "frozen",
    "hangs", "stuck", "404", "500", "blank page", "white screen", "exception", "disappears", "wrong",
    "incorrect", "bug", "glitch", "overlaps", "cut off", "not loading", "won't load", "instead of",
)  # fmt: skip
COSMETIC_TERMS = (
    "typo", "spelling", "cosmetic", "minor", "slightly", "a bit", "alignment", "misaligned", "padding",
    "margin", "spacing", "font", "colour", "color", "pixel", "1px", "shade", "nitpick", "nice to have",
    "low priority", "when you have time", "no rush",
)  # fmt: skip
REQUEST_TERMS = (
    "would be nice", "would be great", "would love", "could you add", "can you add", "please add",
    "can we have", "could we have", "can we get", "feature request", "it would help", "option to",
    "ability to", "support for", "i wish", "suggest", "how about", "new page", "new section", "we need a",
    "we'd like", "we would like",
)  # fmt: skip
CORROBORATION = re.compile(
    r"(?:^|\s)\+1\b|\bme too\b|\bsame here\b|\balso seeing\b|\balso happening\b|\bstill happening\b"
    r"|\bhappens to me\b|\bhappening for me\b|\bi see it too\b|\bseeing (?:it|this) (?:too|as well)\b"
    r"|\bany update\b|\bsame (?:issue|problem|thing|on|for|with)\b",
    re.I,
)
REPRODUCED = re.compile(r"\b(?:reproduced|can reproduce|can confirm|confirmed|i see it)\b", re.I)
NEGATED = re.compile(
    r"\b(?:not|no|isn't|isnt|nothing)\s+(?:too\s+|very\s+|that\s+)?(urgent|critical|a blocker)\b", re.I
)

TOPICS: dict[str, tuple[str, ...]] = {
    "ui": ("button", "colour", "color", "layout", "css", "font", "style", "misaligned", "alignment", "padding",
           "margin", "overlap", "icon", "logo", "header", "footer", "modal", "popup", "dark mode", "responsive",
           "looks", "design", "animation", "banner", "hero"),
    "performance": ("slow", "loading", "load time", "takes forever", "lag", "laggy", "timeout", "timed out",
                    "performance", "spinner", "seconds to load"),
    "auth": ("login", "log in", "sign in", "signin", "password", "logout", "log out", "sign up", "signup",
             "register", "2fa", "two-factor", "session expired"),
    "payments": ("checkout", "payment", "credit card", "stripe", "paypal", "invoice", "billing", "subscription",
                 "refund", "charged"),
    "forms": ("form", "submit", "input", "field", "validation", "dropdown", "checkbox", "required field"),
    "content": ("typo", "spelling", "copy", "wording", "translation", "grammar", "heading text"),
    "accessibility": ("accessibility", "a11y", "screen reader", "contrast", "keyboard", "alt text", "aria",
                      "focus"),
    "seo": ("seo", "meta description", "og:image", "sitemap", "search engine", "google results"),
    "navigation": ("link", "navigation", "redirect", "menu", "404", "breadcrumb"),
    "search": ("search",),
    "email": ("email", "newsletter", "notification"),
}  # fmt: skip
ACTION_VERBS = (
    "open", "go", "click", "tap", "press", "scroll", "enter", "type", "select", "choose", "submit", "navigate",
    "visit", "log", "sign", "add", "fill", "upload", "hover", "resize", "rotate", "switch", "refresh", "reload",
    "wait", "try", "load", "start", "use", "put", "change", "remove", "drag", "zoom",
)  # fmt: skip
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•]|step\s*\d+\s*[:.)-]?)\s+(.+?)\s*$", re.I)
_ARROWS = re.compile(r"\s*(?:->|→|=>|›|»| > )\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_GREETING = re.compile(r"^(?:hi|hello|hey|dear|good (?:morning|afternoon))\b[^,.!\n]{0,30}[,!.]\s*", re.I)
_CLAUSE_END = re.compile(r",|;|\s(?:when|on|in|if|while|after|because|but)\s", re.I)
_REQUIREMENT = re.compile(r"\b(?:should|must|needs? to|has to|have to|make sure|ensure)\b", re.I)
_EXPECTED = re.compile(r"\b(?:expected|expect|should|supposed to|ought to)\b", re.I)
_ACTUAL = re.compile(
    r"\b(?:actual(?:ly)?|instead|but (?:it|the|nothing|i)|currently|right now|at the moment)\b", re.I
)
_LABEL_PREFIX = re.compile(
    r"^(?:expected(?: result| behaviou?r)?|actual(?: result| behaviou?r)?)\s*[:\-]\s*", re.I
)

CARD_PRIORITY_LABELS = {
    "critical": "critical", "urgent": "critical", "blocker": "critical", "p0": "critical",
    "high": "high", "high priority": "high", "important": "high", "p1": "high",
    "medium": "medium", "p2": "medium",
    "low": "low", "low priority": "low", "nice to have": "low", "p3": "low",
}  # fmt: skip


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _has(text: str, term: str) -> bool:
    if term[0].isalnum() and term[-1].isalnum():
        return re.search(rf"(?<![\w]){re.escape(term)}(?![\w])", text) is not None
    return term in text


def _first(text: str, terms: tuple[str, ...]) -> str | None:
    return next((t for t in terms if _has(text, t)), None)


def sentences(text: str | None) -> list[str]:
    if not text:
        return []
    parts = [" ".join(p.split()) for p in _SENTENCE.split(_GREETING.sub("", text.strip()))]
    return [p for p in parts if len(p) > 2]


@dataclass
class Analysis:
    kind: str  # bug | feature | general
    priority: str
    priority_reasons: list[str]
    env: Environment
    topics: list[str]
    steps: list[str]
    expected: str | None
    actual: str | None
    requirements: list[str]
    corroborations: int
    reproduced: bool
    mentions_mobile: bool
    mentioned_platforms: list[str] = field(default_factory=list)


def extract_steps(text: str | None) -> list[str]:
    if not text:
        return []
    items = [m.group(1) for line in text.splitlines() if (m := _LIST_ITEM.match(line))]
    if len(items) >= 2:
        actions = sum(1 for i in items if i.split()[0].lower().strip(",.") in ACTION_VERBS)
        if actions * 2 >= len(items) or re.search(r"\bsteps?\b|\breproduce\b", text, re.I):
            return [i.rstrip(".") for i in items[:12]]
    for line in text.splitlines():
        parts = [p.strip(" .") for p in _ARROWS.split(line) if p.strip(" .")]
        if len(parts) >= 3:
            return parts[:12]
    for sentence in sentences(text):
        parts = [
            p.strip(" ,.") for p in re.split(r",?\s+(?:and )?then\s+", sentence, flags=re.I) if p.strip(" ,.")
        ]
        if len(parts) >= 2:
            return parts[:12]
    return []


def _clean_sentence(sentence: str) -> str:
    sentence = _LABEL_PREFIX.sub("", sentence.strip()).strip()
    return sentence[:1].upper() + sentence[1:] if sentence else sentence


def _expected_actual(text: str | None) -> tuple[str | None, str | None]:
    expected = actual = inferred = None
    for sentence in sentences(text):
        lowered = sentence.lower()
        if actual is None and (lowered.startswith("actual") or _ACTUAL.search(sentence)):
            actual = _clean_sentence(sentence)
            # "X is grey instead of blue": what follows "instead of" is what was expected
            if m := re.search(r"\binstead of\s+(.+?)[.!]?$", sentence, re.I):
                inferred = _CLAUSE_END.split(m.group(1).strip(), maxsplit=1)[0].strip()
            continue
        if expected is None and (lowered.startswith("expected") or _EXPECTED.search(sentence)):
            expected = _clean_sentence(sentence)
    if expected is None and inferred:
        expected = f"Shows {inferred} as intended"
    return expected, actual


def _topics(text: str) -> list[str]:
    scores = {topic: sum(1 for term in terms if _has(text, term)) for topic, terms in TOPICS.items()}
    ranked = sorted((s, -i, t) for i, (t, s) in enumerate(scores.items()) if s > 0)
    return [t for _, _, t in reversed(ranked)][:3]


def _card_kind(source: SourceItem) -> str | None:
    texts = " ".join(str(label.get("text", "")).lower() for label in source.labels)
    if re.search(r"\b(?:bug|fix|defect|issue)\b", texts):
        return "bug"
    if re.search(r"\b(?:feature|enhancement|idea|request|improvement)\b", texts):
        return "feature"
    return None


def analyse(source: SourceItem, *, today: date | None = None) -> Analysis:
    body = "\n".join(
        [source.title, source.description or ""]
        + [str(a.get("text", "")) for a in source.annotations if isinstance(a, dict)]
    )
    text = body.lower()
    comments_text = "\n".join(c.body for c in source.comments).lower()
    reasons: list[str] = []

    kind = source.type if source.type in ("bug", "feature") else None
    if source.kind == "board_card":
        kind = _card_kind(source) or kind
    if kind is None:
        broken, request = _first(text, BROKEN_TERMS), _first(text, REQUEST_TERMS)
        kind = "bug" if broken and not request else "feature" if request else "general"
        if source.type == "general" and kind != "general":
            reasons.append(
                f"reads as a {'bug' if kind == 'bug' else 'feature request'} ('{broken or request}')"
            )

    level = {"bug": 2, "feature": 1, "general": 0}[kind]
    reasons.insert(
        0,
        f"{'bug report' if kind == 'bug' else 'feature request' if kind == 'feature' else 'general feedback'}",
    )
    unnegated = NEGATED.sub(" ", text + "\n" + comments_text)
    blocker = _first(unnegated, BLOCKER_TERMS)
    cosmetic = _first(text, COSMETIC_TERMS)
    if blocker:
        level = 3
        reasons.append(f"mentions '{blocker}'")
    elif kind == "bug" and cosmetic:
        level = 1
        reasons.append(f"cosmetic ('{cosmetic}')")
    elif kind == "general" and _first(text, BROKEN_TERMS):
        level = 1

    explicit = next(
        (
            CARD_PRIORITY_LABELS[t]
            for label in source.labels
            if (t := str(label.get("text", "")).strip().lower()) in CARD_PRIORITY_LABELS
        ),
        None,
    )
    if explicit:
        level = LEVELS.index(explicit)
        reasons.append(f"card labelled '{explicit}'")

    if source.due_date:
        try:
            days_left = (date.fromisoformat(source.due_date) - (today or utcnow().date())).days
        except ValueError:
            days_left = None
        if days_left is not None and days_left <= 2 and level < 2:
            level = 2
            reasons.append("overdue" if days_left < 0 else f"due in {plural(days_left, 'day')}")

    corroborations = sum(1 for c in source.comments if CORROBORATION.search(c.body))
    if corroborations and level < 3 and not explicit:
        level += 1
        reasons.append(
            f"{plural(corroborations, 'comment')} {'reports' if corroborations == 1 else 'report'} the same problem"
        )

    env = environment(source.browser_info)
    platforms = [
        p
        for p in ("iphone", "ipad", "android", "safari", "chrome", "firefox", "edge", "ios")
        if _has(text, p)
    ]
    mentions_mobile = bool(re.search(r"\b(?:mobile|phone|iphone|android|tablet|ipad|smartphone)\b", text))
    expected, actual = _expected_actual(source.description)
    requirements = [
        _clean_sentence(s)
        for s in sentences(source.description) + [s for c in source.comments for s in sentences(c.body)]
        if _REQUIREMENT.search(s) and len(s) <= 240
    ]
    requirements = [r for r in dict.fromkeys(requirements) if r != expected][:4]

    return Analysis(
        kind=kind,
        priority=LEVELS[level],
        priority_reasons=reasons,
        env=env,
        topics=_topics(text),
        steps=extract_steps(source.description),
        expected=expected,
        actual=actual,
        requirements=requirements,
        corroborations=corroborations,
        reproduced=bool(REPRODUCED.search(comments_text)),
        mentions_mobile=mentions_mobile,
        mentioned_platforms=platforms,
    )
