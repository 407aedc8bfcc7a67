"""The rule that decides whether the suite may clear a database, and the message of a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ownership
from tests.support.ownership import MARKER_INDEX, MARKER_LABEL, State, Target, may_clear, refusal

SRC = Path(__file__).resolve().parents[2] / "src"
TARGET = Target(uri="bolt://db.example:7687", database="growth", source="NEO4J_URI")


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (State(nodes=0, marked=False), True),  # empty: taken and marked
        (State(nodes=0, marked=True), True),
        (State(nodes=12_345, marked=True), True),  # the suite's own, from an earlier session
        (State(nodes=1, marked=False), False),  # one node the suite did not write is enough
        (State(nodes=12_345, marked=False), False),
    ],
)
def test_only_an_empty_or_marked_database_may_be_cleared(state: State, allowed: bool) -> None:
    assert may_clear(state) is allowed


def test_the_refusal_names_the_database_and_how_to_give_the_suite_its_own() -> None:
    message = refusal(TARGET, State(nodes=12_345, marked=False))
    assert "'growth' at bolt://db.example:7687 (from NEO4J_URI)" in message
    assert "12,345 nodes" in message
    assert "Nothing was changed." in message
    assert "unset NEO4J_URI" in message
    assert "bolt://127.0.0.1:17687" in message
    assert "an empty database" in message
    assert "local.py wipe" not in message  # not the suite's local instance: never suggest a wipe


def test_on_the_local_test_instance_the_refusal_says_how_to_empty_it() -> None:
    local = Target(
        uri="bolt://127.0.0.1:17687",
        database="neo4j",
        source="local Neo4j Community (neo4j/local.py, instance test)",
        wipe_hint="GROWTHGRAPH_NEO4J_INSTANCE=test .venv/bin/python neo4j/local.py wipe",
    )
    message = refusal(local, State(nodes=3, marked=False))
    assert message.endswith(
        "empty it with: GROWTHGRAPH_NEO4J_INSTANCE=test .venv/bin/python neo4j/local.py wipe"
    )


def test_the_marker_statements_name_the_marker() -> None:
    assert f"{MARKER_INDEX} IF NOT EXISTS FOR (n:{MARKER_LABEL})" in ownership.WRITE_MARKER
    assert MARKER_INDEX in ownership.DROP_MARKER
    assert f"'{MARKER_INDEX}'" in ownership.COUNT_MARKERS


def test_the_application_never_uses_the_marker() -> None:
    """An application that wrote the label or the index could make a foreign database look like
    the suite's own."""
    sources = [p for p in SRC.rglob("*") if p.is_file() and p.suffix in {".py", ".graphql"}]
    assert len(sources) > 20
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert MARKER_LABEL not in text, path
        assert MARKER_INDEX not in text, path
