"""``growthgraph serve | seed | analyze | export-schema``."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import logging
import sys
import time
from pathlib import Path

from pydantic import ValidationError
from tqdm import tqdm

from growthgraph.config import Settings

log = logging.getLogger("growthgraph")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "\n".join(
            f"  {'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        sys.exit(f"growthgraph: invalid settings\n{problems}")


async def _seed(settings: Settings, *, users: int, seed: int, only_if_empty: bool) -> None:
    from growthgraph import seed as generator
    from growthgraph.app import connect
    from growthgraph.graph import bulk

    db = await connect(settings)
    try:
        if only_if_empty and not await bulk.is_empty(db):
            print("growthgraph: the database already holds data; demo data not loaded")
            return
        started = time.perf_counter()
        data = generator.generate(users=users, seed=seed)
        with tqdm(total=bulk.dataset_size(data), unit="row", desc="loading demo data") as bar:
            await bulk.load_dataset(db, data, progress=bar.update)
        print(
            f"growthgraph: loaded {len(data.users):,} users, {len(data.influencers)} influencers, "
            f"{len(data.partners)} partners, {len(data.campaigns)} campaigns "
            f"in {time.perf_counter() - started:.1f}s"
        )
    finally:
        await db.close()


async def _analyze(settings: Settings, *, inactive_days: int) -> int:
    from datetime import UTC, datetime

    from growthgraph.app import connect
    from growthgraph.graph import structure

    db = await connect(settings)
    try:
        start = await structure.start_job(db, inactive_days=inactive_days, now=datetime.now(UTC))
        if not start.started:
            print(f"growthgraph: analysis {start.job.id} is already running ({start.job.step})")
            return 1
        with tqdm(total=0, unit="row", desc="network analysis") as bar:

            def progress(done: int, total: int, step: str) -> None:
                bar.total = total
                bar.set_description(step)
                bar.update(done - bar.n)

            job = await structure.run_job(
                db, start.job, batch=settings.analysis_batch_size, progress=progress
            )
        print(
            f"growthgraph: analysis {job.id}: {job.nodes:,} nodes, {job.communities:,} "
            f"communities (modularity {job.modularity:.3f}), {job.weak_nodes:,} weak nodes, "
            f"{job.average_connections:.2f} connections per user"
        )
        return 0
    finally:
        await db.close()


def cmd_analyze(args: argparse.Namespace) -> None:
    settings = _settings()
    days = settings.inactive_days if args.inactive_days is None else args.inactive_days
    if not 1 <= days <= 3650:
        sys.exit("growthgraph: --inactive-days must be between 1 and 3650")
    sys.exit(asyncio.run(_analyze(settings, inactive_days=days)))


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from growthgraph.app import create_app
    from growthgraph.observability import configure_logging

    settings = _settings()
    configure_logging(settings.log_level)
    if settings.demo_data and settings.demo_users > 0:
        asyncio.run(
            _seed(settings, users=settings.demo_users, seed=settings.demo_seed, only_if_empty=True)
        )
    print(f"growthgraph: serving http://{settings.host}:{settings.port}/graphql")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep the JSON logging configured above
        loop="uvloop",
    )


def cmd_seed(args: argparse.Namespace) -> None:
    settings = _settings()
    asyncio.run(_seed(settings, users=args.users, seed=args.seed, only_if_empty=not args.force))


def schema_sdl() -> str:
    from growthgraph.api import build_schema

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="growthgraph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve", help="serve the API and the playground (loads demo data if empty)"
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
