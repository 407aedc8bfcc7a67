"""``growthgraph import --initial`` (``loading.initial``) on a real local Neo4j: the admin tool's
graph equals the online create mode's, whole-graph snapshots compared; a failing admin tool leaves
the database as it was; a non-empty database is refused with nothing changed.

The initial load stops and starts the server it imports into, so it runs on this module's own
instance (``itest-initial``) under a temporary home, on free ports, sharing only the installed
jars (as ``test_local_neo4j_server`` does); the online import runs on the suite's database.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from neo4j.time import DateTime
from pydantic import SecretStr

from growthgraph.config import Settings
from growthgraph.graph import counters
from growthgraph.graph.constraints import SCHEMA_STATEMENTS
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import initial
from growthgraph.loading.admin_files import AdminFiles, write_admin_files
from growthgraph.loading.generate import generate_files
from growthgraph.loading.plan import Plan
from growthgraph.loading.rows import forest_counters
from growthgraph.loading.run import run_import
from tests.support.local_neo4j import local, private_instance_env

INSTANCE = "itest-initial"
PASSWORD = "itest-initial-password"
USERS = 300


@dataclass(frozen=True)
class Instance:
    env: dict[str, str]
    settings: Any  # the launcher's

    @property
    def app_settings(self) -> Settings:
        return Settings(
            neo4j_uri=str(self.settings.bolt_url),
            neo4j_password=SecretStr(PASSWORD),
            demo_data=False,
        )

    def connect(self) -> Database:
        return Database.connect(
            str(self.settings.bolt_url), "neo4j", PASSWORD, database="neo4j", timeout_s=60.0
        )

    def pid(self) -> int | None:
        found: int | None = local.running_pid(self.settings)
        return found


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    env = private_instance_env(
        tmp_path_factory, instance=INSTANCE, password=PASSWORD, purpose="the initial-load tests"
    )
    settings = local.load_settings(env)
    local.start(settings)
    try:
        yield Instance(env, settings)
    finally:
        local.stop(settings)
        shutil.rmtree(env["GROWTHGRAPH_NEO4J_HOME"], ignore_errors=True)  # a store preallocates MBs


@pytest_asyncio.fixture
async def own_db(instance: Instance) -> AsyncIterator[Database]:
    db = instance.connect()
    yield db
    await db.close()


def _with_consent_and_erasures(path: Path) -> None:
    """Some generated users recorded consent (every 7th), some were erased (every 50th), as an
    export writes them."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for n, row in enumerate(rows):
        if n % 50 == 49:
            row.update(name="[erased]", email="[erased]", country="", ipHash="", deviceHash="")
            row.update(consentMarketing="false", consentAnalytics="false")
            row.update(
                consentUpdatedAt="2026-01-02T03:04:05.123456Z",
                erasedAt="2026-01-02T03:04:05.123456Z",
            )
        elif n % 7 == 0:
            row.update(consentMarketing="true", consentAnalytics=["true", "false"][n % 2])
            row.update(consentUpdatedAt="2025-06-01T12:00:00+02:00")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated set with consent and erasures, plus rows that test the CSV dialect and the
    rejects report."""
    out = tmp_path_factory.mktemp("initial-files")
    generate_files(out, users=USERS, seed=12)
    _with_consent_and_erasures(out / "users.csv")
    none = [""] * 10
    with (out / "users.csv").open("a", newline="", encoding="utf-8") as handle:
        rows = csv.writer(handle)
        odd = [
            "odd-1",
            'O"Brien, Jr.\nsecond line',
            "odd@example.com",
            "2024-03-01T10:00:00.5+02:00",
        ]
        rows.writerow([*odd, *none])
        rows.writerow(["u-000001", "Again", "again@example.com", "2024-01-01T00:00:00Z", *none])
        rows.writerow(["bad-1", "Bad", "not-an-email", "2024-01-01T00:00:00Z", *none])
        consent = ["yes", "false", "2025-01-01T00:00:00Z", ""]
        rows.writerow(
            ["bad-2", "Bad", "bad@example.com", "2024-01-01T00:00:00Z", *none[4:], *consent]
        )
    with (out / "referrals.csv").open("a", newline="", encoding="utf-8") as handle:
        rows = csv.writer(handle)
        rows.writerow(["odd-1", "USER", "u-000001", "", ""])
        rows.writerow(["odd-1", "USER", "u-000002", "", ""])  # a second referrer: rejected
        rows.writerow(["u-000003", "USER", "nobody", "", ""])
    return out


def _value(value: Any) -> Any:
    if isinstance(value, DateTime):
        return ("datetime", value.iso_format(), str(value.tzinfo))
    if isinstance(value, list):
        return [_value(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


def _canonical(row: dict[str, Any]) -> str:
    return repr(sorted((k, _value(v)) for k, v in row.items()))


SNAPSHOT_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
SNAPSHOT_RELS = """
MATCH (a)-[r]->(b)
RETURN labels(a) AS fromLabels, a.id AS fromId, type(r) AS type, properties(r) AS props,
       labels(b) AS toLabels, b.id AS toId
"""


async def _snapshot(db: Database) -> list[str]:
    """Every node (labels, every property) and every relationship (type, properties, ends), as
    sorted canonical text."""
    nodes = await db.read(SNAPSHOT_NODES)
    rels = await db.read(SNAPSHOT_RELS)
    return sorted(
        [_canonical({"labels": r["labels"], **r["props"]}) for r in nodes]
        + [_canonical({**r, "props": _canonical(r["props"])}) for r in rels]
    )


async def test_a_remote_or_unknown_neo4j_is_refused_before_anything(
    instance: Instance, files: Path
) -> None:
    for uri in ("bolt://neo4j.example.com:7687", "neo4j+s://abc.databases.neo4j.io"):
        remote = Settings(neo4j_uri=uri, neo4j_password=SecretStr(PASSWORD), demo_data=False)
        with pytest.raises(initial.RefusedError, match="growthgraph import DIR"):
            await initial.initial_load(remote, files, local_env=instance.env)
    other_port = Settings(
        neo4j_uri="bolt://127.0.0.1:1", neo4j_password=SecretStr(PASSWORD), demo_data=False
    )
    with pytest.raises(initial.RefusedError, match="not the local instance"):
        await initial.initial_load(other_port, files, local_env=instance.env)


async def test_a_database_that_is_not_empty_is_refused_and_left_running(
    instance: Instance, own_db: Database, files: Path
) -> None:
    await own_db.write("CREATE (:User {id: 'already-here'})")
    pid = instance.pid()
    with pytest.raises(initial.RefusedError, match="not empty"):
        await initial.initial_load(instance.app_settings, files, local_env=instance.env)
    assert instance.pid() == pid
    rows = await own_db.read("MATCH (n) RETURN collect(n.id) AS ids")
    assert rows[0]["ids"] == ["already-here"]
    await delete_everything(own_db)


async def test_a_failing_admin_tool_leaves_the_database_as_it_was(
    instance: Instance, own_db: Database, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await own_db.write("CREATE INDEX itest_marker IF NOT EXISTS FOR (n:ItestMarker) ON (n.id)")
    write = write_admin_files

    def corrupted(todo: Plan, forest: counters.Stored, out: Path) -> AdminFiles:
        written = write(todo, forest, out)
        referred = next(f for f in written.relationships if f.name == "REFERRED")
        with referred.path.open("a", encoding="utf-8") as handle:
            handle.write("u-000001,no-such-user,2024-01-01T00:00:00Z,,\n")
        return written

    monkeypatch.setattr(initial, "write_admin_files", corrupted)
    with pytest.raises(initial.InitialLoadError, match="left as it was") as failed:
        await initial.initial_load(instance.app_settings, files, local_env=instance.env)
    assert "no-such-user" in str(failed.value)  # the admin tool's reason is in the message
    assert instance.pid() is not None
    await own_db.verify()
    assert (await own_db.read("MATCH (n) RETURN count(n) AS n"))[0]["n"] == 0
    names = await own_db.read("SHOW INDEXES YIELD name RETURN collect(name) AS names")
    assert "itest_marker" in names[0]["names"]  # the same database, schema included
    await own_db.write("CREATE (:Probe {id: 'p'})")  # and usable
    await delete_everything(own_db)
    leftovers = [p.name for p in instance.settings.data_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert list(instance.settings.import_dir.iterdir()) == []


async def test_counters_that_differ_from_the_edges_fail_the_final_checks(
    instance: Instance, own_db: Database, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load ends with ``counters check`` inside Neo4j: one below count written wrong into the
    admin tool's files is found there and named in the error."""

    def off_by_one(referrals: Any) -> counters.Stored:
        right = forest_counters(referrals)
        key = max(right.below, key=lambda k: (right.below[k][0], k))
        below = dict(right.below)
        below[key] = (below[key][0] + 1, *below[key][1:])
        return counters.Stored(below=below, above=right.above)

    monkeypatch.setattr(initial, "forest_counters", off_by_one)
    with pytest.raises(initial.InitialLoadError, match="1 nodes hold referral counters") as failed:
        await initial.initial_load(instance.app_settings, files, local_env=instance.env)
    assert "below1..5 stored" in str(failed.value)
    await delete_everything(own_db)


async def test_the_initial_load_builds_the_same_graph_as_the_online_create_mode(
    instance: Instance, own_db: Database, clean_db: Database, files: Path
) -> None:
    await own_db.write("CREATE INDEX itest_marker IF NOT EXISTS FOR (n:ItestMarker) ON (n.id)")
    lines: list[str] = []
    outcome = await initial.initial_load(
        instance.app_settings, files, local_env=instance.env, say=lines.append
    )
    assert next(line for line in lines if line.endswith("...")).startswith("[1/7]")
    online = await run_import(clean_db, files)
    assert online.mode == "create"
    assert outcome.rejects == online.rejects
    assert len(outcome.rejects) == 5
    assert any("consentMarketing: must be true or false" in r.reason for r in outcome.rejects)
    assert outcome.loaded == {k: online.loaded.get(k, 0) for k in outcome.loaded}
    mine, theirs = await _snapshot(own_db), await _snapshot(clean_db)
    assert len(mine) > 1000
    assert mine == theirs
    for prop in ("consentMarketing", "consentAnalytics", "consentUpdatedAt", "erasedAt"):
        assert sum(prop in line for line in mine) >= USERS // 50, prop  # the new ones compared
    assert (await counters.check(own_db)).differing == 0
    names = await own_db.read(
        "SHOW INDEXES YIELD name, state RETURN collect([name, state]) AS found"
    )
    found = dict(names[0]["found"])
    assert "itest_marker" in found  # the empty database's own schema was kept
    for statement in SCHEMA_STATEMENTS:
        named = re.search(r"(?:INDEX|CONSTRAINT) (\w+) IF NOT EXISTS", statement)
        assert named is not None, statement
        assert found.get(named.group(1)) == "ONLINE", statement
    keyed = await own_db.read(
        "MATCH (n) WHERE n:Partner OR n:Campaign RETURN n.name AS name, n.nameSortKey AS key"
    )
    assert keyed
    for row in keyed:  # the name's sort key (graph.name_keys): the hex of its UTF-8 bytes
        assert bytes.fromhex(row["key"]).decode("utf-8") == row["name"], row
    odd = await own_db.read("MATCH (u:User {id: 'odd-1'}) RETURN u.name AS name")
    assert odd[0]["name"] == 'O"Brien, Jr.\nsecond line'
