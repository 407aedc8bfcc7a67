"""Where one request's time goes: the server's CPU per request for workload (a), (b) or (c) of
``bench/workloads.py``, and a pyinstrument profile of the same requests.

The app is called in-process as an ASGI application, with no HTTP client or server beside it,
so the CPU measured is the request path's own (middleware, GraphQL, driver), over a Neo4j that
already holds a generated data set (``growthgraph generate`` + ``growthgraph import``)::

    NEO4J_URI=bolt://127.0.0.1:7687 .venv/bin/python bench/profile_request.py b --requests 300
    ... --profile bench/data/profile-b.txt   # also write pyinstrument's text report
    ... --calls                              # Python calls per request, own time by package
    ... --general                            # without compiled reads (the resolvers' path)

Requests run one at a time; the figures are the process's CPU time (``time.process_time``, every
thread) and the wall time, each divided by the number of requests, after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from pathlib import Path
from typing import Any, cast

from starlette.applications import Starlette
from starlette.types import Message

from growthgraph.api.pagination import encode_cursor
from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph.database import Database
from workloads import GROWTHGRAPH_DOCS

IDS = """
MATCH (u:User) WHERE $referrers = false OR EXISTS { (u)-[:REFERRED]->(:User) }
RETURN u.id AS id ORDER BY u.id
"""


async def _ids(db: Database, referrers: bool) -> list[str]:
    rows = await db.read(IDS, {"referrers": referrers})
    return [str(row["id"]) for row in rows]


async def _call(app: Starlette, body: bytes) -> tuple[int, bytes]:
    """One POST /graphql through the whole ASGI stack; its status and body."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def _bodies(op: str, ids: list[str], count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    doc = GROWTHGRAPH_DOCS[op]
    bodies: list[bytes] = []
    for _ in range(count):
        if op == "a":
            variables: dict[str, object] = {"id": rng.choice(ids)}
        elif op == "c":
            variables = {}
        else:
            variables = {"after": encode_cursor(rng.choice(ids[:-100]), "users")}
        bodies.append(json.dumps({"query": doc, "variables": variables}).encode())
    return bodies


def _calls_by_package(counter: Any, requests: int) -> str:
    """Python function calls per request, and each package's share of their own time
    (deterministic profiling: slower, but every call is counted)."""
    import pstats

    found: object = getattr(pstats.Stats(counter), "stats")  # noqa: B009  undeclared in typeshed
    stats = cast("dict[tuple[str, int, str], tuple[int, int, float, float, object]]", found)
    own: dict[str, float] = {}
    calls = 0
    for (path, _line, _name), (_primitive, count, own_time, _cumulative, _callers) in stats.items():
        calls += count
        if "site-packages/" in path:
            package = path.split("site-packages/")[1].split("/")[0]
        elif "/growthgraph/" in path:
            package = "growthgraph." + path.split("/growthgraph/")[1].split("/")[0]
        elif path.startswith(("~", "<")):
            package = "built-in functions"
        else:
            package = "standard library"
        own[package] = own.get(package, 0.0) + own_time
    total = sum(own.values())
    lines = [f"{calls / requests:,.0f} Python calls per request; own time by package:"]
    for package, seconds in sorted(own.items(), key=lambda item: -item[1])[:8]:
        lines.append(f"  {package.removesuffix('.py'):28} {seconds / total:6.1%}")
    return "\n".join(lines)


async def _run(
    op: str, requests: int, warmup: int, profile: bool, calls: bool = False, general: bool = False
) -> str | None:
    """Run the requests; print the figures and return the profile's text report, if asked."""
    settings = Settings(
        rate_limit=0, metrics=False, log_level="warning", compiled_reads=not general
    )
    db = Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=settings.query_timeout,
    )
    try:
        ids = await _ids(db, referrers=op == "a")
        if len(ids) < 200:
            raise SystemExit("load a generated data set first (growthgraph generate + import)")
        app = create_app(settings, db=db)
        async with app.router.lifespan_context(app):
            for body in _bodies(op, ids, warmup, seed=1):
                status, content = await _call(app, body)
                if status != 200 or b'"errors"' in content:
                    raise SystemExit(f"request failed: {status} {content[:300]!r}")
            bodies = _bodies(op, ids, requests, seed=2)
            counter = None
            if calls:
                import cProfile

                counter = cProfile.Profile()
                counter.enable()
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005, async_mode="disabled")
                profiler.start()
            cpu, wall = time.process_time(), time.perf_counter()
            trips = db.round_trips
            for body in bodies:
                await _call(app, body)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            trips = db.round_trips - trips
            if counter is not None:
                counter.disable()
                print(_calls_by_package(counter, requests))
            report = None
            if profiler is not None:
                profiler.stop()
                report = profiler.output_text(unicode=True, show_all=False)
    finally:
        await db.close()
    load = os.getloadavg()[0]
    print(
        f"({op}) {requests} requests: server CPU {cpu / requests * 1000:.2f} ms/request, "
        f"wall {wall / requests * 1000:.2f} ms/request, {trips / requests:.1f} round trips/request "
        f"(load average {load:.2f}{', profiled' if profile else ''}"
        f"{', general path' if general else ''})"
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Server CPU per request for workload (a), (b) or (c), and its profile."
    )
    parser.add_argument("op", choices=["a", "b", "c"])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--profile", type=Path, default=None, help="write a pyinstrument report")
    parser.add_argument("--calls", action="store_true", help="count calls (cProfile) instead")
    parser.add_argument("--general", action="store_true", help="without compiled reads")
    args = parser.parse_args()
    report = asyncio.run(
        _run(
            args.op, args.requests, args.warmup, args.profile is not None, args.calls, args.general
        )
    )
    if report is not None:
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        args.profile.write_text(report)


if __name__ == "__main__":
    main()
