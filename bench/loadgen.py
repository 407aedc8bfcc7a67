"""The one load generator of the benchmark: a fixed number of workers, each running one call at a
time for a fixed duration, with latencies taken around every call.

The same runner drives HTTP requests (to growthgraph and to the comparison server) and direct
driver calls, so every figure is measured the same way. Call ``i`` of a run always uses the same
request (ids are drawn from a seeded sequence by index), so two targets see the same requests in
the same order.
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

import httpx

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
    # CPU seconds used during the run: the load generator's own process, and each watched one.
    cpu_s: dict[str, float] = field(default_factory=dict[str, float])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            except (TimeoutError, httpx.HTTPError, OSError):
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
        cpu_s=cpu,
    )


def http_call(
    client: httpx.AsyncClient,
    url: str,
    body: Callable[[int], bytes],
    ok: Callable[[bytes], bool],
    headers: dict[str, str] | None = None,
) -> Call:
    """A call that POSTs request ``i``'s JSON body and checks the answer."""
    sent = {"content-type": "application/json", **(headers or {})}

    async def call(index: int) -> bool:
        response = await client.post(url, content=body(index), headers=sent)
        return response.status_code == 200 and ok(response.content)

    return call


def graphql_ok(content: bytes) -> bool:
    """A GraphQL answer without errors (cheap: the load generator shares the CPUs)."""
    return b'"errors"' not in content and content.startswith(b'{"data"')


def client_for(concurrency: int, timeout_s: float) -> httpx.AsyncClient:
    """Keep-alive connections, one per worker."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=timeout_s)


def median_stats(runs: Sequence[RunStats]) -> dict[str, float]:
    """The median of each figure over repeated runs."""
    out: dict[str, float] = {}
    for name in ("throughput", "p50_ms", "p90_ms", "p99_ms", "mean_ms"):
        values = sorted(float(getattr(run, name)) for run in runs)
        mid = len(values) // 2
        value = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
        out[name] = round(value, 3)
    names = sorted({name for run in runs for name in run.cpu_s})
    for name in names:
        per = sorted(
            run.cpu_s[name] * 1000 / max(1, run.requests) for run in runs if name in run.cpu_s
        )
        out[f"cpu_ms_per_request_{name}"] = round(per[len(per) // 2], 3)
    out["errors"] = float(sum(run.errors for run in runs))
    out["requests"] = float(sum(run.requests for run in runs))
    return out
