"""What the load benchmarks share: a scratch store, a real ``loop serve`` process, and a keep-alive HTTP/1.1
load generator that measures each request (requests/s, p50, p99, statuses).

The generator speaks raw HTTP/1.1 over asyncio streams: an HTTP client library costs more CPU per request
than the small server under test on a 2-core machine, which would measure the client instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from loop.config import normalise_database_url

# One request: (method, path, body or None). A factory is called once per request.
Request = tuple[str, str, bytes | None]


def install_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()


# -- store -----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def store(database_url: str | None) -> Iterator[tuple[Path, str]]:
    """A scratch data directory, and a scratch PostgreSQL database when a server URL is given."""
    data_dir = Path(tempfile.mkdtemp(prefix="loop-bench-"))
    name = None
    admin = None
    try:
        if not database_url:
            yield data_dir, ""
            return
        import psycopg

        url = make_url(normalise_database_url(database_url))
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        name = f"loop_bench_{secrets.token_hex(4)}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield data_dir, url.set(database=name).render_as_string(hide_password=False)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if name and admin:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- server ----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    data_dir: Path, database_url: str, secret: str, port: int, *, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOOP_RATE_LIMIT_ENABLED": "false",
        "LOOP_ACCESS_LOG": "false",
        "LOOP_LOG_LEVEL": "WARNING",
        "LOOP_SECRET_KEY": secret,
    }
    command = [str(Path(sys.executable).parent / "loop"), "serve", "--port", str(port)]
    command += ["--data-dir", str(data_dir)]
    if database_url:
        command += ["--database-url", database_url]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start in 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# -- load ------------------------------------------------------------------------------------------------
@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    # Paced loads: each latency counted from the moment the request fell due, the client's own lateness
    # in sending it included.
    from_due: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def gets(paths: list[str]) -> Callable[[], Request]:
    """A factory of GET requests to paths picked at random."""
    rng = random.Random()
    return lambda: ("GET", paths[rng.randrange(len(paths))], None)


async def _worker(
    port: int,
    token: str,
    make: Callable[[], Request],
    expect: int,
    more: Callable[[], bool],
    result: Result,
    stop_on: int | None = None,
    next_start: Callable[[], float] | None = None,
) -> None:
    """Send requests over one keep-alive connection while ``more()`` says so (or until ``stop_on``).

    With ``next_start`` each request waits for its scheduled moment (``perf_counter`` time). A request that
    fell due while the one before it was still in flight counts its latency from that moment, so it shows
    the wait; otherwise from when it is sent."""
    head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while more():
            method, path, body = make()
            started = time.perf_counter()
            due = None
            if next_start is not None:
                due = next_start()
                if due > started:
                    # The connection is free before the request is due: the clock starts when it is sent,
                    # so this client's lateness in sending it (its timer, its other connections) is left out
                    # of ``latencies``; ``from_due`` keeps it.
                    await asyncio.sleep(due - started)
                    started = time.perf_counter()
                else:
                    started = due  # due while the one before was in flight: that wait counts
            if body is None:
                request = f"{method} {path} HTTP/1.1\r\n{head}\r\n".encode()
            else:
                extra = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                request = f"{method} {path} HTTP/1.1\r\n{head}{extra}".encode() + body
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                # The server closed a connection that sat idle past its keep-alive time: open another.
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            finished = time.perf_counter()
            result.latencies.append(finished - started)
            if due is not None:
                result.from_due.append(finished - due)
            status = int(status_line.split()[1])
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status != expect:
                result.errors += 1
            if status == stop_on:
                return
    finally:
        writer.close()


def _before(moment: float) -> Callable[[], bool]:
    return lambda: time.perf_counter() < moment


async def load(
    port: int,
    token: str,
    make: Callable[[], Request],
    concurrency: int,
    duration: float,
    *,
    expect: int = 200,
    warm_up: float = 1.0,
) -> tuple[Result, float]:
    """Drive the server with ``concurrency`` keep-alive connections for ``duration`` seconds (after a warm-up
    that opens the connections and fills caches), and return what was measured with the elapsed time."""
    workers = range(concurrency)
    warm = _before(time.perf_counter() + warm_up)
    await asyncio.gather(*(_worker(port, token, make, expect, warm, Result()) for _ in workers))
    result = Result()
    started = time.perf_counter()
    until = _before(started + duration)
    await asyncio.gather(*(_worker(port, token, make, expect, until, result) for _ in workers))
    return result, time.perf_counter() - started


async def send(
    port: int,
    token: str,
    make: Callable[[], Request],
    requests: int,
    concurrency: int,
    *,
    expect: int = 200,
    stop_on: int | None = None,
) -> tuple[Result, float]:
    """Send ``requests`` requests shared by ``concurrency`` connections; a connection stops early at a
    ``stop_on`` status (say, 204 once a queue is empty). Returns what was measured and the elapsed time."""
    budget = [requests]

    def more() -> bool:
        budget[0] -= 1
        return budget[0] >= 0

    result = Result()
    started = time.perf_counter()
    await asyncio.gather(
        *(_worker(port, token, make, expect, more, result, stop_on) for _ in range(concurrency))
    )
    return result, time.perf_counter() - started


async def paced(
    port: int,
    token: str,
    make: Callable[[], Request],
    requests: int,
    concurrency: int,
    rate: float,
    *,
    expect: int = 200,
    stop_on: int | None = None,
) -> tuple[Result, float]:
    """Send ``requests`` requests at ``rate`` per second in all, as random (Poisson) arrivals spread over
    ``concurrency`` connections: the latency of clients that do not saturate the server. Latencies count from
    each request's scheduled moment. Returns what was measured and the elapsed time."""
    budget = [requests]

    def more() -> bool:
        budget[0] -= 1
        return budget[0] >= 0

    def schedule(seed: int) -> Callable[[], float]:
        rng = random.Random(seed)
        moment = [time.perf_counter()]

        def next_start() -> float:
            moment[0] += rng.expovariate(rate / concurrency)
            return moment[0]

        return next_start

    result = Result()
    started = time.perf_counter()
    await asyncio.gather(
        *(_worker(port, token, make, expect, more, result, stop_on, schedule(i)) for i in range(concurrency))
    )
    return result, time.perf_counter() - started


def report(name: str, result: Result, elapsed: float) -> None:
    lat = sorted(result.latencies)
    if not lat:
        print(f"{name:<28} no responses")
        return
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    print(
        f"{name:<28} {len(lat) / elapsed:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"({len(lat)} requests, {result.errors} unexpected: {result.statuses})"
    )
