"""MCP tool calls against the REST calls they mirror, on a real `loop serve` process.

    .venv/bin/python bench/mcp_calls.py --seconds 5 --concurrency 8 --issues 1000

Starts the server on a free loopback port with a fresh data directory, creates ``--issues`` issues, then
runs each pair for ``--seconds``: the REST request, and the same work as one MCP ``tools/call`` POST to
``/mcp`` (stateless streamable HTTP, JSON answers). Prints requests per second, latency percentiles and
the MCP/REST ratio. Everything is stopped and removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from developer_api import free_port, start_server

MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def run_for(
    name: str, seconds: float, concurrency: int, call: Callable[[int], Awaitable[httpx2.Response]]
) -> float:
    """Run ``call`` from ``concurrency`` workers for ``seconds``; print and return requests per second."""
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
            failed = response.status_code >= 400 or (
                response.headers.get("content-type", "").startswith("application/json")
                and (response.json().get("result") or {}).get("isError")
            )
            errors += bool(failed)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    rate = len(latencies) / elapsed
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000
    print(f"{name:<34} {rate:>8.0f} req/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   errors {errors}")
    return rate


def tool_call(name: str, arguments: dict, request_id: int) -> dict:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loop-bench-") as tmp:
        proc, token = start_server(Path(tmp), port, args.database_url)
        try:
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}"}
            limits = httpx2.Limits(max_connections=args.concurrency * 2)
            async with httpx2.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
                sem = asyncio.Semaphore(args.concurrency)

                async def seed(i: int) -> str:
                    async with sem:
                        response = await http.post(
                            "/api/issues", json={"title": f"Issue {i}", "type": "task"}
                        )
                        return response.json()["data"]["id"]

                ids = await asyncio.gather(*(seed(i) for i in range(args.issues)))
                probe = await http.post(
                    "/mcp", json=tool_call("loop_get_issue", {"issueId": ids[0]}, 0), headers=MCP_HEADERS
                )
                assert probe.status_code == 200 and not probe.json()["result"].get("isError"), probe.text

                async def rest_get(i: int) -> httpx2.Response:
                    return await http.get(f"/api/issues/{ids[i % len(ids)]}")

                async def mcp_get(i: int) -> httpx2.Response:
                    body = tool_call("loop_get_issue", {"issueId": ids[i % len(ids)]}, i)
                    return await http.post("/mcp", json=body, headers=MCP_HEADERS)

                async def rest_create(i: int) -> httpx2.Response:
                    return await http.post("/api/issues", json={"title": f"Bench {i}", "type": "task"})

                async def mcp_create(i: int) -> httpx2.Response:
                    return await http.post(
                        "/mcp",
                        json=tool_call("loop_create_issue", {"title": f"Bench {i}"}, i),
                        headers=MCP_HEADERS,
                    )

                async def rest_list(i: int) -> httpx2.Response:
                    return await http.get("/api/issues", params={"limit": 20, "status": "triage"})

                async def mcp_list(i: int) -> httpx2.Response:
                    return await http.post(
                        "/mcp",
                        json=tool_call("loop_list_issues", {"status": "triage"}, i),
                        headers=MCP_HEADERS,
                    )

                print(f"{args.issues} issues, concurrency {args.concurrency}, {args.seconds}s each")
                for label, rest, mcp in (
                    ("get issue", rest_get, mcp_get),
                    ("list issues (20)", rest_list, mcp_list),
                    ("create issue", rest_create, mcp_create),
                ):
                    rest_rate = await run_for(f"REST {label}", args.seconds, args.concurrency, rest)
                    mcp_rate = await run_for(f"MCP  {label}", args.seconds, args.concurrency, mcp)
                    if rest_rate and mcp_rate:
                        print(f"{'':<34} MCP/REST {mcp_rate / rest_rate:.2f}")
        finally:
            proc.terminate()
            proc.wait(timeout=15)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    asyncio.run(main(parser.parse_args()))
