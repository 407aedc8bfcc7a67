"""The suite clears only a database it owns.

Tests start from ``delete_everything``; pointed at the wrong database, that would wipe someone's
data. So before any test touches the database, the session decides whether it may:

- a database without a single node is taken: the session writes the suite's marker and goes on;
- a database that carries the marker was taken by an earlier session and is the suite's own;
- anything else stops the session at once. Deciding reads two counts and writes nothing.

The marker is a schema index on a label the application never uses (``GrowthgraphTestSuite``),
not a node. ``delete_everything`` removes nodes only, so the marker outlives every clean-up, and no
node count, snapshot of the graph or emptiness check can see it: the importer chooses its create
mode on a database with no nodes at all, which a marker node would defeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from growthgraph.graph.database import Database

MARKER_LABEL = "GrowthgraphTestSuite"
MARKER_INDEX = "growthgraph_test_suite_marker"

# The marker's name and label are spelled out: Cypher cannot take them as parameters.
WRITE_MARKER: LiteralString = (
    "CREATE INDEX growthgraph_test_suite_marker IF NOT EXISTS "
    "FOR (n:GrowthgraphTestSuite) ON (n.marker)"
)
DROP_MARKER: LiteralString = "DROP INDEX growthgraph_test_suite_marker IF EXISTS"
COUNT_MARKERS: LiteralString = (
    "SHOW INDEXES YIELD name WHERE name = 'growthgraph_test_suite_marker' RETURN count(*) AS n"
)
COUNT_NODES: LiteralString = "MATCH (n) RETURN count(n) AS n"


@dataclass(frozen=True, slots=True)
class Target:
    """The database a session was given, as the messages name it."""

    uri: str
    database: str
    source: str  # how the session got it: "NEO4J_URI", a container, the local test instance
    wipe_hint: str | None = None  # how to empty it, when it is the suite's local instance


@dataclass(frozen=True, slots=True)
class State:
    nodes: int
    marked: bool


class ForeignDatabaseError(RuntimeError):
    """The database holds data the suite did not write: the session must not touch it."""


def may_clear(state: State) -> bool:
    """The rule: the suite owns a database that carries its marker or holds no node at all."""
    return state.marked or state.nodes == 0


async def read_state(db: Database) -> State:
    nodes = await db.read(COUNT_NODES)
    markers = await db.read(COUNT_MARKERS)
    return State(nodes=int(nodes[0]["n"]), marked=int(markers[0]["n"]) > 0)


async def write_marker(db: Database) -> None:
    await db.write(WRITE_MARKER)


def refusal(target: Target, state: State) -> str:
    """Why the session stops, which database it refused, and how to give the suite its own."""
    nodes = f"{state.nodes:,} node" + ("" if state.nodes == 1 else "s")
    lines = [
        f"The test suite will not use Neo4j database {target.database!r} at {target.uri} "
        f"(from {target.source}): it holds {nodes} and no marker of the test suite, "
        "so it may be someone's data, and the tests delete every node of the database they use. "
        "Nothing was changed.",
        "Give the suite a database of its own:",
        "  - unset NEO4J_URI: the suite then starts a Neo4j container (when Docker answers) or its "
        "local test instance (neo4j/local.py, instance 'test', bolt://127.0.0.1:17687);",
        "  - or point NEO4J_URI (and NEO4J_DATABASE) at an empty database.",
        f"The suite takes an empty database by writing its marker (index {MARKER_INDEX} on "
        f":{MARKER_LABEL}) and clears only databases that carry it.",
    ]
    if target.wipe_hint is not None:
        lines.append(
            "This is the suite's local test instance, holding data it did not mark (written "
            "before the marker existed, or by something else). If none of it is needed, empty it "
            f"with: {target.wipe_hint}"
        )
    return "\n".join(lines)


async def claim(db: Database, target: Target) -> State:
    """Take the database for the suite (marking it if it is empty) and return what was found,
    or raise ``ForeignDatabaseError``, having written nothing."""
    state = await read_state(db)
    if not may_clear(state):
        raise ForeignDatabaseError(refusal(target, state))
    if not state.marked:
        await write_marker(db)
    return state
