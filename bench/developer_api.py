"""Developer API throughput against a real `loop serve` process (SQLite by default, or --database-url).

    .venv/bin/python bench/developer_api.py --seconds 5 --concurrency 8 --feedback 2000

Starts the server on a free loopback port with a fresh data directory, seeds a website project with
``--feedback`` items (through the API) and a board, then runs each scenario for ``--seconds`` and prints
requests per second and latency percentiles. Everything is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import free_port

ROOT = Path(__file__).resolve().parent.parent
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 Version/17.2 Mobile/15E148 Safari/604.1"


def start_server(data_dir: Path, port: int, database_url: str | None) -> tuple[subprocess.Popen[str], str]:
    env = {
        **os.environ,
        "LOOP_RATE_LIMIT_ENABLED": "false",
        "LOOP_ACCESS_LOG": "false",
        "LOOP_LOG_LEVEL": "WARNING",
    }
    env["LOOP_QUOTA_FEEDBACK_BUSINESS"] = "0"
    args = [str(ROOT / ".venv/bin/loop"), "serve", "--port", str(port), "--data-dir", str(data_dir)]
    if database_url:
        args += ["--database-url", database_url]
        env.setdefault("LOOP_SECRET_KEY", "bench-" + "0" * 58)
        env["LOOP_AUTO_MIGRATE"] = "true"
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    token = None
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if match := re.match(r"Token: (\S+)", line):
            token = match.group(1)
            break
    if token is None:
        proc.kill()
        raise SystemExit("the server did not print a token (is the database empty?)")
    for _ in range(200):
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, token
        except httpx2.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not become healthy")


async def run_for(
    name: str, seconds: float, concurrency: int, call: Callable[[int], Awaitable[httpx2.Response]]
) -> None:
    latencies: list[float] = []
    errors = 0
    counter = itertools.count()
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            response = await call(next(counter))
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 400:
                errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    print(
        f"{name:<34} {len(latencies) / elapsed:>8.0f} req/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   errors {errors}"
    )


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loop-bench-") as tmp:
        proc, token = start_server(Path(tmp), port, args.database_url)
        try:
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}"}
            limits = httpx2.Limits(max_connections=args.concurrency * 2)
            async with httpx2.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
                site = (
                    await http.post(
                        "/api/v1/projects", json={"name": "Bench", "url": "https://bench.example"}
                    )
                ).json()["data"]
                board = (await http.post("/api/v1/projects", json={"name": "Board", "type": "board"})).json()[
                    "data"
                ]
                lists = (await http.get(f"/api/v1/boards/lists?project_id={board['id']}")).json()["data"]
                cards = [
                    (
                        await http.post(
                            "/api/v1/boards/cards", json={"list_id": lists[i % 3]["id"], "title": f"card {i}"}
                        )
                    ).json()["data"]
                    for i in range(60)
                ]
                started = time.perf_counter()
                ids: list[str] = []
                sem = asyncio.Semaphore(args.concurrency)

                async def seed(i: int) -> None:
                    async with sem:
                        body = {
                            "project_id": site["id"],
                            "title": f"Button {i} is grey on mobile",
                            "description": "The Start trial button is grey instead of blue. Steps:\n1. Open /pricing\n2. Scroll down",
                            "type": ("bug", "feature", "general")[i % 3],
                            "page_url": "https://bench.example/pricing",
                            "browser_info": {"user_agent": IPHONE},
                        }
                        response = await http.post("/api/v1/feedback", json=body)
                        ids.append(response.json()["data"]["id"])

                await asyncio.gather(*(seed(i) for i in range(args.feedback)))
                seeded = time.perf_counter() - started
                print(
                    f"seeded {args.feedback} feedback items through POST /api/v1/feedback: {args.feedback / seeded:.0f} items/s"
                )
                print(
                    f"store: {'PostgreSQL' if args.database_url else 'SQLite'}, concurrency {args.concurrency}, {args.seconds:g}s per scenario"
                )
                key = {"X-Project-Key": site["api_key"], "Origin": "https://bench.example"}
                scenarios: list[tuple[str, Callable[[int], Awaitable[httpx2.Response]]]] = [
                    ("baseline: GET /api/v1/tokens", lambda i: http.get("/api/v1/tokens")),
                    ("GET /feedback (limit 50)", lambda i: http.get("/api/v1/feedback")),
                    ("GET /feedback?status=new&type=bug", lambda i: http.get("/api/v1/feedback?status=new&type=bug")),
                    ("GET /feedback?offset=1500", lambda i: http.get("/api/v1/feedback?offset=1500")),
                    ("GET /feedback/{id}", lambda i: http.get(f"/api/v1/feedback/{ids[i % len(ids)]}")),
                    ("POST /widget/feedback (JSON)", lambda i: http.post("/api/v1/widget/feedback", json={"title": f"w{i}", "type": "bug"}, headers=key)),
                    ("POST /tickets/generate (builtin)", lambda i: http.post("/api/v1/tickets/generate", json={"source_type": "feedback", "source_id": ids[i % len(ids)]})),
                    ("PATCH /boards/cards/{id} (move)", lambda i: http.patch(f"/api/v1/boards/cards/{cards[i % len(cards)]['id']}", json={"list_id": lists[(i * 7) % 3]["id"], "position": i % 20})),
                ]  # fmt: skip
                for name, call in scenarios:
                    await run_for(name, args.seconds, args.concurrency, call)
                # positions stayed dense under concurrent moves
                for board_list in lists:
                    got = (
                        await http.get(f"/api/v1/boards/cards?list_id={board_list['id']}&limit=100")
                    ).json()["data"]
                    assert [c["position"] for c in got] == list(range(len(got))), "positions not dense"
                print("card positions dense after the move scenario: yes")
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--feedback", type=int, default=2000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL of an EMPTY database")
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
