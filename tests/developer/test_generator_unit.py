"""The built-in generator's reading of feedback: environment, kind, priority, steps, labels."""

from datetime import date

import pytest

from loop.llm.analysis import analyse, extract_steps
from loop.llm.base import GenerationFailed, SourceComment, SourceItem
from loop.llm.builtin import BuiltinGenerator
from loop.llm.openai_compat import parse_answer
from loop.llm.useragent import environment, parse_user_agent

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36"
IPAD = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
WINDOWS_EDGE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.2535.51"
MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:126.0) Gecko/20100101 Firefox/126.0"


def item(**fields):
    base = {"kind": "feedback", "id": "fb-1", "project_id": "p", "project_name": "Site", "project_url": "https://e.com",
            "title": "Something", "description": None, "type": "general"}  # fmt: skip
    return SourceItem(**{**base, **fields})


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device"),
    [
        (IPHONE, "Safari 17.2", "iOS 17.2", "mobile"),
        (ANDROID, "Chrome 125.0", "Android 14", "mobile"),
        (IPAD, "Safari 16.6", "iPadOS 16.6", "tablet"),
        (WINDOWS_EDGE, "Edge 125.0", "Windows 10/11", "desktop"),
        (MAC_FIREFOX, "Firefox 126.0", "macOS 10.15", "desktop"),
    ],
)
def test_user_agents(ua, browser, os, device):
    env = parse_user_agent(ua)
    assert (env.browser_text(), env.os_text(), env.device) == (browser, os, device)


def test_explicit_browser_info_wins_and_viewport_is_described():
    env = environment(
        {
            "user_agent": IPHONE,
            "browser": "Safari",
            "browser_version": "17.3",
            "viewport": {"width": 390, "height": 844},
            "device_pixel_ratio": 3,
        }
    )
    assert env.describe() == "Safari 17.3 on iOS 17.2, mobile, viewport 390×844 @3x"
    assert environment({"viewport": {"width": 375, "height": 700}}).device == "mobile"
    assert environment(None).describe() is None


@pytest.mark.parametrize(
    ("fields", "kind", "priority"),
    [
        ({"type": "bug", "title": "Footer link broken"}, "bug", "high"),
        ({"type": "bug", "title": "Typo in the footer"}, "bug", "medium"),
        (
            {
                "type": "bug",
                "title": "Checkout fails",
                "description": "Customers can't pay since this morning",
            },
            "bug",
            "critical",
        ),
        ({"type": "bug", "title": "Logo slightly misaligned", "description": "Not urgent."}, "bug", "medium"),
        ({"type": "feature", "title": "Dark mode"}, "feature", "medium"),
        ({"type": "general", "title": "Love the new design"}, "general", "low"),
        ({"type": "general", "title": "Contact form doesn't work"}, "bug", "high"),
        ({"type": "general", "title": "Would be nice to have a FAQ page"}, "feature", "medium"),
    ],
)
def test_kind_and_priority(fields, kind, priority):
    a = analyse(item(**fields))
    assert (a.kind, a.priority) == (kind, priority), a.priority_reasons


def test_corroborating_comments_raise_priority():
    comments = [SourceComment("Sam", "Same here, +1", False, ""), SourceComment("Kim", "me too", False, "")]
    a = analyse(item(type="feature", title="Export to CSV", comments=comments))
    assert a.priority == "high" and a.corroborations == 2


def test_card_labels_and_due_dates():
    labels = [{"color": "#f00", "text": "bug"}, {"color": "#0f0", "text": "low"}]
    a = analyse(item(kind="board_card", type=None, title="Fix header", labels=labels))
    assert (a.kind, a.priority) == ("bug", "low")
    due = analyse(
        item(kind="board_card", type=None, title="Write copy", due_date="2025-07-01"), today=date(2025, 6, 30)
    )
    assert due.priority == "high" and "due in 1 day" in due.priority_reasons


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("Steps:\n1. Open the pricing page\n2. Click Buy\n3. Nothing happens", ["Open the pricing page", "Click Buy", "Nothing happens"]),
        ("- Go to /cart\n- Remove an item\n- Refresh", ["Go to /cart", "Remove an item", "Refresh"]),
        ("Home > Pricing > Buy now", ["Home", "Pricing", "Buy now"]),
        ("I open the menu, then tap Contact, then the page goes blank.", ["I open the menu", "tap Contact", "the page goes blank"]),
        ("- We love the colours\n- And the fonts", []),
        ("Just one sentence.", []),
    ],
)  # fmt: skip
def test_steps(text, steps):
    assert extract_steps(text) == steps


def test_expected_and_actual():
    a = analyse(item(type="bug", description="Expected: the total updates. Actual: it stays at zero."))
    assert (a.expected, a.actual) == ("The total updates.", "It stays at zero.")
    b = analyse(item(type="bug", description="The button is grey instead of blue when I hover."))
    assert b.expected == "Shows blue as intended"


async def test_generated_ticket_is_complete_and_deterministic():
    source = item(
        type="bug",
        title="Menu overlaps the logo",
        description="On my phone the menu overlaps the logo. It should sit below it.",
        page_url="https://e.com/about",
        reporter_name="Jane",
        browser_info={"user_agent": ANDROID},
        annotations=[{"type": "pin", "x": 1, "y": 2, "text": "here"}],
        has_screenshot=True,
    )
    first = await BuiltinGenerator().generate(source)
    second = await BuiltinGenerator().generate(source)
    assert first.draft == second.draft
    draft = first.draft
    assert draft.title == "Fix: Menu overlaps the logo (Android Chrome)"
    assert draft.labels[:3] == ["bug", "mobile", "android"]
    for section in ("## Summary", "## Steps to Reproduce", "## Context", "## Acceptance Criteria"):
        assert section in draft.description
    assert "Chrome 125.0 on Android 14" in draft.description
    assert "- [ ] It should sit below it" in draft.description
    assert "“here”" in draft.description


def test_feature_titles_are_imperative():
    draft, _ = BuiltinGenerator().draft(item(type="feature", title="Dark mode"))
    assert draft.title == "Add dark mode"
    draft, _ = BuiltinGenerator().draft(item(type="feature", title="CSV export"))
    assert draft.title == "Add CSV export"
    draft, _ = BuiltinGenerator().draft(item(type="feature", title="Allow guests to comment"))
    assert draft.title == "Allow guests to comment"


@pytest.mark.parametrize("content", ["", "prose", "[1]", '{"title": "x"}', "```json\n{}\n```", None])
def test_llm_answers_that_are_refused(content):
    with pytest.raises(GenerationFailed):
        parse_answer(content)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "x"},
        {"title": "", "description": ""},
        {"title": "!!!", "description": "?"},
        {"title": "Ünïcödé 🚀 title", "description": "Émojis 🎉 and\n\n\nblank lines\n- \n1."},
        {"title": "a" * 500, "description": "b " * 20000},
        {"title": "t", "browser_info": {"user_agent": 5, "viewport": "big", "device_pixel_ratio": "x"}},
        {"title": "t", "annotations": ["not a dict", {"text": None}, {"text": 3}]},
        {"kind": "board_card", "type": None, "title": "t", "labels": [{"text": None}], "checklist": [{}], "due_date": "soon"},
        {"title": "t", "page_url": "not a url", "comments": [SourceComment("", "", False, "")]},
    ],
)  # fmt: skip
async def test_odd_input_never_breaks_the_builtin_generator(fields):
    generated = await BuiltinGenerator().generate(item(**fields))
    assert generated.draft.title and "## Acceptance Criteria" in generated.draft.description
    assert generated.draft.priority in ("low", "medium", "high", "critical")
