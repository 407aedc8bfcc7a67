"""The Neo4j transaction timeout stops a runaway statement and surfaces as QUERY_TIMEOUT."""

from __future__ import annotations

import time

import pytest

from growthgraph.config import Settings
from growthgraph.errors import QueryTimeoutError
from growthgraph.graph.database import Database

# About 4e8 rows: many seconds of work, far beyond the 0.5 s budget below.
RUNAWAY = "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b RETURN count(*) AS n"


async def test_transaction_timeout_is_a_coded_error(settings: Settings) -> None:
    db = Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=0.5,
    )
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError) as caught:
            await db.read(RUNAWAY)
        assert time.monotonic() - started < 10
        assert caught.value.extensions == {"code": "QUERY_TIMEOUT"}
        assert db.in_flight == 0
        assert await db.read("RETURN 1 AS one") == [{"one": 1}]
    finally:
        await db.close()
