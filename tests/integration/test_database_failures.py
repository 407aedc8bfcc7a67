"""Every failure of the database reaches a client as a coded JSON error: the driver's transient
errors (DatabaseUnavailable, NotALeader, deadlocks past the retry budget, ...), its connection
errors and the server's own are SERVICE_UNAVAILABLE, at the repository and through the HTTP app,
with or without an Idempotency-Key; and a key whose answer could not be recorded is released."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import httpx
import neo4j
import pytest
import pytest_asyncio
from neo4j import AsyncGraphDatabase, Query
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    ConstraintError,
    CypherSyntaxError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.errors import QueryTimeoutError, ServiceUnavailableError
from growthgraph.graph import idempotency
from growthgraph.graph.database import Database, TransientDatabaseError
from tests.support.server import serve


def server_error(code: str) -> Callable[[], Exception]:
    return lambda: Neo4jError._hydrate_neo4j(code=code, message="from the server")  # pyright: ignore[reportPrivateUsage]


UNAVAILABLE: dict[str, Callable[[], Exception]] = {
    "DatabaseUnavailable": server_error("Neo.TransientError.General.DatabaseUnavailable"),
    "NotALeader": server_error("Neo.ClientError.Cluster.NotALeader"),
    "ForbiddenOnReadOnlyDatabase": server_error(
        "Neo.ClientError.General.ForbiddenOnReadOnlyDatabase"
    ),
    "DeadlockDetected": server_error("Neo.TransientError.Transaction.DeadlockDetected"),
    "OutOfMemory": server_error("Neo.TransientError.General.OutOfMemoryError"),
    "DatabaseError": server_error("Neo.DatabaseError.General.UnknownError"),
    "ServiceUnavailable": lambda: ServiceUnavailable("gone"),
    "SessionExpired": lambda: SessionExpired("gone"),
    "IncompleteCommit": lambda: IncompleteCommit("gone"),
    "ConnectionAcquisitionTimeout": lambda: ConnectionAcquisitionTimeoutError("pool"),
    "ConnectionReset": lambda: ConnectionResetError("reset"),
}


class FlakyDriver:
    """A real driver that fails on demand: every statement, or only the ones named, raises."""

    def __init__(self, driver: neo4j.AsyncDriver) -> None:
        self._driver = driver
        self.failure: Callable[[], Exception] | None = None
        self.only: set[str] | None = None

    def _check(self, text: str) -> None:
        if self.failure is not None and (self.only is None or text in self.only):
            raise self.failure()

    async def execute_query(self, query: Query, *args: Any, **kwargs: Any) -> Any:
        self._check(str(query.text))
        return await self._driver.execute_query(query, *args, **kwargs)

    def session(self, **kwargs: Any) -> Any:
        self._check("session")
        return self._driver.session(**kwargs)

    async def verify_connectivity(self) -> None:
        self._check("verify")
        await self._driver.verify_connectivity()

    async def close(self) -> None:
        await self._driver.close()


@pytest_asyncio.fixture
async def flaky(settings: Settings) -> AsyncIterator[tuple[FlakyDriver, Database]]:
    real = Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=15.0,
    )
    driver = FlakyDriver(real._driver)  # pyright: ignore[reportPrivateUsage]
    db = Database(
        cast("neo4j.AsyncDriver", driver), database=settings.neo4j_database, timeout_s=15.0
    )
    yield driver, db
    await db.close()


@pytest.mark.parametrize("failure", sorted(UNAVAILABLE))
async def test_database_failures_are_service_unavailable(
    flaky: tuple[FlakyDriver, Database], failure: str
) -> None:
    driver, db = flaky
    driver.failure = UNAVAILABLE[failure]
    for attempt in (db.read("RETURN 1 AS one"), db.write("RETURN 1 AS one"), db.verify()):
        with pytest.raises(ServiceUnavailableError) as caught:
            await attempt
        assert caught.value.extensions == {"code": "SERVICE_UNAVAILABLE"}
    assert db.unavailable == 2  # counted per round trip (verify is not one)
    assert db.in_flight == 0


async def test_a_transient_failure_says_the_transaction_wrote_nothing(
    flaky: tuple[FlakyDriver, Database],
) -> None:
    """A bulk import may run such a batch again (graph.loading); a lost connection, whose
    commit may have happened, is not one."""
    driver, db = flaky
    driver.failure = UNAVAILABLE["DeadlockDetected"]
    with pytest.raises(TransientDatabaseError):
        await db.write("RETURN 1 AS one")
    driver.failure = UNAVAILABLE["IncompleteCommit"]
    with pytest.raises(ServiceUnavailableError) as caught:
        await db.write("RETURN 1 AS one")
    assert not isinstance(caught.value, TransientDatabaseError)


async def test_timeouts_and_statement_errors_keep_their_meaning(
    flaky: tuple[FlakyDriver, Database],
) -> None:
    driver, db = flaky
    driver.failure = server_error(
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration"
    )
    with pytest.raises(QueryTimeoutError):
        await db.read("RETURN 1 AS one")
    # A statement's own error is not the database's: the caller handles it, or it is masked.
    for error in (ConstraintError, CypherSyntaxError):
        driver.failure = error
        with pytest.raises(error):
            await db.read("RETURN 1 AS one")
    driver.failure = None
    assert await db.read("RETURN 1 AS one") == [{"one": 1}]


SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) { __typename ... on RecordSignUpSuccess { created } }
}
"""


def body(uid: str) -> dict[str, Any]:
    return {
        "query": SIGN_UP,
        "variables": {
            "input": {
                "id": uid,
                "name": "F",
                "email": f"{uid}@example.com",
                "signedUpAt": "2024-06-01T00:00:00Z",
            }
        },
    }


def json_code(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.status_code, response.json()["errors"][0]["extensions"]["code"]


async def test_database_unavailable_through_the_app(
    settings: Settings, clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[FlakyDriver] = []
    real_driver = cast("Callable[..., neo4j.AsyncDriver]", AsyncGraphDatabase.driver)

    def flaky_driver(*args: Any, **kwargs: Any) -> FlakyDriver:
        made.append(FlakyDriver(real_driver(*args, **kwargs)))
        return made[-1]

    # The app opens its own driver in its own event loop: it gets a flaky one.
    monkeypatch.setattr(AsyncGraphDatabase, "driver", flaky_driver)
    with serve(create_app(settings), lifespan="on") as url:
        monkeypatch.undo()
        (driver,) = made
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            await through_the_app(driver, client)
    users = await clean_db.read("MATCH (u:User) RETURN u.id AS id ORDER BY id")
    assert users == [{"id": "flaky-1"}, {"id": "flaky-2"}, {"id": "flaky-3"}]


async def through_the_app(driver: FlakyDriver, client: httpx.AsyncClient) -> None:
    async def post(uid: str, key: str | None = None) -> httpx.Response:
        headers = {} if key is None else {"Idempotency-Key": key}
        return await client.post("/graphql", json=body(uid), headers=headers)

    driver.failure = UNAVAILABLE["DatabaseUnavailable"]
    read = await client.post("/graphql", json={"query": "{ users(first: 1) { edges { cursor } } }"})
    assert [e["extensions"]["code"] for e in read.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
    plain = await post("flaky-0")
    assert [e["extensions"]["code"] for e in plain.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert json_code(await post("flaky-1", "k-f1")) == (503, "SERVICE_UNAVAILABLE")
    assert (await client.get("/readyz")).status_code == 503

    driver.failure = None
    retry = await post("flaky-1", "k-f1")
    assert retry.status_code == 200, retry.text
    assert retry.json()["data"]["recordSignUp"]["created"] is True

    # The write commits, then recording its answer (and releasing the key) fails.
    driver.failure = UNAVAILABLE["DatabaseUnavailable"]
    driver.only = {idempotency.COMPLETE, idempotency.RELEASE}
    first = await post("flaky-2", "k-f2")
    assert first.status_code == 200, first.text
    assert first.json()["data"]["recordSignUp"]["created"] is True
    driver.failure = None
    again = await post("flaky-2", "k-f2")
    assert again.status_code == 200, again.text  # not IDEMPOTENCY_KEY_IN_USE
    assert again.json()["data"]["recordSignUp"]["created"] is False

    # A failure the service does not expect is still a coded JSON error, and frees the key.
    driver.failure = lambda: RuntimeError("unexpected")
    driver.only = {idempotency.CLAIM}
    odd = await post("flaky-3", "k-f3")
    assert json_code(odd) == (500, "INTERNAL_SERVER_ERROR")
    assert "unexpected" not in odd.text
    driver.failure = None
    ok = await post("flaky-3", "k-f3")
    assert ok.json()["data"]["recordSignUp"]["created"] is True
