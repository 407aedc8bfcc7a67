"""The measured phases. Each figure is the median of ``BENCH_REPEATS`` runs of ``BENCH_DURATION``
seconds after one warm-up of ``BENCH_WARMUP`` seconds; targets compared with each other take
turns, run by run, so a change in the machine's load hits both."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, LiteralString

import httpx

from benchenv import BenchSettings, progress
from growthgraph.graph import referrals
from growthgraph.graph.database import Database
from loadgen import (
    WARMUP_OFFSET,
    Call,
    RunStats,
    client_for,
    graphql_ok,
    http_call,
    measure,
    median_stats,
)
from workloads import (
    ALL_KINDS,
    OPERATIONS,
    TITLES,
    TOP,
    Sequences,
    direct_call,
    growthgraph_body,
    neo4j_graphql_body,
    write_body,
    write_ok,
)

WRITES_PER_RUN_SPACING = 10_000_000  # request indexes of one write run never meet another's


@dataclass(frozen=True)
class Pids:
    """Processes whose CPU time each run records: Neo4j and the GraphQL servers."""

    neo4j: int | None
    growthgraph: int | None = None
    neo4j_graphql: int | None = None

    def watch(self, server: int | None = None) -> dict[str, int]:
        """``neo4j``, and ``server`` for the GraphQL server a target goes through."""
        out = {"neo4j": self.neo4j, "server": server}
        return {name: pid for name, pid in out.items() if pid is not None}


async def compare(
    settings: BenchSettings,
    label: str,
    calls: dict[str, Call],
    *,
    concurrency: int,
    watch: Mapping[str, Mapping[str, int]],
) -> dict[str, Any]:
    """Warm each target up, then run them in turn ``repeats`` times; medians per target."""
    runs: dict[str, list[RunStats]] = {name: [] for name in calls}
    for name, call in calls.items():
        progress(f"{label}: warming up {name} ({settings.warmup_s:.0f}s)")
        await measure(
            call,
            concurrency=concurrency,
            duration_s=settings.warmup_s,
            timeout_s=settings.timeout_s,
            start_index=WARMUP_OFFSET,
        )
    for repeat in range(settings.repeats):
        for name, call in calls.items():
            stats = await measure(
                call,
                concurrency=concurrency,
                duration_s=settings.duration_s,
                timeout_s=settings.timeout_s,
                watch=watch.get(name),
            )
            runs[name].append(stats)
            progress(
                f"{label}: {name} run {repeat + 1}/{settings.repeats}: {stats.throughput:,.1f} "
                f"req/s, p50 {stats.p50_ms:,.2f} ms, p99 {stats.p99_ms:,.2f} ms, "
                f"{stats.errors} errors"
            )
    return {
        name: {"median": median_stats(stats), "runs": [s.to_json() for s in stats]}
        for name, stats in runs.items()
    }


async def overhead(
    settings: BenchSettings,
    pids: Pids,
    db: Database,
    seq: Sequences,
    gg_url: str,
    gg_headers: dict[str, str],
) -> dict[str, Any]:
    """Sequential latency through growthgraph against the same repository calls made directly."""
    out: dict[str, Any] = {}
    async with client_for(1, settings.timeout_s) as client:
        for op in OPERATIONS:
            targets = {
                "growthgraph": http_call(
                    client, gg_url, growthgraph_body(op, seq), graphql_ok, gg_headers
                ),
                "direct": direct_call(op, db, seq),
            }
            watch = {"growthgraph": pids.watch(pids.growthgraph), "direct": pids.watch()}
            result = await compare(
                settings, f"overhead ({op})", targets, concurrency=1, watch=watch
            )
            gg = result["growthgraph"]["median"]["p50_ms"]
            direct = result["direct"]["median"]["p50_ms"]
            result["ratio_p50"] = round(gg / direct, 3) if direct else None
            result["title"] = TITLES[op]
            out[op] = result
    return out


async def versus(
    settings: BenchSettings,
    pids: Pids,
    seq: Sequences,
    gg_url: str,
    gg_headers: dict[str, str],
    ng_url: str,
) -> dict[str, Any]:
    """growthgraph against @neo4j/graphql at the same concurrency, with the same requests."""
    out: dict[str, Any] = {}
    c = settings.concurrency
    async with (
        client_for(c, settings.timeout_s) as gg_client,
        client_for(c, settings.timeout_s) as ng_client,
    ):
        for op in OPERATIONS:
            targets = {
                "growthgraph": http_call(
                    gg_client, gg_url, growthgraph_body(op, seq), graphql_ok, gg_headers
                ),
                "neo4j-graphql": http_call(
                    ng_client, ng_url, neo4j_graphql_body(op, seq), graphql_ok
                ),
            }
            watch = {
                "growthgraph": pids.watch(pids.growthgraph),
                "neo4j-graphql": pids.watch(pids.neo4j_graphql),
            }
            result = await compare(settings, f"versus ({op})", targets, concurrency=c, watch=watch)
            gg = result["growthgraph"]["median"]
            ng = result["neo4j-graphql"]["median"]
            result["throughput_ratio"] = (
                round(gg["throughput"] / ng["throughput"], 2) if ng["throughput"] else None
            )
            result["p50_ratio"] = round(ng["p50_ms"] / gg["p50_ms"], 2) if gg["p50_ms"] else None
            result["title"] = TITLES[op]
            out[op] = result
    return out


def scan_query(degree: int) -> LiteralString:
    """The leaderboard's full-scan Cypher: the baseline the counters are measured against."""
    return referrals.TOP_REFERRERS_SCAN[degree]


async def top_referrers_direct(
    settings: BenchSettings, pids: Pids, db: Database, window: tuple[datetime, datetime]
) -> dict[str, Any]:
    """topReferrers(degree 2, limit 10) straight through the driver: the counter-backed
    repository function against the scan, without and with a time window."""
    labels = [k.value for k in ALL_KINDS]
    out: dict[str, Any] = {}
    for name, since, until in (("no_window", None, None), ("window", *window)):

        def counters(since: datetime | None = since, until: datetime | None = until) -> Call:
            async def call(_index: int) -> bool:
                await referrals.top_referrers(
                    db, degree=2, limit=TOP, since=since, until=until, kinds=ALL_KINDS
                )
                return True

            return call

        def scan(since: datetime | None = since, until: datetime | None = until) -> Call:
            params = {
                "since": since or referrals.EARLIEST,
                "until": until or referrals.LATEST,
                "labels": labels,
                "limit": TOP,
            }

            async def call(_index: int) -> bool:
                await db.read(scan_query(2), params)
                return True

            return call

        fast_rows = await referrals.top_referrers(
            db, degree=2, limit=TOP, since=since, until=until, kinds=ALL_KINDS
        )
        scan_rows = await referrals.top_referrers(
            db, degree=2, limit=TOP, since=since, until=until, kinds=ALL_KINDS, use_counters=False
        )
        result = await compare(
            settings,
            f"topReferrers direct ({name})",
            {"counters": counters(), "scan": scan()},
            concurrency=1,
            watch={"counters": pids.watch(), "scan": pids.watch()},
        )
        fast = result["counters"]["median"]["p50_ms"]
        slow = result["scan"]["median"]["p50_ms"]
        result["speedup_p50"] = round(slow / fast, 2) if fast else None
        result["same_answer"] = fast_rows == scan_rows
        result["since"] = since.isoformat() if since else None
        result["until"] = until.isoformat() if until else None
        out[name] = result
    return out


def top_body(window: tuple[datetime, datetime] | None) -> bytes:
    if window is None:
        query = "query T { topReferrers(degree: 2, limit: 10) { signUps referrer { id kind } } }"
        return json.dumps({"query": query}).encode()
    query = (
        "query T($since: DateTime!, $until: DateTime!) { topReferrers(degree: 2, limit: 10, "
        "since: $since, until: $until) { signUps referrer { id kind } } }"
    )
    variables = {"since": window[0].isoformat(), "until": window[1].isoformat()}
    return json.dumps({"query": query, "variables": variables}).encode()


async def top_referrers_graphql(
    settings: BenchSettings,
    pids: Pids,
    gg_url: str,
    gg_headers: dict[str, str],
    window: tuple[datetime, datetime],
    label: str,
) -> dict[str, Any]:
    """topReferrers through growthgraph, sequentially, without and with the window."""
    async with client_for(1, settings.timeout_s) as client:
        plain, windowed = top_body(None), top_body(window)
        targets = {
            "no_window": http_call(client, gg_url, lambda _i: plain, graphql_ok, gg_headers),
            "window": http_call(client, gg_url, lambda _i: windowed, graphql_ok, gg_headers),
        }
        watch = {name: pids.watch(pids.growthgraph) for name in targets}
        return await compare(
            settings, f"topReferrers GraphQL ({label})", targets, concurrency=1, watch=watch
        )


async def writes(
    settings: BenchSettings,
    pids: Pids,
    seq: Sequences,
    gg_url: str,
    gg_headers: dict[str, str],
    prefix: str,
    label: str,
) -> dict[str, Any]:
    """recordSignUp through growthgraph at the benchmark's concurrency: fresh user ids under
    ``prefix``, each referred by a generated user."""
    body = write_body(seq, prefix, datetime.now(UTC))
    c = settings.concurrency
    runs: list[RunStats] = []
    async with client_for(c, settings.timeout_s) as client:
        call = http_call(client, gg_url, body, write_ok, gg_headers)
        progress(f"writes ({label}): warming up ({settings.warmup_s:.0f}s)")
        await measure(
            call,
            concurrency=c,
            duration_s=settings.warmup_s,
            timeout_s=settings.timeout_s,
            start_index=WARMUP_OFFSET,
        )
        for repeat in range(settings.repeats):
            stats = await measure(
                call,
                concurrency=c,
                duration_s=settings.duration_s,
                timeout_s=settings.timeout_s,
                start_index=(repeat + 1) * WRITES_PER_RUN_SPACING,
                watch=pids.watch(pids.growthgraph),
            )
            runs.append(stats)
            progress(
                f"writes ({label}) run {repeat + 1}/{settings.repeats}: "
                f"{stats.throughput:,.1f} sign-ups/s, p50 {stats.p50_ms:,.2f} ms, "
                f"p99 {stats.p99_ms:,.2f} ms, {stats.errors} errors"
            )
    return {"median": median_stats(runs), "runs": [s.to_json() for s in runs]}


async def one_request(url: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=600) as client:
        answer = await client.post(
            url, content=body, headers={"content-type": "application/json", **headers}
        )
        return dict(json.loads(answer.content))
