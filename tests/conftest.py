"""Shared fixtures: one real Neo4j per session, a clean graph per test that asks for it.

The session clears only a database it owns (see ``tests.support.ownership``): one that held no
node when the session started, or that carries the suite's marker. Any other database stops the
session before a test runs, naming the database and how to give the suite its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from pydantic import SecretStr

from growthgraph.config import Settings
from growthgraph.graph.constraints import apply_schema
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from tests.support import ownership
from tests.support.neo4j_server import Neo4jServer, local_wipe_command, provide


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jServer]:
    try:
        server = provide()
    except Exception as exc:  # any failure to get a database must fail the run
        pytest.fail(f"no Neo4j could be had for the integration tests: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="session")
async def settings(neo4j_server: Neo4jServer) -> Settings:
    """The session's settings, given only once the database is the suite's own: every fixture
    that reaches Neo4j starts from here. Any other database stops the session at once."""
    settings = Settings(
        neo4j_uri=neo4j_server.uri,
        neo4j_user=neo4j_server.user,
        neo4j_password=SecretStr(neo4j_server.password),
        demo_data=False,
    )
    target = ownership.Target(
        uri=settings.neo4j_uri,
        database=settings.neo4j_database,
        source=neo4j_server.source,
        wipe_hint=local_wipe_command() if neo4j_server.source.startswith("local") else None,
    )
    database = _connect(settings)
    try:
        await ownership.claim(database, target)
    except ownership.ForeignDatabaseError as refused:
        pytest.exit(str(refused), returncode=pytest.ExitCode.USAGE_ERROR)
    finally:
        await database.close()
    return settings


def _connect(settings: Settings) -> Database:
    return Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=60.0,
    )


@pytest_asyncio.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = _connect(settings)
    await database.verify()
    await apply_schema(database)
    yield database
    await database.close()


@pytest_asyncio.fixture
async def clean_db(db: Database) -> Database:
    """The session's database with every node deleted; ``settings`` made sure it is the suite's."""
    await delete_everything(db)
    return db
