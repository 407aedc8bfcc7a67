"""The measured phases. Each figure is the median of ``BENCH_REPEATS`` runs of ``BENCH_DURATION``
seconds after one warm-up of ``BENCH_WARMUP`` seconds per operation and target; targets compared
with each other take turns, run by run, so a change in the machine's load hits all of them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

import neo4j

from benchenv import BenchSettings, progress
from loadgen import (
    WARMUP_OFFSET,
    Call,
    HttpClient,
    RunStats,
    graphql_ok,
    http_call,
    measure,
    median_stats,
)
from workloads import (
    OPERATIONS,
    TITLES,
    TOP,
    Sequences,
    baseline_call,
    growthgraph_body,
    neo4j_graphql_body,
    write_body,
    write_ok,
)

WRITES_PER_RUN_SPACING = 10_000_000  # request indexes of one write run never meet another's
WINDOWS_DAYS = (7, 30, 365)  # the leaderboard's windows: the last N days of the data's sign-ups
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class Pids:
    """Processes whose CPU time each run records: Neo4j and the GraphQL servers (a server with
    worker processes counts with them)."""

    neo4j: int | None
    growthgraph: int | None = None
    neo4j_graphql: int | None = None

    def watch(self, server: int | None = None) -> dict[str, int]:
        """``neo4j``, and ``server`` for the GraphQL server a target goes through."""
        out = {"neo4j": self.neo4j, "server": server}
        return {name: pid for name, pid in out.items() if pid is not None}


def _log(label: str, name: str, repeat: int, repeats: int, stats: RunStats) -> None:
    progress(
        f"{label}: {name} run {repeat + 1}/{repeats}: {stats.throughput:,.1f} req/s, "
        f"p50 {stats.p50_ms:,.2f} ms, p99 {stats.p99_ms:,.2f} ms, {stats.errors} errors, "
        f"load {stats.load_average}"
    )


async def warm_up(
    settings: BenchSettings, label: str, calls: Mapping[str, Call], *, concurrency: int
) -> None:
    for name, call in calls.items():
        progress(f"{label}: warming up {name} ({settings.warmup_s:.0f}s)")
        await measure(
            call,
            concurrency=concurrency,
            duration_s=settings.warmup_s,
            timeout_s=settings.timeout_s,
            start_index=WARMUP_OFFSET,
        )


async def compare(
    settings: BenchSettings,
    label: str,
    calls: Mapping[str, Call],
    *,
    concurrency: int,
    watch: Mapping[str, Mapping[str, int]],
) -> dict[str, Any]:
    """Run the targets in turn ``repeats`` times; medians per target."""
    runs: dict[str, list[RunStats]] = {name: [] for name in calls}
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
            _log(label, name, repeat, settings.repeats, stats)
    return {
        name: {"median": median_stats(stats), "runs": [s.to_json() for s in stats]}
        for name, stats in runs.items()
    }


async def reads(
    settings: BenchSettings,
    pids: Pids,
    driver: neo4j.AsyncDriver,
    seq: Sequences,
    gg_url: str,
    gg_headers: dict[str, str],
    ng_url: str,
) -> dict[str, Any]:
    """Every operation at every concurrency: growthgraph, @neo4j/graphql (for (c) in both forms)
    and the one-statement baseline through the driver, with the same requests."""
    out: dict[str, Any] = {}
    size = settings.concurrency
    clients: list[HttpClient] = []

    def client(url: str, headers: dict[str, str] | None = None) -> HttpClient:
        made = HttpClient(url, size, headers)
        clients.append(made)
        return made

    try:
        for op in OPERATIONS:
            calls: dict[str, Call] = {
                "growthgraph": http_call(
                    client(gg_url, gg_headers), growthgraph_body(op, seq), graphql_ok
                )
            }
            watch: dict[str, dict[str, int]] = {"growthgraph": pids.watch(pids.growthgraph)}
            ng_forms = ("c-best", "c-first") if op == "c" else (op,)
            for form in ng_forms:
                name = "neo4j-graphql" + {"c-best": "-best", "c-first": "-first"}.get(form, "")
                calls[name] = http_call(client(ng_url), neo4j_graphql_body(form, seq), graphql_ok)
                watch[name] = pids.watch(pids.neo4j_graphql)
            calls["baseline"] = baseline_call(driver, settings.neo4j_database, op, seq)
            watch["baseline"] = pids.watch()
            # The @cypher sort scans every node per request: warmed by one request, and measured
            # one request at a time only (more at once only queue behind each other in Neo4j).
            slow = {name: call for name, call in calls.items() if name == "neo4j-graphql-first"}
            fast = {name: call for name, call in calls.items() if name not in slow}
            await warm_up(settings, f"({op})", fast, concurrency=size)
            for name, call in slow.items():
                progress(f"({op}): warming up {name} (one request)")
                await measure(
                    call,
                    concurrency=1,
                    duration_s=0.001,
                    timeout_s=settings.timeout_s,
                    start_index=WARMUP_OFFSET,
                )
            per: dict[str, Any] = {}
            for c in settings.concurrencies:
                targets = calls if c == 1 else fast
                per[str(c)] = await compare(
                    settings, f"({op}) concurrency {c}", targets, concurrency=c, watch=watch
                )
            out[op] = {"title": TITLES[op], "by_concurrency": per}
    finally:
        for made in clients:
            await made.aclose()
    return out


# --- the leaderboard's windows ---------------------------------------------------------------

_KIND: LiteralString = (
    "CASE WHEN n:User THEN 'USER' WHEN n:Influencer THEN 'INFLUENCER' "
    "WHEN n:Partner THEN 'PARTNER' END"
)
# An independent answer for the check: expand two hops up from every sign-up in the window.
SCAN: LiteralString = (
    """
MATCH (u:User) WHERE u.signedUpAt >= $since AND u.signedUpAt < $until
MATCH (n)-[:REFERRED*2..2]->(u)
WITH n, count(*) AS signUps
WITH n.id AS id, """
    + _KIND
    + """ AS kind, signUps
RETURN kind, id, signUps ORDER BY signUps DESC, id ASC, kind ASC LIMIT $limit
"""
)


def windows(last_sign_up: datetime) -> dict[str, tuple[datetime, datetime] | None]:
    """No window, and the last 7, 30 and 365 days of the data's sign-ups, [since, until)."""
    until = last_sign_up + timedelta(seconds=1)
    out: dict[str, tuple[datetime, datetime] | None] = {"none": None}
    for days in WINDOWS_DAYS:
        out[f"{days}d"] = (until - timedelta(days=days), until)
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


async def leaderboard(
    settings: BenchSettings,
    pids: Pids,
    driver: neo4j.AsyncDriver,
    gg_url: str,
    gg_headers: dict[str, str],
    last_sign_up: datetime,
) -> dict[str, Any]:
    """topReferrers(degree: 2, limit: 10) through growthgraph, one request at a time, without a
    window and with the last 7, 30 and 365 days; each answer checked against a scan first."""
    client = HttpClient(gg_url, 1, gg_headers)
    wins = windows(last_sign_up)
    try:
        checks: dict[str, bool] = {}
        calls: dict[str, Call] = {}
        for name, window in wins.items():
            body = top_body(window)
            status, content = await client.post(body)
            data: dict[str, Any] = json.loads(content).get("data") or {}
            top: list[dict[str, Any]] = data.get("topReferrers") or []
            mine = [[r["referrer"]["kind"], r["referrer"]["id"], r["signUps"]] for r in top]
            since, until = window or (EARLIEST, LATEST)
            records, _, _ = await driver.execute_query(
                SCAN,
                {"since": since, "until": until, "limit": TOP},
                database_=settings.neo4j_database,
                routing_=neo4j.RoutingControl.READ,
            )
            scan = [[r["kind"], r["id"], r["signUps"]] for r in records]
            checks[name] = status == 200 and mine == scan
            progress(f"leaderboard window {name}: same answer as the scan: {checks[name]}")
            calls[name] = http_call(client, lambda _i, b=body: b, graphql_ok)
        watch = {name: pids.watch(pids.growthgraph) for name in calls}
        await warm_up(settings, "leaderboard", calls, concurrency=1)
        result = await compare(settings, "leaderboard", calls, concurrency=1, watch=watch)
    finally:
        await client.aclose()
    return {
        "windows": {
            name: [w[0].isoformat(), w[1].isoformat()] if w else None for name, w in wins.items()
        },
        "same_as_scan": checks,
        "runs": result,
    }


async def writes(
    settings: BenchSettings,
    pids: Pids,
    seq: Sequences,
    gg_url: str,
    gg_headers: dict[str, str],
    prefix: str,
    label: str,
) -> dict[str, Any]:
    """recordSignUp through growthgraph at the largest concurrency: fresh user ids under
    ``prefix``, each referred by a generated user."""
    body = write_body(seq, prefix, datetime.now(UTC))
    c = settings.concurrency
    runs: list[RunStats] = []
    client = HttpClient(gg_url, c, gg_headers)
    try:
        call = http_call(client, body, write_ok)
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
            _log(f"writes ({label})", "growthgraph", repeat, settings.repeats, stats)
    finally:
        await client.aclose()
    return {"median": median_stats(runs), "runs": [s.to_json() for s in runs]}
