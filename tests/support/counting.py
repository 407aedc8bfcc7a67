"""The real database, counting the read and write round trips made through it."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, LiteralString

from growthgraph.config import Settings
from growthgraph.graph.database import Database, Params, Row


class CountingDatabase(Database):
    """The real database, counting the read and write round trips made through it."""

    reads = 0
    writes = 0

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        self.reads += 1
        return await super().read(query, params)

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        self.writes += 1
        return await super().write(query, params)

    async def write_tx(self, work: Any) -> Any:
        self.writes += 1
        return await super().write_tx(work)


@asynccontextmanager
async def counting_database(settings: Settings) -> AsyncGenerator[CountingDatabase]:
    """A second connection to the suite's database that counts its round trips."""
    database = CountingDatabase.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=60.0,
    )
    try:
        yield database
    finally:
        await database.close()
