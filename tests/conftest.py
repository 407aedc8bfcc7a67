"""Shared fixtures: one real Neo4j per session, a clean graph per test that asks for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from pydantic import SecretStr

from growthgraph.config import Settings
from growthgraph.graph.constraints import apply_schema
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from tests.support.neo4j_server import Neo4jServer, provide


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jServer]:
    try:
        server = provide()
    except Exception as exc:  # any failure to get a database must fail the run
        pytest.fail(f"no Neo4j could be had for the integration tests: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(neo4j_server: Neo4jServer) -> Settings:
    return Settings(
        neo4j_uri=neo4j_server.uri,
        neo4j_user=neo4j_server.user,
        neo4j_password=SecretStr(neo4j_server.password),
        demo_data=False,
    )


@pytest_asyncio.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=60.0,
    )
    await database.verify()
    await apply_schema(database)
    yield database
    await database.close()


@pytest_asyncio.fixture
async def clean_db(db: Database) -> Database:
    await delete_everything(db)
    return db
