"""The dashboard in a real browser (Debian's Chromium through Playwright) against a real server process
started by ``loop serve``: sign in with the first-start password, generate a token and use it against the API,
revoke it and see the API refuse it, create an issue and see it in the dispatch queue, move a card by dragging it, open an invoice PDF.
Screenshots of each main page go to ``tests/artifacts/screenshots/`` for review."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx2
import pytest

from tests.conftest import free_port
from tests.test_cli import _start, _stop, _wait_until_up
from tests.track.util import ADDRESS

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
TOKEN_LINE = re.compile(r"^Token: (tok_[0-9a-f]{64})$")
PASSWORD_LINE = re.compile(r"sign in as (\S+) with password: (\S+)$")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    proc = _start(tmp_path / "data", port)
    try:
        _wait_until_up(proc, port)
        token = email = password = None
        for line in proc.stdout:  # the first start prints these before serving
            line = line.strip()
            if match := TOKEN_LINE.match(line):
                token = match.group(1)
            if match := PASSWORD_LINE.search(line):
                email, password = match.groups()
            if token and password:
                break
        assert token and password
        yield {"base": f"http://127.0.0.1:{port}", "token": token, "email": email, "password": password}
    finally:
        _stop(proc)


UNLABELLED = """() => Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea, button"))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.textContent.trim())
  .map(el => el.outerHTML.slice(0, 120))"""


def _shot(page, name):
    """Save a screenshot, and check on the way that every control on the page has an accessible name."""
    assert page.evaluate(UNLABELLED) == [], f"controls without a label on {name}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _seed(base, token):
    """A board with two cards and an invoice, made through the APIs."""
    headers = {"Authorization": f"Bearer {token}"}
    project = httpx2.post(
        f"{base}/api/v1/projects", json={"name": "Launch board", "type": "board"}, headers=headers
    )
    assert project.status_code == 201, project.text
    project = project.json()["data"]
    lists = httpx2.get(f"{base}/api/v1/boards/lists?project_id={project['id']}", headers=headers).json()[
        "data"
    ]
    for title in ("Write launch copy", "Pick hero photo"):
        response = httpx2.post(
            f"{base}/api/v1/boards/cards", json={"list_id": lists[0]["id"], "title": title}, headers=headers
        )
        assert response.status_code == 201
    site = httpx2.post(
        f"{base}/api/v1/projects",
        json={"name": "Marketing Site", "url": "https://example.com"},
        headers=headers,
    ).json()["data"]
    httpx2.post(
        f"{base}/api/v1/feedback",
        json={"project_id": site["id"], "title": "CTA button is grey", "type": "bug"},
        headers=headers,
    )
    client = httpx2.post(
        f"{base}/v1/invoices/clients",
        json={"name": "Globex", "email": "accounts@globex.example", "address": ADDRESS},
        headers=headers,
    ).json()["client"]
    invoice = httpx2.post(
        f"{base}/v1/invoices",
        json={
            "clientId": client["id"], "issueDate": "2026-11-02", "dueDate": "2026-12-02",
            "lineItems": [{"description": "Landing page design", "quantity": "12", "rate": "95"}],
        },
        headers=headers,
    )  # fmt: skip
    assert invoice.status_code == 201, invoice.text
    track = httpx2.post(f"{base}/v1/track/projects", json={"title": "Acme redesign"}, headers=headers)
    assert track.status_code == 201, track.text
    logged = httpx2.post(
        f"{base}/v1/track/time",
        json={"taskName": "Design review", "durationSeconds": 5400, "projectId": track.json()["project"]["id"],
              "date": datetime.now(UTC).date().isoformat()},
        headers=headers,
    )  # fmt: skip
    assert logged.status_code == 201, logged.text
    return lists, invoice.json()["invoice"]


def test_dashboard_end_to_end(server):
    from playwright.sync_api import expect, sync_playwright

    base, api_token = server["base"], server["token"]
    lists, invoice = _seed(base, api_token)
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on(
                "request",
                lambda r: (
                    outside.append(r.url) if r.url.startswith("http") and not r.url.startswith(base) else None
                ),
            )

            # sign in with the password `loop serve` printed
            page.goto(f"{base}/app")
            expect(page).to_have_url(re.compile(r"/app/login"))
            _shot(page, "01-sign-in")
            page.get_by_label("Email").fill(server["email"])
            page.get_by_label("Password").fill("wrong password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
            page.get_by_label("Password").fill(server["password"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            _shot(page, "02-home")

            # Settings › Developer API: generate, use, revoke
            page.get_by_role("link", name="Settings").click()
            expect(page.get_by_test_id("plan")).to_have_text("business")
            page.get_by_text("Generate token", exact=True).first.click()
            page.get_by_label("Name").fill("E2E token")
            page.get_by_role("button", name="Generate token").click()
            new_token = page.locator("#new-token").inner_text().strip()
            assert re.fullmatch(r"tok_[0-9a-f]{64}", new_token)
            expect(page.get_by_role("button", name="Copy token")).to_be_visible()
            _shot(page, "03-settings-token-created")
            headers = {"Authorization": f"Bearer {new_token}"}
            assert httpx2.get(f"{base}/api/v1/projects", headers=headers).status_code == 200
            page.goto(f"{base}/app/settings")
            assert new_token not in page.content()
            page.get_by_role("button", name=re.compile(r"^Revoke E2E token")).click()
            expect(page.get_by_role("status")).to_contain_text("Token revoked")
            refused = httpx2.get(f"{base}/api/v1/projects", headers=headers)
            assert refused.status_code == 401 and refused.json()["error"] == "API key revoked"
            _shot(page, "04-settings")

            # Issues: create one, see it in the list
            page.get_by_role("link", name="Issues").click()
            page.get_by_role("link", name="New issue").click()
            page.get_by_label("Title").fill("Checkout button does nothing on Safari")
            page.get_by_label("Description").fill("Reported by two clients this week.")
            page.get_by_label("Status").select_option("todo")
            page.get_by_label("Priority").select_option("2")
            page.get_by_role("button", name="Create issue").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(
                "Checkout button does nothing on Safari"
            )
            page.get_by_label("Add a comment").fill("I can reproduce it on iOS 18.")
            page.get_by_role("button", name="Comment").click()
            expect(page.locator("#comments")).to_contain_text("I can reproduce it on iOS 18.")
            _shot(page, "05-issue-detail")
            issues = httpx2.get(
                f"{base}/api/issues?status=todo", headers={"Authorization": f"Bearer {api_token}"}
            )
            assert [i["title"] for i in issues.json()["data"]] == ["Checkout button does nothing on Safari"]
            page.goto(f"{base}/app/issues")
            expect(page.locator("#issue-count")).to_contain_text("of 1 issues")
            _shot(page, "06-issues")

            # the new todo issue is in the dispatch queue
            page.get_by_role("link", name="Dispatch").click()
            queue = page.locator("table[aria-describedby='queue']")
            expect(queue).to_contain_text("Checkout button does nothing on Safari")
            _shot(page, "06b-dispatch")
            page.get_by_role("link", name="Prompts").click()
            expect(page.get_by_role("heading", name="Prompt templates")).to_be_visible()
            _shot(page, "06c-prompts")
            page.locator("table a").first.click()
            expect(page.get_by_role("heading", name="Versions (1)")).to_be_visible()
            _shot(page, "06d-prompt-template")

            # Board: drag a card to the next column
            page.get_by_role("link", name="Board").click()
            first_col = page.locator(f'.column[data-list-id="{lists[0]["id"]}"]')
            second_col = page.locator(f'.column[data-list-id="{lists[1]["id"]}"]')
            expect(first_col).to_contain_text("Write launch copy")
            card = first_col.locator(".kcard", has_text="Write launch copy")
            with page.expect_navigation():
                card.drag_to(second_col.locator("ol"))
            expect(second_col).to_contain_text("Write launch copy")
            expect(first_col).not_to_contain_text("Write launch copy")
            # and the button that works without JavaScript
            page.get_by_role("button", name=f"Move Pick hero photo to {lists[1]['name']}").click()
            expect(second_col).to_contain_text("Pick hero photo")
            cards = httpx2.get(
                f"{base}/api/v1/boards/cards?list_id={lists[1]['id']}",
                headers={"Authorization": f"Bearer {api_token}"},
            ).json()["data"]
            assert {c["title"] for c in cards} == {"Write launch copy", "Pick hero photo"}
            _shot(page, "07-board")

            page.get_by_role("link", name="Feedback").click()
            expect(page.get_by_text("CTA button is grey", exact=True)).to_be_visible()
            _shot(page, "08-feedback")
            page.get_by_role("link", name="Time").click()
            expect(page.get_by_text("Design review", exact=True)).to_be_visible()
            _shot(page, "09-time")

            # Invoices: open one, its PDF preview is served to the session
            page.get_by_role("link", name="Invoices").click()
            _shot(page, "10-invoices")
            page.get_by_role("link", name=invoice["serialNumber"]).click()
            frame = page.locator("iframe.pdf")
            expect(frame).to_have_attribute("src", f"/app/invoices/{invoice['id']}/pdf")
            pdf = page.request.get(f"{base}/app/invoices/{invoice['id']}/pdf")
            assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
            assert pdf.body().startswith(b"%PDF")
            _shot(page, "11-invoice")

            # phone width still works
            phone = browser.new_page(viewport={"width": 375, "height": 800})
            phone.context.add_cookies(page.context.cookies())
            phone.goto(f"{base}/app/issues")
            expect(phone.get_by_role("link", name="New issue")).to_be_visible()
            _shot(phone, "12-issues-phone")

            # sign out ends the session
            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(re.compile(r"/app/login"))
            page.goto(f"{base}/app/settings")
            expect(page).to_have_url(re.compile(r"/app/login"))
        finally:
            browser.close()
    assert outside == [], f"requests left the server: {outside}"
