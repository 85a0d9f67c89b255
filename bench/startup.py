#!/usr/bin/env python3
"""Start-up time and idle memory of `loop serve`.

Starts the real command on a fresh (or given) data directory, polls /health until it answers, and reports the
time from process start to the first 200 and the resident memory (RSS, whole process tree) after it has been
idle for a few seconds. Repeats N times.

    .venv/bin/python bench/startup.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import free_port


def rss_kib(pid: int) -> int:
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def one_run(data_dir: Path, idle_s: float) -> tuple[float, int]:
    port = free_port()
    env = {**os.environ, "LOOP_LOG_FORMAT": "json", "LOOP_ACCESS_LOG": "false"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "loop", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit("server exited during start-up")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(idle_s)
        return ready, rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        first_ready, first_rss = one_run(Path(tmp) / "first", args.idle)
        print(
            f"first start (empty data dir: migrate + bootstrap): ready in {first_ready * 1000:.0f} ms, "
            f"idle RSS {first_rss / 1024:.1f} MiB"
        )
        readies, rsses = [], []
        for _ in range(args.runs):
            ready, rss = one_run(Path(tmp) / "first", args.idle)
            readies.append(ready)
            rsses.append(rss)
        print(
            f"warm start x{args.runs}: ready median {statistics.median(readies) * 1000:.0f} ms "
            f"(min {min(readies) * 1000:.0f}, max {max(readies) * 1000:.0f}); "
            f"idle RSS median {statistics.median(rsses) / 1024:.1f} MiB"
        )


if __name__ == "__main__":
    main()
