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
