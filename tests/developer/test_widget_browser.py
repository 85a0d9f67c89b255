"""widget.js in a real browser (Debian's Chromium, headless) against a real server: a page on the project's
site posts feedback with a screenshot across origins; a page on another origin is refused by CORS."""

import functools
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

from tests.conftest import free_port
from tests.test_cli import TOKEN_LINE, _start, _stop, _wait_until_up

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")]

PAGE = """<!doctype html><html><head><title>waiting</title></head><body>
<script src="{loop}/widget.js" data-project-key="{key}"></script>
<script>
window.addEventListener("load", function () {{
  var png = Uint8Array.from(atob("{png}"), function (c) {{ return c.charCodeAt(0); }});
  var file = new File([png], "shot.png", {{type: "image/png"}});
  LoopFeedback.submit({{title: "{title}", type: "bug", description: "Sent by widget.js"}}, file).then(
    function (d) {{ document.title = "OK " + d.screenshot; }},
    function (e) {{ document.title = "ERR " + e.message; }});
}});
</script></body></html>"""
ONE_PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _serve_page(directory, port):
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def _title_after_load(url):
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", "--virtual-time-budget=8000", "--dump-dom", url]  # fmt: skip
    out = subprocess.run(args, capture_output=True, text=True, timeout=90)
    match = re.search(r"<title>(.*?)</title>", out.stdout)
    return match.group(1) if match else out.stdout[:300]


def test_widget_posts_from_the_projects_site_only(tmp_path):
    loop_port, site_port, other_port = free_port(), free_port(), free_port()
    proc = _start(tmp_path / "data", loop_port)
    servers = []
    try:
        _wait_until_up(proc, loop_port)
        token = None
        for line in proc.stdout:  # the first start prints the token before serving
            if match := TOKEN_LINE.match(line.strip()):
                token = match.group(1)
                break
        assert token is not None
        loop = f"http://127.0.0.1:{loop_port}"
        headers = {"Authorization": f"Bearer {token}"}
        project = httpx2.post(
            f"{loop}/api/v1/projects",
            json={"name": "Client site", "url": f"http://127.0.0.1:{site_port}/"},
            headers=headers,
        ).json()["data"]
        for port, title in ((site_port, "From the client site"), (other_port, "From elsewhere")):
            directory = tmp_path / str(port)
            directory.mkdir()
            (directory / "index.html").write_text(
                PAGE.format(loop=loop, key=project["api_key"], png=ONE_PIXEL_PNG, title=title)
            )
            servers.append(_serve_page(directory, port))

        assert _title_after_load(f"http://127.0.0.1:{site_port}/") == "OK true"
        assert _title_after_load(f"http://127.0.0.1:{other_port}/").startswith("ERR")

        items = httpx2.get(f"{loop}/api/v1/feedback", headers=headers).json()["data"]
        assert [i["title"] for i in items] == ["From the client site"]
        detail = httpx2.get(f"{loop}/api/v1/feedback/{items[0]['id']}", headers=headers).json()["data"]
        assert "HeadlessChrome" in detail["browser_info"]["user_agent"]
        assert detail["browser_info"]["viewport"]["width"] > 0
        assert detail["page_url"] == f"http://127.0.0.1:{site_port}/"
        assert httpx2.get(detail["screenshot_url"]).headers["content-type"] == "image/png"
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
        _stop(proc)
