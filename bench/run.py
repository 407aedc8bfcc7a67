"""`make bench`: growthgraph's GraphQL overhead over the direct driver, growthgraph against
@neo4j/graphql on Apollo Server, the leaderboard's counters against its scan, recordSignUp
throughput and the servers' peak memory, all in one run on one Neo4j holding one data set.

Settings are environment variables (see bench/README.md); raw results go to
``bench/results/<UTC timestamp>.json`` and a markdown section is rendered from them.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import render
from benchenv import REPO, BenchError, BenchSettings, load_settings, progress
from checks import check_equivalence
from dataset_setup import (
    WRITE_PREFIX,
    connect,
    ensure_dataset,
    last_window,
    remove_written_users,
    sample_ids,
    set_counters_ready,
)
from growthgraph.graph.database import Database
from machine_info import machine, versions
from phases import Pids, overhead, top_referrers_direct, top_referrers_graphql, versus, writes
from processes import Server, neo4j_pid, start_local_neo4j, stop_local_neo4j
from servers import (
    COUNTERS_SETTING,
    GROWTHGRAPH,
    ApiKey,
    apollo_command,
    growthgraph_command,
    start_apollo,
    start_growthgraph,
)
from workloads import GROWTHGRAPH_DOCS, NEO4J_GRAPHQL_DOCS, WRITE_DOC, Sequences

Window = tuple[datetime, datetime]


def rebuild_counters(uri: str, settings: BenchSettings) -> dict[str, Any]:
    """``growthgraph counters rebuild``: make the stored counters exact again."""
    env = dict(os.environ)
    env.update(
        NEO4J_URI=uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        NEO4J_DATABASE=settings.neo4j_database,
        GROWTHGRAPH_QUERY_TIMEOUT="600",
    )
    progress("rebuilding the referral counters: growthgraph counters rebuild")
    started = time.perf_counter()
    done = subprocess.run([str(GROWTHGRAPH), "counters", "rebuild"], env=env, check=False)
    seconds = round(time.perf_counter() - started, 1)
    progress(f"counters rebuilt in {seconds}s (exit code {done.returncode})")
    if done.returncode != 0:
        progress("growthgraph counters rebuild failed: topReferrers with counters will be wrong")
    return {"seconds": seconds, "exit_code": done.returncode}


def commands(settings: BenchSettings) -> dict[str, str]:
    local = (
        f"GROWTHGRAPH_NEO4J_INSTANCE={settings.neo4j_instance} "
        f"GROWTHGRAPH_NEO4J_BOLT_PORT={settings.bolt_port} "
        f"GROWTHGRAPH_NEO4J_HEAP={settings.neo4j_heap} "
        f"GROWTHGRAPH_NEO4J_PAGECACHE={settings.neo4j_pagecache} python neo4j/local.py start"
    )
    return {
        "benchmark": "make bench  # " + " ".join(f"{k}={v}" for k, v in _bench_env().items()),
        "neo4j": local if settings.neo4j_uri is None else f"NEO4J_URI={settings.neo4j_uri}",
        "data": f"growthgraph generate --users {settings.users} --seed {settings.seed} --out DIR"
        " && growthgraph import DIR",
        "growthgraph": "GROWTHGRAPH_DEMO_DATA=false GROWTHGRAPH_RATE_LIMIT=0 "
        "GROWTHGRAPH_API_KEYS=admin:<sha256> GROWTHGRAPH_LOG_LEVEL=warning "
        f"PORT={settings.growthgraph_port} {COUNTERS_SETTING}=true|false "
        + shlex.join(["growthgraph", *growthgraph_command()[1:]]),
        "neo4j-graphql": f"cd bench/neo4j-graphql && npm ci && NODE_ENV=production "
        f"PORT={settings.apollo_port} " + shlex.join(apollo_command()),
        "load": "bench/loadgen.py: asyncio + httpx, keep-alive, one connection per worker",
    }


def _bench_env() -> dict[str, str]:
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith("BENCH_")}


@dataclass
class Session:
    """What one run holds open: the database handle and the servers it started."""

    settings: BenchSettings
    uri: str
    db: Database
    key: ApiKey
    log_dir: Path
    servers: list[Server] = field(default_factory=list[Server])

    def start(self, server: Server) -> Server:
        self.servers.append(server)
        return server

    def stop(self, server: Server) -> None:
        server.stop()
        self.servers.remove(server)

    def stop_all(self) -> None:
        for server in list(self.servers):
            self.stop(server)


async def prepare(session: Session, results: dict[str, Any]) -> tuple[Sequences, Window]:
    """The data set, loaded or reused, and the requests drawn from it."""
    settings, db = session.settings, session.db
    results["machine_before"] = machine()
    dataset = await ensure_dataset(settings, session.uri)
    results["dataset"] = {
        "users": dataset.users,
        "seed": dataset.seed,
        "loaded_now": dataset.loaded_now,
        "import": dataset.import_figures,
        "counts": dataset.counts,
    }
    results["versions"] = await versions(db)
    if removed := await remove_written_users(db):
        progress(f"removed {removed:,} users left by an earlier write benchmark")
    if removed or not dataset.counters_ready:
        # Loaded by an importer that kept no counters, or left by an interrupted write run.
        results["counters_rebuild_before"] = rebuild_counters(session.uri, settings)
        if results["counters_rebuild_before"]["exit_code"] == 0:
            await set_counters_ready(db, ready=True)
    progress("drawing request ids from the generated users")
    referrer_ids, user_ids = await sample_ids(db)
    window = await last_window(db)
    results["window"] = [window[0].isoformat(), window[1].isoformat()]
    return Sequences.draw(referrer_ids, user_ids, settings.seed), window


async def measure_all(
    session: Session, results: dict[str, Any], seq: Sequences, window: Window
) -> None:
    settings, db, key = session.settings, session.db, session.key
    headers = key.headers
    stamp = datetime.fromisoformat(results["started"]).strftime("%Y%m%d%H%M%S")
    gg = session.start(
        start_growthgraph(settings, session.uri, key, counters=True, log_dir=session.log_dir)
    )
    ng = session.start(start_apollo(settings, session.uri, log_dir=session.log_dir))

    pids = Pids(neo4j_pid(settings), gg.process.pid, ng.process.pid)

    progress("checking that both servers and the baseline give the same answers")
    results["checks"] = await check_equivalence(settings, db, seq, gg.url, ng.url, headers)
    results["overhead"] = await overhead(settings, pids, db, seq, gg.url, headers)
    results["versus"] = await versus(settings, pids, seq, gg.url, headers, ng.url)
    results["top_referrers_direct"] = await top_referrers_direct(settings, pids, db, window)
    top: dict[str, Any] = {
        "counters_on": await top_referrers_graphql(settings, pids, gg.url, headers, window, "on")
    }
    written: dict[str, Any] = {
        "counters_on": await writes(
            settings, pids, seq, gg.url, headers, f"{WRITE_PREFIX}{stamp}-on-", "counters on"
        )
    }
    memory: dict[str, Any] = {"growthgraph_counters_on_kb": gg.peak_rss_kb()}
    session.stop(gg)
    await set_counters_ready(db, ready=False)  # sign-ups without counter maintenance follow

    gg = session.start(
        start_growthgraph(settings, session.uri, key, counters=False, log_dir=session.log_dir)
    )
    pids = Pids(pids.neo4j, gg.process.pid, ng.process.pid)
    top["counters_off"] = await top_referrers_graphql(
        settings, pids, gg.url, headers, window, "off"
    )
    written["counters_off"] = await writes(
        settings, pids, seq, gg.url, headers, f"{WRITE_PREFIX}{stamp}-off-", "counters off"
    )
    memory["growthgraph_counters_off_kb"] = gg.peak_rss_kb()
    memory["neo4j_graphql_kb"] = ng.peak_rss_kb()
    session.stop_all()

    progress("removing the users the write benchmark added")
    written["removed_users"] = await remove_written_users(db)
    written["counters_rebuild"] = rebuild_counters(session.uri, settings)
    if written["counters_rebuild"].get("exit_code") == 0:
        await set_counters_ready(db, ready=True)
    results["top_referrers_graphql"] = top
    results["writes"] = written
    results["memory_peak"] = memory


async def run(settings: BenchSettings) -> dict[str, Any]:
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings.to_json(),
        "commands": commands(settings),
        "documents": {
            "growthgraph": GROWTHGRAPH_DOCS,
            "neo4j-graphql": NEO4J_GRAPHQL_DOCS,
            "write": WRITE_DOC,
        },
    }
    uri = settings.neo4j_uri or f"bolt://127.0.0.1:{settings.bolt_port}"
    owns_neo4j = start_local_neo4j(settings) if settings.neo4j_uri is None else False
    db = connect(settings, uri)
    session = Session(settings, uri, db, ApiKey(), settings.data_dir / "logs")
    try:
        seq, window = await prepare(session, results)
        await measure_all(session, results, seq, window)
        results["machine_after"] = machine()
    finally:
        session.stop_all()
        await db.close()
        if owns_neo4j:
            stop_local_neo4j(settings)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    return results


def save(settings: BenchSettings, results: dict[str, Any]) -> Path:
    settings.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(results["started"]).strftime("%Y-%m-%dT%H-%M-%SZ")
    path = settings.results_dir / f"{stamp}.json"
    results["file"] = os.path.relpath(path, REPO)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    return path


def main() -> int:
    try:
        settings = load_settings()
        mode = "quick mode" if settings.quick else "full run"
        progress(
            f"{mode}: {settings.users:,} users, {settings.repeats} x {settings.duration_s:.0f}s "
            f"runs, concurrency {settings.concurrency}"
        )
        results = asyncio.run(run(settings))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted; servers and the Neo4j it started were stopped", file=sys.stderr)
        return 130
    path = save(settings, results)
    progress(f"raw results: {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    markdown = render.render(results)
    if settings.quick:
        md_path = path.with_suffix(".md")
        md_path.write_text(markdown)
        progress(f"quick mode: the section is in {md_path}; bench/RESULTS.md is left as it is")
    else:
        render.replace_section(REPO / "bench" / "RESULTS.md", markdown)
        progress("bench/RESULTS.md: the make bench section is rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
