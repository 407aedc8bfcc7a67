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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j

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
from growthgraph.graph.constraints import apply_schema
from growthgraph.graph.database import Database
from machine_info import machine, versions
from phases import Pids, leaderboard, reads, writes
from processes import Server, neo4j_pid, start_local_neo4j, stop_local_neo4j
from servers import (
    APOLLO_POOL_SIZE,
    COUNTERS_SETTING,
    GROWTHGRAPH,
    ApiKey,
    apollo_command,
    growthgraph_command,
    start_apollo,
    start_growthgraph,
)
from workloads import BASELINE, GROWTHGRAPH_DOCS, NEO4J_GRAPHQL_DOCS, WRITE_DOC, Sequences


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
        " && growthgraph import " + ("--initial " if settings.neo4j_uri is None else "") + "DIR",
        "growthgraph": "GROWTHGRAPH_DEMO_DATA=false GROWTHGRAPH_RATE_LIMIT=0 "
        "GROWTHGRAPH_API_KEYS=admin:<sha256> GROWTHGRAPH_LOG_LEVEL=warning "
        + (
            f"GROWTHGRAPH_WORKERS={settings.growthgraph_workers} "
            if settings.growthgraph_workers
            else ""
        )
        + f"PORT=<free port> {COUNTERS_SETTING}=true|false "
        + shlex.join(["growthgraph", *growthgraph_command()[1:]]),
        "neo4j-graphql": "cd bench/neo4j-graphql && npm ci && NODE_ENV=production "
        f"PORT=<free port> BENCH_APOLLO_POOL_SIZE={APOLLO_POOL_SIZE} "
        + shlex.join(apollo_command()),
        "load": "bench/loadgen.py: one asyncio process, a minimal HTTP/1.1 keep-alive client, "
        "one connection per worker; the baseline through the neo4j driver in the same process",
    }


def _bench_env() -> dict[str, str]:
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith("BENCH_")}


@dataclass
class Session:
    """What one run holds open: the database handles and the servers it started."""

    settings: BenchSettings
    uri: str
    db: Database
    driver: neo4j.AsyncDriver  # the baseline's: the plain driver, as an application would use it
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


async def prepare(session: Session, results: dict[str, Any]) -> tuple[Sequences, datetime]:
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
    return Sequences.draw(referrer_ids, user_ids, settings.seed), window[1] - timedelta(seconds=1)


def memory_of(server: Server) -> dict[str, Any]:
    """Peak resident memory (VmHWM, kB) of the supervisor and of each worker process."""
    per = server.peak_rss_per_process_kb()
    supervisor = str(server.process.pid)
    workers = {pid: kb for pid, kb in per.items() if pid != supervisor} or {
        supervisor: per.get(supervisor)
    }
    values = [kb for kb in workers.values() if kb is not None]
    return {
        "supervisor_kb": per.get(supervisor) if len(per) > 1 else None,
        "workers_kb": workers,
        "max_worker_kb": max(values) if values else None,
    }


async def measure_all(
    session: Session, results: dict[str, Any], seq: Sequences, last_sign_up: datetime
) -> None:
    settings, db, key = session.settings, session.db, session.key
    headers = key.headers
    phases = settings.phases
    stamp = datetime.fromisoformat(results["started"]).strftime("%Y%m%d%H%M%S")
    # growthgraph's worker processes each apply the schema as they start; created once here
    # first, they find it in place instead of racing to create it.
    await apply_schema(db)
    gg = session.start(
        start_growthgraph(settings, session.uri, key, counters=True, log_dir=session.log_dir)
    )
    ng = session.start(start_apollo(settings, session.uri, log_dir=session.log_dir))
    results["growthgraph_processes"] = len(gg.worker_pids())
    progress(f"growthgraph serves with {results['growthgraph_processes']} worker process(es)")
    pids = Pids(neo4j_pid(settings), gg.process.pid, ng.process.pid)
    memory: dict[str, Any] = {}

    if "reads" in phases:
        progress("checking that every target gives the same answers")
        results["checks"] = await check_equivalence(
            settings, session.driver, seq, gg.url, ng.url, headers
        )
        results["reads"] = await reads(settings, pids, session.driver, seq, gg.url, headers, ng.url)
        memory["growthgraph_after_reads"] = memory_of(gg)
        memory["neo4j_graphql_after_reads_kb"] = ng.peak_rss_kb()
    if "leaderboard" in phases:
        results["leaderboard"] = await leaderboard(
            settings, pids, session.driver, gg.url, headers, last_sign_up
        )
        memory["growthgraph_after_leaderboard"] = memory_of(gg)
    session.stop(ng)
    if "writes" in phases:
        written: dict[str, Any] = {
            "counters_on": await writes(
                settings, pids, seq, gg.url, headers, f"{WRITE_PREFIX}{stamp}-on-", "counters on"
            )
        }
        memory["growthgraph_after_writes"] = memory_of(gg)
        session.stop(gg)
        await set_counters_ready(db, ready=False)  # sign-ups without counter maintenance follow
        gg = session.start(
            start_growthgraph(settings, session.uri, key, counters=False, log_dir=session.log_dir)
        )
        pids = Pids(pids.neo4j, gg.process.pid, None)
        written["counters_off"] = await writes(
            settings, pids, seq, gg.url, headers, f"{WRITE_PREFIX}{stamp}-off-", "counters off"
        )
        session.stop_all()
        progress("removing the users the write benchmark added")
        written["removed_users"] = await remove_written_users(db)
        written["counters_rebuild"] = rebuild_counters(session.uri, settings)
        if written["counters_rebuild"].get("exit_code") == 0:
            await set_counters_ready(db, ready=True)
        results["writes"] = written
    session.stop_all()
    results["memory_peak"] = memory


async def run(settings: BenchSettings) -> dict[str, Any]:
    results: dict[str, Any] = {
        "format": render.FORMAT,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings.to_json(),
        "commands": commands(settings),
        "documents": {
            "growthgraph": GROWTHGRAPH_DOCS,
            "neo4j-graphql": NEO4J_GRAPHQL_DOCS,
            "baseline": BASELINE,
            "write": WRITE_DOC,
        },
    }
    uri = settings.neo4j_uri or f"bolt://127.0.0.1:{settings.bolt_port}"
    owns_neo4j = start_local_neo4j(settings) if settings.neo4j_uri is None else False
    db = connect(settings, uri)
    driver = neo4j.AsyncGraphDatabase.driver(
        uri,
        auth=(settings.neo4j_user, settings.neo4j_password),
        max_connection_pool_size=APOLLO_POOL_SIZE,
    )
    session = Session(settings, uri, db, driver, ApiKey(), settings.data_dir / "logs")
    try:
        seq, last_sign_up = await prepare(session, results)
        await measure_all(session, results, seq, last_sign_up)
        results["machine_after"] = machine()
    finally:
        session.stop_all()
        await driver.close()
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
            f"runs, concurrency {', '.join(map(str, settings.concurrencies))}, "
            f"phases {', '.join(settings.phases)}"
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
    if settings.quick:
        md_path = path.with_suffix(".md")
        md_path.write_text(render.render([results]))
        progress(f"quick mode: the section is in {md_path}; bench/RESULTS.md is left as it is")
    else:
        chosen = render.latest_per_size(settings.results_dir)
        render.replace_section(REPO / "bench" / "RESULTS.md", render.render(chosen))
        progress(
            "bench/RESULTS.md: the make bench section is rewritten from "
            + ", ".join(str(r.get("file")) for r in chosen)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
