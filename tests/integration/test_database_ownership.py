"""On a real Neo4j: the suite refuses a database holding data it did not write, and leaves it as
it was; it takes an empty one and keeps its own.

These tests briefly make the session's database look like someone else's (marker removed, a node
added) and always put it back: the node they added is deleted by its id and the marker rewritten,
so the rest of the session finds the database as ``clean_db`` leaves it.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from growthgraph.config import Settings
from growthgraph.graph.database import Database
from tests.support import ownership
from tests.support.ownership import ForeignDatabaseError, State, Target

REPO = Path(__file__).resolve().parents[2]

FOREIGN = "CREATE (:User {id: $id, name: 'Somebody else', note: 'not written by the suite'})"
FIND = "MATCH (u:User {id: $id}) RETURN u.name AS name, u.note AS note"
REMOVE = "MATCH (u:User {id: $id}) DETACH DELETE u"

# A session of one test that asks for the database the way every test does and records that it
# ran, which it must not when the session refuses the database.
PROBE = """
from pathlib import Path

from growthgraph.graph.database import Database


async def test_probe(clean_db: Database) -> None:
    Path(__file__).with_name("probe-ran").write_text("ran")
"""


@pytest.fixture
def target(settings: Settings) -> Target:
    return Target(uri=settings.neo4j_uri, database=settings.neo4j_database, source="this test")


@pytest_asyncio.fixture
async def unmarked(clean_db: Database) -> AsyncIterator[str]:
    """The session's database, empty and without the marker; yields an id for a foreign node.
    Afterwards that node is gone and the marker is back, whatever the test did."""
    foreign_id = f"foreign-{uuid.uuid4()}"
    await clean_db.write(ownership.DROP_MARKER)
    try:
        yield foreign_id
    finally:
        await clean_db.write(REMOVE, {"id": foreign_id})
        await ownership.write_marker(clean_db)
        assert (await ownership.read_state(clean_db)).marked


async def _foreign_node(db: Database, foreign_id: str) -> dict[str, Any]:
    rows = await db.read(FIND, {"id": foreign_id})
    assert len(rows) == 1, "the foreign node is gone"
    return rows[0]


async def test_data_without_the_marker_is_refused_and_left_untouched(
    unmarked: str, clean_db: Database, target: Target
) -> None:
    await clean_db.write(FOREIGN, {"id": unmarked})
    before = await ownership.read_state(clean_db)
    assert before == State(nodes=1, marked=False)

    with pytest.raises(ForeignDatabaseError) as refused:
        await ownership.claim(clean_db, target)

    message = str(refused.value)
    assert f"{target.database!r} at {target.uri}" in message
    assert "holds 1 node and no marker" in message
    assert "unset NEO4J_URI" in message
    assert "an empty database" in message
    # Nothing written: the node is as it was and the database still carries no marker.
    assert await ownership.read_state(clean_db) == before
    assert await _foreign_node(clean_db, unmarked) == {
        "name": "Somebody else",
        "note": "not written by the suite",
    }


async def test_a_session_given_such_a_database_stops_before_any_test(
    unmarked: str, clean_db: Database, settings: Settings, tmp_path: Path
) -> None:
    """The whole path a developer would take: a pytest session with NEO4J_URI pointing at a
    database that holds someone's node. It stops at once, names the database, runs no test,
    and the node survives."""
    await clean_db.write(FOREIGN, {"id": unmarked})
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("NEO4J_", "PYTEST_"))  # PYTEST_ADDOPTS may name a report file
    }
    env |= {
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
    }
    session = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tests.conftest",  # the suite's fixtures, for a test file outside the tree
        "-p",
        "no:cacheprovider",
        "-c",
        str(REPO / "pyproject.toml"),
        "--rootdir",
        str(REPO),
        str(probe),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(session.communicate(), timeout=120)
    output = out.decode()

    assert session.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert f"{settings.neo4j_database!r} at {settings.neo4j_uri} (from NEO4J_URI)" in output
    assert "unset NEO4J_URI" in output
    assert not (tmp_path / "probe-ran").exists()
    assert await ownership.read_state(clean_db) == State(nodes=1, marked=False)
    assert (await _foreign_node(clean_db, unmarked))["name"] == "Somebody else"


async def test_an_empty_database_is_taken_and_marked(
    unmarked: str, clean_db: Database, target: Target
) -> None:
    assert unmarked  # the fixture removed the marker from the empty database
    assert await ownership.claim(clean_db, target) == State(nodes=0, marked=False)
    assert await ownership.read_state(clean_db) == State(nodes=0, marked=True)


async def test_a_marked_database_is_the_suites_own_whatever_it_holds(
    clean_db: Database, target: Target
) -> None:
    await clean_db.write("CREATE (:User {id: 'left-by-an-earlier-test'})")
    assert await ownership.claim(clean_db, target) == State(nodes=1, marked=True)
    # Taking a database deletes nothing: clearing is clean_db's job, once per test.
    assert await ownership.read_state(clean_db) == State(nodes=1, marked=True)
