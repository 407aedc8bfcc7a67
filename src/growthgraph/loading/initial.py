"""``growthgraph import --initial DIR``: the first load of an empty database through Neo4j's
offline importer, ``neo4j-admin database import full``, on the local instance of
``neo4j/local.py``.

The files are read, validated and planned by the online import's own code (``rows``, ``plan``),
so the rejects are the same; the leaderboard counters are computed in memory from the planned
referral forest (``rows.forest_counters``), as create mode does; ``admin_files`` writes the admin
tool's CSV files. The launcher then stops the server, runs the admin tool with the current
database kept aside (put back if the tool fails or is interrupted) and starts the server again.
Last, the constraints and indexes are created and populated and the counts per label and per type
are checked against the files.

It refuses, changing nothing, a database that holds any node and a Neo4j it cannot stop (a
``NEO4J_URI`` that is not the local instance): the online import loads those.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString
from urllib.parse import urlsplit

from growthgraph.config import Settings
from growthgraph.errors import ServiceUnavailableError
from growthgraph.graph import counters
from growthgraph.graph import loading as cypher
from growthgraph.graph.constraints import apply_schema
from growthgraph.graph.database import Database
from growthgraph.loading import files
from growthgraph.loading.admin_files import AdminFiles, write_admin_files
from growthgraph.loading.dataset import CostRow, load_costs
from growthgraph.loading.files import Reject
from growthgraph.loading.plan import Existing, plan
from growthgraph.loading.rows import forest_counters, gc_paused, read_directory

LAUNCHER = Path(__file__).resolve().parents[3] / "neo4j" / "local.py"
ONLINE = "load it with the online import instead: `growthgraph import DIR` (without --initial)"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
PHASES = 7
Say = Callable[[str], object]


class InitialLoadError(Exception):
    """The initial load did not happen; the message says why and what the database holds."""


class RefusedError(InitialLoadError):
    """Refused before anything was changed."""


@dataclass(slots=True)
class InitialOutcome:
    loaded: dict[str, int] = field(default_factory=dict[str, int])
    rejects: list[Reject] = field(default_factory=list[Reject])
    nodes: dict[LiteralString, int] = field(default_factory=dict[LiteralString, int])
    relationships: dict[LiteralString, int] = field(default_factory=dict[LiteralString, int])
    seconds: dict[str, float] = field(default_factory=dict[str, float])


def launcher() -> Any:
    """``neo4j/local.py`` loaded as a module (its folder is named like the driver package, so it
    is loaded by path); the same module object as the tests' when they loaded it first."""
    loaded = sys.modules.get("growthgraph_local_neo4j")
    if loaded is not None:
        return loaded
    if not LAUNCHER.is_file():
        raise RefusedError(
            f"the initial load runs neo4j-admin through {LAUNCHER}, which is missing (it comes "
            f"with a checkout of growthgraph); {ONLINE}"
        )
    spec = importlib.util.spec_from_file_location("growthgraph_local_neo4j", LAUNCHER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while it executes
    spec.loader.exec_module(module)
    return module


def local_instance(settings: Settings, local: Any, env: Mapping[str, str] | None) -> Any:
    """The launcher's settings of the running local instance that ``settings.neo4j_uri`` names;
    anything else is refused, before a connection is opened."""
    uri = settings.neo4j_uri
    parts = urlsplit(uri)
    if parts.scheme not in {"bolt", "neo4j"} or parts.hostname not in LOOPBACK:
        raise RefusedError(
            f"NEO4J_URI={uri} is not the local Neo4j of neo4j/local.py: the initial load must "
            f"stop the server to run neo4j-admin, which it can only do on this machine's local "
            f"instance. Nothing was changed; {ONLINE}"
        )
    if settings.neo4j_database != local.DATABASE:
        raise RefusedError(
            f"NEO4J_DATABASE={settings.neo4j_database}: the initial load writes the local "
            f"instance's {local.DATABASE!r} database only. Nothing was changed; {ONLINE}"
        )
    try:
        configured = local.load_settings(env)
    except local.LocalNeo4jError as exc:
        raise RefusedError(f"the local Neo4j settings are unusable: {exc}") from None
    live = local.live_settings(configured)
    name = configured.instance
    if live is None:
        raise RefusedError(
            f"the local Neo4j instance {name!r} (GROWTHGRAPH_NEO4J_INSTANCE) is not running: "
            f"start it with `make neo4j-start`, or, if NEO4J_URI is another Neo4j, {ONLINE}"
        )
    port = parts.port or 7687
    if port != live.bolt_port:
        raise RefusedError(
            f"NEO4J_URI={uri} is not the local instance {name!r}, which listens on Bolt port "
            f"{live.bolt_port} (GROWTHGRAPH_NEO4J_INSTANCE / GROWTHGRAPH_NEO4J_BOLT_PORT name "
            f"the instance to stop). Nothing was changed; {ONLINE}"
        )
    return live


def _connect(settings: Settings) -> Database:
    return Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=3600.0,  # index population of millions of nodes
        pool_size=2,
    )


SHOW_SCHEMA: LiteralString = """
SHOW CONSTRAINTS YIELD createStatement
RETURN collect(createStatement) AS statements
"""
SHOW_INDEXES: LiteralString = """
SHOW INDEXES YIELD type, owningConstraint, createStatement
WHERE type <> 'LOOKUP' AND owningConstraint IS NULL
RETURN collect(createStatement) AS statements
"""


async def _empty_with_schema(db: Database) -> list[str]:
    """Refuses a database that holds a node; else the statements that re-create its schema
    (constraints, then indexes: the admin tool replaces the database, schema included)."""
    await db.verify()
    if not await cypher.is_empty(db):
        raise RefusedError(
            "the database is not empty: the initial load replaces the whole database, so it "
            f"only loads an empty one. Nothing was changed; {ONLINE}, which adds to what is "
            "stored"
        )
    statements: list[str] = []
    for query in (SHOW_SCHEMA, SHOW_INDEXES):
        rows = await db.read(query)
        statements += [str(s) for s in rows[0]["statements"]]
    return statements


async def _create_schema(db: Database, kept: list[str]) -> None:
    """The empty database's own schema again, then the application's (which waits for every
    index to be online)."""
    for statement in kept:
        query: Any = statement  # read back from SHOW, never from input
        await db.write(query)
    await apply_schema(db)


_COUNT_NODES: LiteralString = "MATCH (n:$LABEL) RETURN count(n) AS n"
_COUNT_RELS: LiteralString = "MATCH ()-[r:$TYPE]->() RETURN count(r) AS n"
_COUNT_ALL: LiteralString = "MATCH (n) RETURN count(n) AS n"


async def _counts(
    db: Database, labels: list[LiteralString], types: list[LiteralString]
) -> tuple[dict[LiteralString, int], dict[LiteralString, int], int]:
    """Nodes per label and relationships per type (from the count store), and all nodes."""
    nodes: dict[LiteralString, int] = {}
    relationships: dict[LiteralString, int] = {}
    for label in labels:
        query = _COUNT_NODES.replace("$LABEL", label)
        nodes[label] = int((await db.read(query))[0]["n"])
    for kind in types:
        query = _COUNT_RELS.replace("$TYPE", kind)
        relationships[kind] = int((await db.read(query))[0]["n"])
    total = int((await db.read(_COUNT_ALL))[0]["n"])
    return nodes, relationships, total


class _Phases:
    """Progress across the phases: a line when one starts and when it ends, with its time."""

    def __init__(self, say: Say, seconds: dict[str, float]) -> None:
        self._say = say
        self._seconds = seconds
        self._done = 0

    @contextmanager
    def __call__(self, name: str) -> Generator[None]:
        self._done += 1
        step = f"[{self._done}/{PHASES}] {name}"
        self._say(f"{step} ...")
        began = time.perf_counter()
        yield
        self._seconds[name] = took = time.perf_counter() - began
        self._say(f"{step}: done in {took:.1f}s")


def _loaded(files_written: AdminFiles) -> dict[str, int]:
    """Rows loaded per kind, named as the online import names them."""
    nodes = files_written.node_counts()
    rels = files_written.relationship_counts()
    return {
        "influencers": nodes["Influencer"],
        "partners": nodes["Partner"],
        "campaigns": nodes["Campaign"],
        "users": nodes["User"],
        "referrals": rels["REFERRED"],
        "invites": nodes["Invite"],
        "acceptances": rels["ACCEPTED"],
        "conversions": nodes["Conversion"],
        "activities": nodes["Activity"],
        "connections": rels["CONNECTED_TO"],
    }


def _silent(_line: str) -> None:
    return None


async def initial_load(
    settings: Settings,
    directory: Path,
    *,
    local_env: Mapping[str, str] | None = None,
    say: Say = _silent,
) -> InitialOutcome:
    """Load ``directory`` into the empty database of the local instance with the admin tool.

    ``local_env`` holds the launcher's settings (``GROWTHGRAPH_NEO4J_*``, default: the process's
    environment). Raises ``RefusedError`` (nothing changed) or ``InitialLoadError``."""
    local = launcher()
    instance = local_instance(settings, local, local_env)
    try:  # both formats of one kind: refused before anything is read
        files.find_files(directory)
    except ValueError as exc:
        raise RefusedError(f"{directory}: {exc}. Nothing was changed") from None
    kept_schema = await _check_empty(settings)
    outcome = InitialOutcome()
    phase = _Phases(say, outcome.seconds)
    staging = staging_folder(instance.import_dir)
    try:
        written, costs = _prepare(directory, staging, outcome, phase)
        kept_schema = await _check_empty(settings)  # once more, right before the server stops
        with phase("neo4j-admin database import (the server is stopped, then started)"):
            try:
                local.admin_import(
                    instance,
                    [(f.name, f.path) for f in written.nodes],
                    [(f.name, f.path) for f in written.relationships],
                    multiline_fields=written.multiline,
                )
            except local.LocalNeo4jError as exc:
                raise InitialLoadError(str(exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    outcome.loaded = _loaded(written)
    await _finish(settings, written, kept_schema, outcome, phase)
    outcome.loaded["costs"] = await _load_costs(settings, costs)
    return outcome


async def _load_costs(settings: Settings, costs: list[CostRow]) -> int:
    """Cost entries are few: written online, as the online import writes them, once the
    server runs again with its constraints."""
    if not costs:
        return 0
    db = _connect(settings)
    try:
        return await load_costs(db, costs, 10_000, None)
    finally:
        await db.close()


def staging_folder(import_dir: Path) -> Path:
    """A new folder for the admin tool's files, named by this process; those of a process that
    no longer runs (killed during a load) are deleted."""
    import_dir.mkdir(parents=True, exist_ok=True)
    for left in import_dir.glob("initial-*-*"):
        pid = left.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists():
            shutil.rmtree(left, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"initial-{os.getpid()}-", dir=import_dir))


async def _check_empty(settings: Settings) -> list[str]:
    db = _connect(settings)
    try:
        return await _empty_with_schema(db)
    except ServiceUnavailableError:
        raise RefusedError(
            f"Neo4j at {settings.neo4j_uri} does not answer; nothing was changed"
        ) from None
    finally:
        await db.close()


def _prepare(
    directory: Path, staging: Path, outcome: InitialOutcome, phase: _Phases
) -> tuple[AdminFiles, list[CostRow]]:
    """Read, check and plan the files as the online import does, compute the counters and write
    the admin tool's files; the rejects go into ``outcome``. The planned cost entries are
    returned to be written online afterwards."""
    with phase(f"reading and checking {directory}"), gc_paused():
        parsed, read_rejects = read_directory(directory)
        todo = plan(parsed, Existing())
        del parsed
        outcome.rejects = sorted(todo.rejects + read_rejects, key=lambda r: (r.file, r.line))
    with phase("computing the leaderboard counters"), gc_paused():
        forest = forest_counters(todo.referrals)
    with phase("writing the admin tool's files"):
        return write_admin_files(todo, forest, staging), todo.costs


async def _finish(
    settings: Settings,
    written: AdminFiles,
    kept_schema: list[str],
    outcome: InitialOutcome,
    phase: _Phases,
) -> None:
    """Constraints and indexes, then the counts against the files and the counters against the
    edges."""
    db = _connect(settings)
    try:
        await db.verify()
        with phase("creating the constraints and indexes, waiting until they are online"):
            await _create_schema(db, kept_schema)
        with phase("checking the counts against the files"):
            want_nodes, want_rels = written.node_counts(), written.relationship_counts()
            nodes, rels, total = await _counts(db, list(want_nodes), list(want_rels))
        with phase("checking every referral counter against the edges (counters check)"):
            survey = await counters.check(db)
    finally:
        await db.close()
    outcome.nodes, outcome.relationships = nodes, rels
    wrong = [
        f"{name}: {have:,} in the database, {want[name]:,} in the files"
        for have_by, want in ((nodes, want_nodes), (rels, want_rels))
        for name, have in have_by.items()
        if have != want[name]
    ]
    if total != sum(want_nodes.values()):
        wrong.append(f"{total:,} nodes in all, {sum(want_nodes.values()):,} in the files")
    if survey.differing:
        wrong.append(
            f"{survey.differing:,} nodes hold referral counters that differ from the edges "
            f"({'; '.join(survey.sample[:3])})"
        )
    if wrong:
        raise InitialLoadError(
            "the admin tool finished, but the database does not hold what the files do: "
            + "; ".join(wrong)
        )
