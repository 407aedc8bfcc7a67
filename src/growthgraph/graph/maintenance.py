"""Whole-graph housekeeping for tests and local resets: never exposed through the API."""

from __future__ import annotations

from typing import LiteralString

from growthgraph.graph.database import Database

DELETE_BATCH: LiteralString = """
MATCH (n) WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS deleted
"""


async def delete_everything(db: Database, *, batch: int = 20_000) -> None:
    """Delete every node and relationship, in bounded transactions."""
    while True:
        rows = await db.write(DELETE_BATCH, {"batch": batch})
        if int(rows[0]["deleted"]) == 0:
            return


SNAPSHOT_NODES: LiteralString = """
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props
ORDER BY n.id
LIMIT $limit
"""
SNAPSHOT_RELS: LiteralString = """
MATCH (a)-[r]->(b)
RETURN labels(a) AS from, a.id AS fromId, type(r) AS type, properties(r) AS props,
       labels(b) AS to, b.id AS toId
LIMIT $limit
"""


async def snapshot(db: Database, *, limit: int = 100_000) -> frozenset[str]:
    """Every node and relationship as canonical text: two equal snapshots mean nothing changed."""
    nodes = await db.read(SNAPSHOT_NODES, {"limit": limit})
    rels = await db.read(SNAPSHOT_RELS, {"limit": limit})
    return frozenset(repr(sorted(row.items(), key=lambda kv: kv[0])) for row in [*nodes, *rels])
