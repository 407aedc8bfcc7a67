"""The snapshot behind every "nothing was written" check counts: a second identical edge or node,
written straight with Cypher, makes it differ, and so does any change of a property, while
reading it twice, or deleting and re-creating an identical edge, does not."""

from __future__ import annotations

from typing import LiteralString

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import ConversionRow, load_dataset
from tests.support.handmade import at, handmade
from tests.support.snapshot import snapshot

# A copy of one edge, between the same two nodes, with the same properties.
SECOND_REFERRED: LiteralString = """
MATCH (a:Influencer {id: 'x'})-[r:REFERRED]->(b:User {id: 'c1'})
CREATE (a)-[copy:REFERRED]->(b) SET copy = properties(r)
"""
SECOND_CONVERTED: LiteralString = """
MATCH (u:User {id: 'c4'})-[r:CONVERTED]->(c:Conversion {id: 'k1'})
CREATE (u)-[copy:CONVERTED]->(c) SET copy = properties(r)
"""


@pytest.fixture
async def loaded(clean_db: Database) -> Database:
    data = handmade()
    data.conversions = [ConversionRow("k1", "c4", at(40), 10_000)]
    await load_dataset(clean_db, data)
    return clean_db


async def test_reading_twice_gives_equal_snapshots(loaded: Database) -> None:
    first = await snapshot(loaded)
    assert await snapshot(loaded) == first
    assert first.types["REFERRED"] == first.relationships_of("REFERRED") > 0
    assert first.relationships_of("REFERRED", start="x", end="c1") == 1


async def test_a_second_identical_referred_edge_is_a_change(loaded: Database) -> None:
    before = await snapshot(loaded)
    await loaded.write(SECOND_REFERRED)
    after = await snapshot(loaded)
    assert after != before
    assert after.relationships_of("REFERRED", start="x", end="c1") == 2
    assert after.types["REFERRED"] == before.types["REFERRED"] + 1
    # The only difference is the one extra copy of that row.
    extra = after.relationships - before.relationships
    assert [(row.type, row.start.id, row.end.id, n) for row, n in extra.items()] == [
        ("REFERRED", "x", "c1", 1)
    ]
    assert not before.relationships - after.relationships
    assert after.nodes == before.nodes


async def test_a_duplicate_converted_edge_is_a_change(loaded: Database) -> None:
    before = await snapshot(loaded)
    assert before.relationships_of("CONVERTED", start="c4", end="k1") == 1
    await loaded.write(SECOND_CONVERTED)
    after = await snapshot(loaded)
    assert after != before
    assert after.relationships_of("CONVERTED", start="c4", end="k1") == 2
    assert after.types["CONVERTED"] == before.types["CONVERTED"] + 1


async def test_a_second_identical_node_is_a_change(loaded: Database) -> None:
    # Labels without a uniqueness constraint can hold twins; the snapshot must count them.
    await loaded.write("CREATE (:Probe {name: 'twin'})")
    before = await snapshot(loaded)
    await loaded.write("CREATE (:Probe {name: 'twin'})")
    after = await snapshot(loaded)
    assert after != before
    assert after.nodes_with("Probe", name="twin") == 2
    assert after.labels["Probe"] == before.labels["Probe"] + 1 == 2


async def test_an_edge_between_twins_is_told_apart_by_its_end_properties(
    loaded: Database,
) -> None:
    # Ends without an id are named by their properties: an edge moved between two id-less
    # nodes that differ only in a property is a change.
    await loaded.write(
        "CREATE (:Probe {name: 'a'})-[:LINKS]->(:Probe {name: 'b'}), (:Probe {name: 'c'})"
    )
    before = await snapshot(loaded)
    await loaded.write(
        "MATCH (a:Probe {name: 'a'})-[r:LINKS]->(), (c:Probe {name: 'c'}) "
        "DELETE r CREATE (a)-[:LINKS]->(c)"
    )
    after = await snapshot(loaded)
    assert after != before
    assert after.types == before.types


async def test_a_changed_property_is_a_change(loaded: Database) -> None:
    before = await snapshot(loaded)
    await loaded.write("MATCH (:Influencer {id: 'x'})-[r:REFERRED]->() SET r.channel = 'other'")
    assert await snapshot(loaded) != before
    await loaded.write("MATCH (:Influencer {id: 'x'})-[r:REFERRED]->() SET r.channel = 'link'")
    assert await snapshot(loaded) == before
    await loaded.write("MATCH (u:User {id: 'o2'}) SET u.plan = 'pro'")
    assert await snapshot(loaded) != before


async def test_an_edge_deleted_and_made_again_is_no_change(loaded: Database) -> None:
    before = await snapshot(loaded)
    await loaded.write(
        "MATCH (a:Influencer {id: 'x'})-[r:REFERRED]->(b:User {id: 'c1'}) "
        "WITH a, b, r, properties(r) AS props DELETE r "
        "CREATE (a)-[copy:REFERRED]->(b) SET copy = props"
    )
    assert await snapshot(loaded) == before


async def test_a_deleted_edge_is_a_change(loaded: Database) -> None:
    before = await snapshot(loaded)
    await loaded.write("MATCH (:User {id: 'c4'})-[r:CONVERTED]->() DELETE r")
    after = await snapshot(loaded)
    assert after != before
    assert "CONVERTED" not in after.types
