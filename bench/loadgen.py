"""The one load generator of the benchmark: a fixed number of workers, each running one call at a
time for a fixed duration, with latencies taken around every call.

The same runner drives HTTP requests (to growthgraph and to the comparison server) and direct
driver calls, so every figure is measured the same way. Call ``i`` of a run always uses the same
request (ids are drawn from a seeded sequence by index), so every target sees the same requests in
the same order.

HTTP goes through a minimal HTTP/1.1 keep-alive client on asyncio streams (one connection per
worker), not a general-purpose client library: the load generator shares the machine's CPUs with
the servers it measures, so its own cost per request is kept small and is recorded for every run.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Call = Callable[[int], Awaitable[bool]]
"""Runs request ``i``; True when the answer was a success."""

WARMUP_OFFSET = 1_000_000_000
"""Warm-up calls use indexes from here, so measured runs start at the same request everywhere."""


@dataclass(frozen=True)
class RunStats:
    """One measured run: counts, throughput and latency percentiles in milliseconds."""

    concurrency: int
    requests: int
    errors: int
    seconds: float
    throughput: float  # successful calls per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    load_average: float  # 1-minute load average when the run began
    load_average_end: float  # and when it ended
    # CPU seconds used during the run: the load generator's own process, and each watched one
    # (a server counts with its worker processes).
    cpu_s: dict[str, float] = field(default_factory=dict[str, float])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (uvicorn's workers under its supervisor)."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) and fields[1] == str(pid):
            found.append(int(entry))
    return sorted(found)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time so far of a process and its live children (from /proc)."""
    total = 0.0
    for one in (pid, *children(pid)):
        fields = _stat_fields(one)
        if fields is None:
            if one == pid:
                return None
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def _cpu_snapshot(watch: Mapping[str, int]) -> dict[str, float | None]:
    snapshot: dict[str, float | None] = {name: cpu_seconds(pid) for name, pid in watch.items()}
    snapshot["loadgen"] = time.process_time()
    return snapshot


async def measure(
    call: Call,
    *,
    concurrency: int,
    duration_s: float,
    timeout_s: float,
    start_index: int = 0,
    max_requests: int | None = None,
    watch: Mapping[str, int] | None = None,
) -> RunStats:
    """Run ``call`` from ``concurrency`` workers until ``duration_s`` has passed (or
    ``max_requests`` calls have started). Every worker completes at least one call; calls in flight
    at the deadline are waited for and counted. A call past ``timeout_s`` counts as an error."""
    latencies: list[float] = []
    errors = 0
    next_index = start_index
    load_average = os.getloadavg()[0]
    cpu_before = _cpu_snapshot(watch or {})
    started = time.perf_counter()
    deadline = started + duration_s

    async def worker() -> None:
        nonlocal next_index, errors
        first = True
        while first or time.perf_counter() < deadline:
            if max_requests is not None and next_index - start_index >= max_requests:
                return
            first = False
            index = next_index
            next_index += 1
            t0 = time.perf_counter()
            try:
                ok = await asyncio.wait_for(call(index), timeout_s)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                ok = False
            elapsed = time.perf_counter() - t0
            if ok:
                latencies.append(elapsed)
            else:
                errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    cpu_after = _cpu_snapshot(watch or {})
    cpu = {
        name: round(after - before, 3)
        for name, after in cpu_after.items()
        if after is not None and (before := cpu_before.get(name)) is not None
    }
    latencies.sort()
    ms = [v * 1000 for v in latencies]
    return RunStats(
        concurrency=concurrency,
        requests=len(latencies) + errors,
        errors=errors,
        seconds=round(seconds, 3),
        throughput=round(len(latencies) / seconds, 2) if seconds > 0 else 0.0,
        p50_ms=round(percentile(ms, 50), 3),
        p90_ms=round(percentile(ms, 90), 3),
        p99_ms=round(percentile(ms, 99), 3),
        mean_ms=round(sum(ms) / len(ms), 3) if ms else 0.0,
        max_ms=round(ms[-1], 3) if ms else 0.0,
        load_average=round(load_average, 2),
        load_average_end=round(os.getloadavg()[0], 2),
        cpu_s=cpu,
    )


# --- a minimal HTTP/1.1 keep-alive client ----------------------------------------------------


class HttpError(OSError):
    """A connection that broke or an answer that could not be read."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    """POSTs to one URL over at most ``size`` keep-alive connections (one per worker)."""

    def __init__(self, url: str, size: int, headers: Mapping[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        path = parts.path or "/"
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\n{extra}"
        ).encode()
        self._idle: list[_Connection] = []
        self._size = size

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """(status, body) of one POST; a kept-alive connection the server closed meanwhile is
        replaced once."""
        reused = bool(self._idle)
        conn = self._idle.pop() if reused else await self._connect()
        try:
            status, content, keep = await self._exchange(conn, body)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            conn.close()
            if not reused:
                raise HttpError(str(exc)) from exc
            conn = await self._connect()
            try:
                status, content, keep = await self._exchange(conn, body)
            except (OSError, asyncio.IncompleteReadError, ValueError) as again:
                conn.close()
                raise HttpError(str(again)) from again
        if keep and len(self._idle) < self._size:
            self._idle.append(conn)
        else:
            conn.close()
        return status, content

    async def _exchange(self, conn: _Connection, body: bytes) -> tuple[int, bytes, bool]:
        conn.writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        reader = conn.reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            content = b"".join(parts)
        else:
            raise ValueError("an answer without a length")
        keep = headers.get("connection", "").lower() != "close"
        return status, content, keep

    async def aclose(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()


def http_call(
    client: HttpClient, body: Callable[[int], bytes], ok: Callable[[bytes], bool]
) -> Call:
    """A call that POSTs request ``i``'s JSON body and checks the answer."""

    async def call(index: int) -> bool:
        status, content = await client.post(body(index))
        return status == 200 and ok(content)

    return call


def graphql_ok(content: bytes) -> bool:
    """A GraphQL answer without errors (cheap: the load generator shares the CPUs)."""
    return content.startswith(b'{"data"') and b'"errors"' not in content


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def median_stats(runs: Sequence[RunStats]) -> dict[str, float]:
    """The median of each figure over repeated runs, and CPU milliseconds per request."""
    out: dict[str, float] = {}
    for name in ("throughput", "p50_ms", "p90_ms", "p99_ms", "mean_ms"):
        out[name] = round(median([float(getattr(run, name)) for run in runs]), 3)
    names = sorted({name for run in runs for name in run.cpu_s})
    for name in names:
        per = [run.cpu_s[name] * 1000 / max(1, run.requests) for run in runs if name in run.cpu_s]
        out[f"cpu_ms_per_request_{name}"] = round(median(per), 3)
    out["errors"] = float(sum(run.errors for run in runs))
    out["requests"] = float(sum(run.requests for run in runs))
    out["load_min"] = min(run.load_average for run in runs)
    out["load_max"] = max(max(run.load_average, run.load_average_end) for run in runs)
    return out
