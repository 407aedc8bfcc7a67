"""The windowed leaderboard before and after the threshold strategy, side by side in one run.

``topReferrers(degree: 2, limit: 10)`` is asked through growthgraph's repository function
(``graph.referrals.top_referrers``, the driver, one statement or more per request, nothing of the
GraphQL layer) against the database in ``NEO4J_URI``, one request at a time:

- **before**: every window grouped by the window's sign-ups (``WindowStrategy.GROUPED``, the
  statement every window used before the threshold strategy);
- **after**: the automatic choice (``WindowStrategy.AUTO``, what the API runs now);
- **no window**: the stored counters, the same for both.

Windows: the last 7, 30 and 365 days of the data's sign-ups (the generated sign-ups span one
year) and none. The requests take turns, round by round, so a change in the machine's load hits
every one; each round records the 1-minute load average. Every answer is first checked against a
scan that expands every sign-up in the window two hops up (``phases.SCAN``), and before against
after on every request.

    NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=... .venv/bin/python bench/windows.py \
        [--rounds 15] [--out bench/results]

It prints a markdown table and writes the raw figures to ``<out>/windows-<UTC stamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j

from growthgraph.graph import referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.referrals import WindowStrategy
from phases import SCAN

DAYS = (7, 30, 365)
DEGREE = 2
LIMIT = 10
KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]
LAST_SIGN_UP = "MATCH (u:User) RETURN max(u.signedUpAt) AS last, count(u) AS users"
VARIANTS = ("before", "after")


async def main() -> None:
    parser = argparse.ArgumentParser(description="The windowed leaderboard, before and after.")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    uri = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
    database = os.environ.get("NEO4J_DATABASE", "neo4j")
    db = Database.connect(uri, *auth, database=database, timeout_s=600)
    driver = neo4j.AsyncGraphDatabase.driver(uri, auth=auth)  # the scan's own, beside growthgraph
    try:
        result = await run(db, driver, database, args.rounds)
    finally:
        await db.close()
        await driver.close()
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = result["started"].replace(":", "-").split("+")[0]
    path = args.out / f"windows-{stamp}Z.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(render(result))
    print(f"\nraw figures: {path}")


async def run(
    db: Database, driver: neo4j.AsyncDriver, database: str, rounds: int
) -> dict[str, Any]:
    started = datetime.now(UTC).isoformat(timespec="seconds")
    row = (await db.read(LAST_SIGN_UP))[0]
    until = row["last"].to_native() + timedelta(seconds=1)
    windows: dict[str, tuple[datetime, datetime] | None] = {"none": None}
    windows.update({f"{d}d": (until - timedelta(days=d), until) for d in DAYS})

    async def ask(window: tuple[datetime, datetime] | None, strategy: WindowStrategy) -> Any:
        since, end = window or (None, None)
        rows = await referrals.top_referrers(
            db,
            degree=DEGREE,
            limit=LIMIT,
            since=since,
            until=end,
            kinds=KINDS,
            strategy=strategy,
        )
        return [[r.referrer.kind.value.upper(), r.referrer.id, r.sign_ups] for r in rows]

    checks: dict[str, bool] = {}
    for name, window in windows.items():
        since, end = window or (referrals.EARLIEST, referrals.LATEST)
        records, _, _ = await driver.execute_query(
            SCAN,
            {"since": since, "until": end, "limit": LIMIT},
            database_=database,
            routing_=neo4j.RoutingControl.READ,
        )
        scan = [[r["kind"], r["id"], r["signUps"]] for r in records]
        for variant in VARIANTS:
            strategy = WindowStrategy.GROUPED if variant == "before" else WindowStrategy.AUTO
            checks[f"{name} {variant}"] = await ask(window, strategy) == scan
    times: dict[str, list[float]] = {f"{n} {v}": [] for n in windows for v in VARIANTS}
    trips: dict[str, list[int]] = {key: [] for key in times}
    loads: list[float] = []
    mismatches = 0
    for _ in range(rounds + 1):  # the first round warms up and is not counted
        loads.append(round(os.getloadavg()[0], 2))
        for name, window in windows.items():
            answers: list[Any] = []
            for variant in VARIANTS:
                strategy = WindowStrategy.GROUPED if variant == "before" else WindowStrategy.AUTO
                before = db.round_trips
                t = time.perf_counter()
                answers.append(await ask(window, strategy))
                times[f"{name} {variant}"].append((time.perf_counter() - t) * 1000)
                trips[f"{name} {variant}"].append(db.round_trips - before)
            mismatches += int(answers[0] != answers[1])
    for key in times:
        times[key] = times[key][1:]
        trips[key] = trips[key][1:]
    return {
        "started": started,
        "ended": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": int(row["users"]),
        "degree": DEGREE,
        "limit": LIMIT,
        "rounds": rounds,
        "windows": {
            n: [w[0].isoformat(), w[1].isoformat()] if w else None for n, w in windows.items()
        },
        "same_as_scan": checks,
        "before_after_mismatches": mismatches,
        "load_average_each_round": loads[1:],
        "times_ms": times,
        "round_trips": trips,
        "sizes": {
            "GROUPED_BELOW": referrals.GROUPED_BELOW,
            "FIRST_CANDIDATES": referrals.FIRST_CANDIDATES,
            "CANDIDATE_BUDGET": referrals.CANDIDATE_BUDGET,
        },
    }


def render(result: dict[str, Any]) -> str:
    times: dict[str, list[float]] = result["times_ms"]
    p50 = {key: statistics.median(values) for key, values in times.items()}
    loads = result["load_average_each_round"]
    lines = [
        f"{result['users']:,} users, {result['rounds']} rounds from {result['started']} to "
        f"{result['ended']}; load average (1 min) {min(loads):.1f}-{max(loads):.1f} over the "
        f"rounds; before and after gave the same answer on every request: "
        f"{'yes' if result['before_after_mismatches'] == 0 else 'NO'}.",
        "",
        "| window | before: p50 | before: ratio to no window | after: p50 | after: ratio to no "
        "window | after: statements | same answer as a scan (before, after) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    none = {v: p50[f"none {v}"] for v in VARIANTS}
    for name, window in result["windows"].items():
        label = "no window" if window is None else f"last {name[:-1]} days"
        cells = [label]
        for variant in VARIANTS:
            key = f"{name} {variant}"
            cells += [f"{p50[key]:,.1f} ms", f"{p50[key] / none[variant]:.2f}x"]
        statements = sorted(set(result["round_trips"][f"{name} after"]))
        cells.append(", ".join(str(s) for s in statements))
        checks = result["same_as_scan"]
        cells.append(", ".join("yes" if checks[f"{name} {v}"] else "NO" for v in VARIANTS))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    asyncio.run(main())
