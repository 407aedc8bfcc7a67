"""The benchmark's data set: generated once, imported through ``growthgraph import``, marked with
a ``(:BenchDataset {users, seed})`` node and kept; reloaded only when the marker differs.

The write benchmark adds users whose ids start with ``WRITE_PREFIX``; they are removed at the start
and at the end of every run, so the data set stays the generated one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, LiteralString

from benchenv import BenchSettings, fail, progress
from growthgraph.graph.database import Database
from processes import local_neo4j, neo4j_env, start_local_neo4j

WRITE_PREFIX = "bw-"
GENERATED_PREFIX = "u-"  # ids of generated users (growthgraph/seed.py)
GROWTHGRAPH = Path(sys.executable).parent / "growthgraph"
BATCH = 10_000
WINDOW_DAYS = 30
# The importer's summary ("imported 80,137 valid rows (...)"): acceptances count as rows too.
IMPORTED = re.compile(r"(?:imported|initial load of) ([0-9,]+) valid rows")

# Asked only once the label exists: a MATCH on an unknown label draws a server warning.
HAS_MARKER: LiteralString = "CALL db.labels() YIELD label WHERE label = 'BenchDataset' RETURN 1"
READ_MARKER: LiteralString = "MATCH (m:BenchDataset) RETURN m {.*} AS m"
WRITE_MARKER: LiteralString = """
MERGE (m:BenchDataset {key: 'bench'})
SET m += $props
"""
# Are the leaderboard counters exact? False from the start of a write run with counter
# maintenance off until `growthgraph counters rebuild` has run.
SET_COUNTERS_READY: LiteralString = """
MATCH (m:BenchDataset {key: 'bench'}) SET m.countersReady = $ready
"""
COUNT_NODES: LiteralString = "MATCH (n) RETURN count(n) AS n"
DELETE_SOME: LiteralString = """
MATCH (n) WITH n LIMIT $batch
DETACH DELETE n RETURN count(*) AS n
"""
DELETE_WRITTEN: LiteralString = """
MATCH (u:User) WHERE u.id STARTS WITH $prefix
WITH u LIMIT $batch
DETACH DELETE u RETURN count(*) AS n
"""
REFERRER_IDS: LiteralString = """
MATCH (u:User) WHERE u.id STARTS WITH $prefix AND EXISTS { (u)-[:REFERRED]->(:User) }
RETURN u.id AS id ORDER BY id
"""
USER_IDS: LiteralString = """
MATCH (u:User) WHERE u.id STARTS WITH $prefix
RETURN u.id AS id ORDER BY id
"""
LAST_SIGN_UP: LiteralString = """
MATCH (u:User) WHERE u.id STARTS WITH $prefix
RETURN max(u.signedUpAt) AS last
"""
GRAPH_COUNTS: LiteralString = """
CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (:Influencer) RETURN count(*) AS influencers }
CALL () { MATCH (:Partner) RETURN count(*) AS partners }
CALL () { MATCH ()-[r:REFERRED]->() RETURN count(r) AS referrals }
RETURN users, influencers, partners, referrals
"""


@dataclass(frozen=True)
class DatasetInfo:
    users: int
    seed: int
    loaded_now: bool
    counters_ready: bool
    import_figures: dict[str, Any]  # when and how fast it was loaded (kept on the marker)
    counts: dict[str, int]


def connect(settings: BenchSettings, uri: str) -> Database:
    return Database.connect(
        uri,
        settings.neo4j_user,
        settings.neo4j_password,
        database=settings.neo4j_database,
        timeout_s=settings.timeout_s,
        pool_size=max(50, settings.concurrency * 2),
        acquire_timeout_s=60,
    )


async def read_marker(db: Database) -> dict[str, Any] | None:
    if not await db.read(HAS_MARKER):
        return None
    rows = await db.read(READ_MARKER)
    return dict(rows[0]["m"]) if rows else None


async def ensure_dataset(settings: BenchSettings, uri: str) -> DatasetInfo:
    """Reuse the loaded data set when its marker matches, else load it. Uses a connection of its
    own: emptying the benchmark's instance restarts it."""
    db = connect(settings, uri)
    try:
        await db.verify()
        marker = await read_marker(db)
        if marker and marker.get("users") == settings.users and marker.get("seed") == settings.seed:
            progress(f"data set of {settings.users:,} users (seed {settings.seed}) already loaded")
            return DatasetInfo(
                users=settings.users,
                seed=settings.seed,
                loaded_now=False,
                counters_ready=marker.get("countersReady") is True,
                import_figures={k: v for k, v in marker.items() if k.startswith("import")},
                counts=await graph_counts(db),
            )
        nodes = int((await db.read(COUNT_NODES))[0]["n"])
        if nodes and settings.neo4j_uri is not None:
            await empty_external(settings, db, marker, nodes)
    finally:
        await db.close()
    if nodes and settings.neo4j_uri is None:
        what = f"another data set ({marker})" if marker else f"{nodes:,} nodes and no bench marker"
        progress(f"the benchmark's instance holds {what}; wiping it first")
        # Deleting the instance's files is far faster than DETACH DELETE.
        local_neo4j(settings, "wipe", "--yes")  # its own instance: no question to ask
        start_local_neo4j(settings)
    files = generate_files(settings)
    figures = import_files(settings, files, uri)
    db = connect(settings, uri)
    try:
        props: dict[str, object] = {
            "users": settings.users,
            "seed": settings.seed,
            "countersReady": True,
            **figures,
        }
        await db.write(WRITE_MARKER, {"props": props})
        return DatasetInfo(
            users=settings.users,
            seed=settings.seed,
            loaded_now=True,
            counters_ready=True,  # growthgraph import keeps the counters exact as it loads
            import_figures=figures,
            counts=await graph_counts(db),
        )
    finally:
        await db.close()


async def empty_external(
    settings: BenchSettings, db: Database, marker: dict[str, Any] | None, nodes: int
) -> None:
    """Empty a database given by NEO4J_URI, only when allowed to."""
    what = f"another data set ({marker})" if marker else f"{nodes:,} nodes and no bench marker"
    if not settings.allow_wipe:
        fail(
            f"NEO4J_URI points at a database that holds {what}; set BENCH_ALLOW_WIPE=1 to let "
            "the benchmark delete everything in it, or point NEO4J_URI at an empty database"
        )
    progress(f"the database holds {what}; deleting it (BENCH_ALLOW_WIPE=1)")
    deleted = 0
    while n := int((await db.write(DELETE_SOME, {"batch": BATCH}))[0]["n"]):
        deleted += n
        progress(f"deleted {deleted:,} nodes")


def generate_files(settings: BenchSettings) -> Path:
    out = settings.data_dir / f"import-{settings.users}-seed-{settings.seed}"
    if (out / "users.csv").exists():
        progress(f"using the generated files in {out}")
        return out
    progress(f"generating {settings.users:,} users (seed {settings.seed}) into {out}")
    command = [str(GROWTHGRAPH), "generate", "--users", str(settings.users)]
    command += ["--seed", str(settings.seed), "--out", str(out)]
    subprocess.run(command, check=True)
    return out


def count_rows(files: Path) -> int:
    rows = 0
    for path in sorted(files.glob("*.csv")):
        if path.name == "rejects.csv":
            continue
        with path.open("rb") as handle:
            rows += max(0, sum(1 for _ in handle) - 1)  # less the header
    return rows


def import_files(settings: BenchSettings, files: Path, uri: str) -> dict[str, Any]:
    """Load the files into the (empty) database, timed: ``growthgraph import --initial`` (the
    offline admin importer) into the benchmark's own local instance, ``growthgraph import`` (the
    online one) into a database given by NEO4J_URI."""
    env = neo4j_env(settings) if settings.neo4j_uri is None else dict(os.environ)
    env.update(
        NEO4J_URI=uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        NEO4J_DATABASE=settings.neo4j_database,
        GROWTHGRAPH_QUERY_TIMEOUT="600",
    )
    initial = ["--initial"] if settings.neo4j_uri is None else []
    command = [str(GROWTHGRAPH), "import", *initial, str(files)]
    command += ["--rejects", str(files / "rejects.csv")]
    progress(f"importing: {' '.join(command[1:])}")
    started = time.perf_counter()
    # The progress bar goes to stderr as it is; the summary line (stdout) is read for its count.
    result = subprocess.run(command, env=env, check=False, stdout=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        fail(f"growthgraph import failed with exit code {result.returncode}")
    counted = IMPORTED.search(result.stdout)
    rows = int(counted.group(1).replace(",", "")) if counted else count_rows(files)
    progress(f"imported {rows:,} rows in {seconds:.1f}s ({rows / seconds:,.0f} rows/s)")
    return {
        "importedAt": datetime.now().astimezone().isoformat(timespec="seconds"),
        "importSeconds": round(seconds, 1),
        "importRows": rows,
        "importRowsPerSecond": round(rows / seconds, 1),
        "importCommand": "growthgraph import "
        + ("--initial " if initial else "")
        + "DIR --rejects DIR/rejects.csv",
    }


async def set_counters_ready(db: Database, *, ready: bool) -> None:
    await db.write(SET_COUNTERS_READY, {"ready": ready})


async def remove_written_users(db: Database) -> int:
    """Delete the users a write benchmark added (ids starting with ``WRITE_PREFIX``)."""
    removed = 0
    params: dict[str, object] = {"prefix": WRITE_PREFIX, "batch": BATCH}
    while n := int((await db.write(DELETE_WRITTEN, params))[0]["n"]):
        removed += n
    return removed


async def sample_ids(db: Database) -> tuple[list[str], list[str]]:
    """Ids of generated users that referred someone, and of all generated users."""
    params = {"prefix": GENERATED_PREFIX}
    referrers = [str(r["id"]) for r in await db.read(REFERRER_IDS, params)]
    users = [str(r["id"]) for r in await db.read(USER_IDS, params)]
    if not referrers or not users:
        fail("the data set holds no generated users with referrals")
    return referrers, users


async def last_window(db: Database) -> tuple[datetime, datetime]:
    """The last ``WINDOW_DAYS`` days of the generated users' sign-ups: [since, until)."""
    rows = await db.read(LAST_SIGN_UP, {"prefix": GENERATED_PREFIX})
    last: Any = rows[0]["last"]
    end = last.to_native() if hasattr(last, "to_native") else last
    if not isinstance(end, datetime):
        fail("could not read the latest sign-up time")
    until = end + timedelta(seconds=1)
    return until - timedelta(days=WINDOW_DAYS), until


async def graph_counts(db: Database) -> dict[str, int]:
    row = (await db.read(GRAPH_COUNTS))[0]
    return {key: int(value) for key, value in row.items()}
