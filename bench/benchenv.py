"""The benchmark's settings (environment variables, read once) and its terminal output."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parent.parent
DEFAULT_USERS = 100_000
FULL_USERS = 100_000  # smaller data sets are quick mode: development figures, not the record
PHASES = ("reads", "leaderboard", "writes")
_STARTED = time.monotonic()


class BenchError(Exception):
    """A failure with a message meant for the person at the terminal."""


def fail(message: str) -> NoReturn:
    raise BenchError(message)


def progress(message: str) -> None:
    elapsed = time.monotonic() - _STARTED
    print(f"[bench {elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


def _int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        fail(f"{name} must be a whole number, got {raw!r}")
    if value < minimum:
        fail(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        fail(f"{name} must be a number of seconds, got {raw!r}")
    if value <= 0:
        fail(f"{name} must be positive, got {value}")
    return value


def _ints(name: str, default: str) -> tuple[int, ...]:
    raw = os.environ.get(name, "").strip() or default
    try:
        values = tuple(int(v) for v in raw.replace(" ", "").split(",") if v)
    except ValueError:
        fail(f"{name} must be whole numbers separated by commas, got {raw!r}")
    if not values or min(values) < 1:
        fail(f"{name} must list positive numbers, got {raw!r}")
    return values


def _phases() -> tuple[str, ...]:
    raw = os.environ.get("BENCH_PHASES", "").strip()
    if not raw:
        return PHASES
    chosen = tuple(p for p in raw.replace(" ", "").split(",") if p)
    unknown = [p for p in chosen if p not in PHASES]
    if unknown or not chosen:
        fail(f"BENCH_PHASES lists phases of {', '.join(PHASES)}; got {raw!r}")
    return chosen


def _str(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class BenchSettings:
    users: int
    seed: int
    duration_s: float  # one measured run
    warmup_s: float  # before the runs of one operation on one target
    concurrencies: tuple[int, ...]  # of the read comparison; the write runs use the largest
    repeats: int
    samples: int  # requests per operation whose answers are compared across all targets
    phases: tuple[str, ...]
    timeout_s: float  # one request
    neo4j_uri: str | None  # given: use it; None: start the local instance
    neo4j_user: str
    neo4j_password: str
    neo4j_database: str
    neo4j_instance: str
    bolt_port: int
    http_port: int
    neo4j_heap: str
    neo4j_pagecache: str
    growthgraph_port: int
    growthgraph_workers: int  # server processes of growthgraph serve (0: its default, one per CPU)
    apollo_port: int
    allow_wipe: bool  # may a database given by NEO4J_URI be emptied to load the data set?
    data_dir: Path
    results_dir: Path

    @property
    def quick(self) -> bool:
        return self.users < FULL_USERS

    @property
    def concurrency(self) -> int:
        """The largest concurrency: the write runs use it."""
        return max(self.concurrencies)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["neo4j_password"] = "***"  # noqa: S105  # masked, not a password
        out["data_dir"] = os.path.relpath(self.data_dir, REPO)
        out["results_dir"] = os.path.relpath(self.results_dir, REPO)
        out["quick"] = self.quick
        return out


def load_settings() -> BenchSettings:
    users = _int("BENCH_USERS", DEFAULT_USERS)
    uri = os.environ.get("NEO4J_URI", "").strip() or None
    results = os.environ.get("BENCH_RESULTS_DIR", "").strip()
    default_results = REPO / "bench" / "results" / ("quick" if users < FULL_USERS else "")
    timeout = _float("BENCH_TIMEOUT", 600.0)
    if timeout > 600:
        fail("BENCH_TIMEOUT may be at most 600 seconds (growthgraph's transaction timeout cap)")
    return BenchSettings(
        users=users,
        seed=_int("BENCH_SEED", 7, minimum=0),
        duration_s=_float("BENCH_DURATION", 5.0),
        warmup_s=_float("BENCH_WARMUP", 2.0),
        concurrencies=_ints("BENCH_CONCURRENCY", "1,2,4,8"),
        repeats=_int("BENCH_REPEATS", 3),
        samples=_int("BENCH_SAMPLES", 100),
        phases=_phases(),
        timeout_s=timeout,
        neo4j_uri=uri,
        neo4j_user=_str("NEO4J_USER", "neo4j"),
        neo4j_password=_str(
            "NEO4J_PASSWORD", "growthgraph-bench"
        ),  # the bench instance's own default
        neo4j_database=_str("NEO4J_DATABASE", "neo4j"),
        neo4j_instance=_str("BENCH_NEO4J_INSTANCE", "bench"),
        bolt_port=_int("BENCH_BOLT_PORT", 17691),
        http_port=_int("BENCH_HTTP_PORT", 17478),
        neo4j_heap=_str("BENCH_NEO4J_HEAP", "4g"),
        neo4j_pagecache=_str("BENCH_NEO4J_PAGECACHE", "4g"),
        # 0: a free port chosen when the server starts.
        growthgraph_port=_int("BENCH_GROWTHGRAPH_PORT", 0, minimum=0),
        # 0: growthgraph serve's own default, one process per CPU (what `make run` deploys).
        growthgraph_workers=_int("BENCH_WORKERS", 0, minimum=0),
        apollo_port=_int("BENCH_APOLLO_PORT", 0, minimum=0),
        allow_wipe=os.environ.get("BENCH_ALLOW_WIPE", "") in {"1", "true", "yes"},
        data_dir=Path(_str("BENCH_DATA_DIR", str(REPO / "bench" / "data"))).resolve(),
        results_dir=Path(results).resolve() if results else default_results,
    )
