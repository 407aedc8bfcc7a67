"""``growthgraph serve | seed | import | export | generate | analyze | counters |
export-schema``."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Never

from pydantic import ValidationError
from tqdm import tqdm

from growthgraph.config import Settings

log = logging.getLogger("growthgraph")


def _ticker(bar: tqdm[Never]) -> Callable[[int], object]:
    """A progress callback that advances ``bar`` by the number of rows or nodes just done."""

    def advance(done: int) -> None:
        bar.update(done)

    return advance


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "\n".join(
            f"  {'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        sys.exit(f"growthgraph: invalid settings\n{problems}")


async def _prepare_database(settings: Settings) -> None:
    from growthgraph.app import connect

    db = await connect(settings)  # waits for Neo4j and applies the schema
    await db.close()


async def _seed(settings: Settings, *, users: int, seed: int, only_if_empty: bool) -> None:
    from growthgraph.app import connect
    from growthgraph.loading import dataset
    from growthgraph.loading.seed_demo import demo

    db = await connect(settings)
    try:
        if only_if_empty and not await dataset.is_empty(db):
            print("growthgraph: the database already holds data; demo data not loaded")
            return
        started = time.perf_counter()
        # Dated relative to today (UTC), so relative windows answer on the day it is loaded.
        data = demo(users=users, seed=seed, day=datetime.now(UTC).date())
        with tqdm(total=dataset.dataset_size(data), unit="row", desc="loading demo data") as bar:
            await dataset.load_dataset(db, data, progress=_ticker(bar))
        print(
            f"growthgraph: loaded {len(data.users):,} users, {len(data.influencers)} influencers, "
            f"{len(data.partners)} partners, {len(data.campaigns)} campaigns, "
            f"{len(data.invites):,} invites, {len(data.conversions):,} conversions, "
            f"{len(data.costs):,} cost entries, "
            f"{len(data.activities):,} activities, "
            f"{len(data.connections):,} connections in {time.perf_counter() - started:.1f}s"
        )
    finally:
        await db.close()


async def _analyze(settings: Settings, *, inactive_days: int) -> int:
    from datetime import UTC, datetime

    from growthgraph.app import connect
    from growthgraph.graph import structure

    db = await connect(settings)
    try:
        start = await structure.start_job(
            db,
            inactive_days=inactive_days,
            now=datetime.now(UTC),
            betweenness_cutoff=settings.betweenness_cutoff or None,
        )
        if not start.started:
            print(f"growthgraph: analysis {start.job.id} is already running ({start.job.step})")
            return 1
        with tqdm(total=0, unit="row", desc="network analysis") as bar:

            def progress(done: int, total: int, step: str) -> None:
                bar.total = total
                bar.set_description(step)
                bar.update(done - bar.n)

            job = await structure.run_job(
                db, start.job, batch=settings.analysis_batch, progress=progress
            )
        print(
            f"growthgraph: analysis {job.id}: {job.nodes:,} nodes, {job.communities:,} "
            f"communities (modularity {job.modularity:.3f}), {job.weak_nodes:,} weak nodes, "
            f"{job.average_connections:.2f} connections per user"
        )
        return 0
    finally:
        await db.close()


async def _counters(settings: Settings, action: str, batch: int) -> int:
    from growthgraph.app import connect
    from growthgraph.graph import counters

    db = await connect(settings)
    try:
        started = time.perf_counter()
        total = await counters.work_size(db)
        desc = "rebuilding" if action == "rebuild" else "checking"
        with tqdm(total=total, unit="node", desc=f"{desc} referral counters") as bar:
            run = counters.rebuild if action == "rebuild" else counters.check
            survey = await run(db, batch=batch, progress=_ticker(bar))
        took = time.perf_counter() - started
        for line in survey.sample:
            print(f"  {line}")
        if action == "rebuild":
            print(
                f"growthgraph: referral counters rebuilt in {took:.1f}s ({survey.nodes:,} node "
                f"visits, {survey.differing:,} nodes corrected)"
            )
            return 0
        if survey.differing:
            shown = f"; the first {len(survey.sample)} above" if survey.sample else ""
            print(
                f"growthgraph: {survey.differing:,} nodes hold referral counters that differ "
                f"from the edges{shown}; run `growthgraph counters rebuild` ({took:.1f}s)"
            )
            return 1
        print(
            f"growthgraph: every referral counter matches the edges ({survey.nodes:,} node "
            f"visits in {took:.1f}s)"
        )
        return 0
    finally:
        await db.close()


def cmd_counters(args: argparse.Namespace) -> None:
    sys.exit(asyncio.run(_counters(_settings(), args.action, args.batch_size)))


def cmd_analyze(args: argparse.Namespace) -> None:
    settings = _settings()
    days = settings.inactive_days if args.inactive_days is None else args.inactive_days
    if not 1 <= days <= 3650:
        sys.exit("growthgraph: --inactive-days must be between 1 and 3650")
    sys.exit(asyncio.run(_analyze(settings, inactive_days=days)))


async def _import(settings: Settings, args: argparse.Namespace) -> None:
    from growthgraph.app import connect
    from growthgraph.loading.rows import Options
    from growthgraph.loading.run import run_import, write_rejects

    directory: Path = args.directory
    rejects_path: Path = args.rejects or directory / "rejects.csv"
    db = await connect(settings)
    bars: list[tqdm[Never]] = []

    def progress(total: int) -> Callable[[int], object]:
        bars.append(tqdm(total=total, unit="row", desc="importing", disable=args.quiet))
        return _ticker(bars[0])

    def recount(total: int) -> Callable[[int], object]:
        bar = tqdm(
            total=total, unit="node", desc="recounting referral counters", disable=args.quiet
        )
        bars.append(bar)
        return _ticker(bar)

    try:
        started = time.perf_counter()
        if not args.quiet:
            print(f"growthgraph: reading and checking {directory} ...", flush=True)
        outcome = await run_import(
            db,
            directory,
            options=Options(batch_size=args.batch_size, parallel=args.parallel),
            progress_factory=progress,
            recount_factory=recount,
        )
        elapsed = time.perf_counter() - started
    finally:
        for bar in bars:
            bar.close()
        await db.close()
    write_rejects(rejects_path, outcome.rejects)
    rows = sum(outcome.loaded.values())
    counts = ", ".join(f"{n:,} {kind}" for kind, n in outcome.loaded.items() if n)
    print(
        f"growthgraph: imported {rows:,} valid rows ({counts}) in {elapsed:.1f}s "
        f"({rows / max(elapsed, 1e-9):,.0f} rows/s, {outcome.mode} mode"
        f"{'; rows already stored were left as they were' if outcome.mode == 'merge' else ''}); "
        f"{len(outcome.rejects):,} rejected, listed in {rejects_path}"
    )


async def _import_initial(settings: Settings, args: argparse.Namespace) -> None:
    from growthgraph.loading.initial import InitialLoadError, initial_load
    from growthgraph.loading.run import write_rejects

    rejects_path: Path = args.rejects or args.directory / "rejects.csv"
    started = time.perf_counter()
    try:
        outcome = await initial_load(
            settings, args.directory, say=lambda line: args.quiet or print(f"growthgraph: {line}")
        )
    except InitialLoadError as exc:
        sys.exit(f"growthgraph: initial load not done: {exc}")
    elapsed = time.perf_counter() - started
    write_rejects(rejects_path, outcome.rejects)
    counts = ", ".join(f"{n:,} {kind}" for kind, n in outcome.loaded.items() if n)
    print(
        f"growthgraph: initial load of {sum(outcome.loaded.values()):,} valid rows ({counts}) "
        f"in {elapsed:.1f}s, indexes online, counts checked; {len(outcome.rejects):,} rejected, "
        f"listed in {rejects_path}"
    )


def cmd_import(args: argparse.Namespace) -> None:
    if not args.directory.is_dir():
        sys.exit(f"growthgraph: {args.directory} is not a directory")
    asyncio.run((_import_initial if args.initial else _import)(_settings(), args))


async def _export(settings: Settings, args: argparse.Namespace) -> None:
    from growthgraph.app import connect
    from growthgraph.loading.export import describe, export_graph

    db = await connect(settings)
    bars: list[tqdm[Never]] = []

    def progress(total: int) -> Callable[[int], object]:
        bars.append(tqdm(total=total, unit="row", desc="exporting", disable=args.quiet))
        return _ticker(bars[0])

    try:
        started = time.perf_counter()
        written = await export_graph(
            db, args.directory, force=args.force, batch=args.batch_size, progress_factory=progress
        )
        elapsed = time.perf_counter() - started
    finally:
        for bar in bars:
            bar.close()
        await db.close()
    print(f"growthgraph: exported {describe(written)} to {args.directory} in {elapsed:.1f}s")


def cmd_export(args: argparse.Namespace) -> None:
    from growthgraph.loading.export import ExportRefusedError

    try:
        asyncio.run(_export(_settings(), args))
    except ExportRefusedError as refused:
        sys.exit(f"growthgraph: not exporting: {refused}")


def cmd_generate(args: argparse.Namespace) -> None:
    from growthgraph.loading.generate import generate_files

    started = time.perf_counter()
    counts = generate_files(args.out, users=args.users, seed=args.seed)
    listed = ", ".join(f"{n:,} {kind}" for kind, n in counts.items())
    print(f"growthgraph: wrote {listed} to {args.out} in {time.perf_counter() - started:.1f}s")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from growthgraph.app import create_app
    from growthgraph.http.observability import configure_logging

    settings = _settings()
    refusal = settings.open_bind_refusal()
    if refusal is not None:
        print(f"growthgraph: not serving: {refusal}", file=sys.stderr)
        raise SystemExit(2)
    configure_logging(settings.log_level)
    if settings.demo_data and settings.demo_users > 0:
        asyncio.run(
            _seed(settings, users=settings.demo_users, seed=settings.demo_seed, only_if_empty=True)
        )
    workers = args.workers or settings.worker_count
    if workers > 1:
        # Every worker applies the schema as it starts; on a database that lacks some of it, two
        # doing so at once can deadlock on the schema lock and stop the server. Applied here
        # first, it is already in place and each worker's pass only confirms it.
        asyncio.run(_prepare_database(settings))
    print(
        f"growthgraph: serving http://{settings.host}:{settings.port}/graphql "
        f"with {workers} worker process{'es' if workers > 1 else ''}"
    )
    # One process serves the app built here; several each build their own from the environment
    # (the settings were checked above) and share only the database.
    target: Any = create_app(settings) if workers == 1 else "growthgraph.app:app_from_environment"
    uvicorn.run(
        target,
        factory=workers > 1,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the JSON logging configured above
        loop="uvloop",
        # The app reads X-Forwarded-For itself, from GROWTHGRAPH_TRUSTED_PROXIES only; uvicorn's
        # own handling would believe it from any local peer before the app sees the request.
        proxy_headers=False,
    )


def cmd_seed(args: argparse.Namespace) -> None:
    settings = _settings()
    asyncio.run(_seed(settings, users=args.users, seed=args.seed, only_if_empty=not args.force))


def schema_sdl() -> str:
    from growthgraph.api.schema import build_schema

    return build_schema(Settings()).as_str() + "\n"


def cmd_export_schema(args: argparse.Namespace) -> None:
    sdl = schema_sdl()
    path = Path(args.output)
    if args.check:
        current = path.read_text() if path.exists() else ""
        if current != sdl:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                sdl.splitlines(keepends=True),
                str(path),
                "schema",
            )
            sys.stdout.writelines(diff)
            sys.exit(f"growthgraph: {path} is stale; run `make schema` and commit it")
        print(f"growthgraph: {path} is up to date")
        return
    path.write_text(sdl)
    print(f"growthgraph: wrote {path}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="growthgraph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve", help="serve the API and the playground (loads demo data if empty)"
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="server processes (default GROWTHGRAPH_WORKERS, else one per CPU)",
    )
    serve.set_defaults(func=cmd_serve)

    seed = sub.add_parser("seed", help="generate and load a deterministic demo network")
    seed.add_argument("--users", type=int, default=10_000, help="number of users (default 10000)")
    seed.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    seed.add_argument(
        "--force", action="store_true", help="load even if the database already holds data"
    )
    seed.set_defaults(func=cmd_seed)

    analyze = sub.add_parser(
        "analyze", help="compute influence, communities and weak nodes and store them"
    )
    analyze.add_argument(
        "--inactive-days",
        type=int,
        default=None,
        help="days without activity that make a user inactive (default GROWTHGRAPH_INACTIVE_DAYS)",
    )
    analyze.set_defaults(func=cmd_analyze)

    counters = sub.add_parser(
        "counters", help="recompute or check the stored counters behind topReferrers"
    )
    counters.add_argument(
        "action",
        choices=("rebuild", "check"),
        help="rebuild: recompute them all from the edges; check: compare them with the edges "
        "(both inside Neo4j, in batches of nodes in id order)",
    )
    counters.add_argument(
        "--batch-size", type=_positive, default=5_000, help="nodes per transaction (default 5000)"
    )
    counters.set_defaults(func=cmd_counters)

    imp = sub.add_parser(
        "import", help="load CSV or JSON Lines files (see docs/import.md), rejecting bad rows"
    )
    imp.add_argument("directory", type=Path, help="folder holding users.csv, referrals.jsonl, ...")
    imp.add_argument(
        "--rejects", type=Path, help="where to write the rejects report (default DIR/rejects.csv)"
    )
    imp.add_argument("--batch-size", type=_positive, default=10_000, help="rows per transaction")
    imp.add_argument(
        "--parallel", type=_positive, default=2, help="transactions in flight (default 2)"
    )
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.add_argument(
        "--initial",
        action="store_true",
        help="first load of an EMPTY database on the local Neo4j (neo4j/local.py) through "
        "neo4j-admin: stops and restarts it (docs/import.md)",
    )
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser(
        "export", help="write the whole graph as import files (CSV), restorable with import"
    )
    exp.add_argument("directory", type=Path, help="folder to create (or an empty one)")
    exp.add_argument("--force", action="store_true", help="replace the folder if it holds anything")
    exp.add_argument("--batch-size", type=_positive, default=10_000, help="rows per read")
    exp.add_argument("--quiet", action="store_true", help="no progress bar")
    exp.set_defaults(func=cmd_export)

    gen = sub.add_parser("generate", help="write a deterministic import set of CSV files")
    gen.add_argument("--users", type=int, default=1_000_000, help="number of users (default 1M)")
    gen.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    gen.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    gen.set_defaults(func=cmd_generate)

    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default="schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if the file is stale")
    export.set_defaults(func=cmd_export_schema)

    args = parser.parse_args(argv)
    if getattr(args, "users", 1) < 1:
        parser.error("--users must be at least 1")
    args.func(args)


if __name__ == "__main__":
    main()
