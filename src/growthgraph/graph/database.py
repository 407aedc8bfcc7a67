"""A thin wrapper over the one async driver: routing, database name, timeouts, round-trip count."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextvars import ContextVar
from typing import Any, LiteralString, Self, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, AsyncManagedTransaction, Query, RoutingControl
from neo4j.exceptions import (
    ConnectionPoolError,
    DatabaseError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from growthgraph.errors import GrowthGraphError, QueryTimeoutError, ServiceUnavailableError

T = TypeVar("T")
Row = dict[str, Any]
Params = Mapping[str, object]


BACKGROUND: ContextVar[bool] = ContextVar("growthgraph_background", default=False)
"""True in a background loop (the webhook sender, pruning): its round trips are not a request's
and are not counted in ``round_trips``, which tests hold requests to."""


class Database:
    """Runs Cypher for the repositories and counts the round trips requests make (tests assert
    on the count; background loops, marked by :data:`BACKGROUND`, are not counted)."""

    def __init__(self, driver: neo4j.AsyncDriver, *, database: str, timeout_s: float) -> None:
        self._driver = driver
        self._database = database
        self._timeout_s = timeout_s
        self.round_trips = 0
        self.in_flight = 0  # statements and transactions running now (a /metrics gauge)
        self.unavailable = 0  # round trips refused because Neo4j could not be reached

    @classmethod
    def connect(
        cls,
        uri: str,
        user: str,
        password: str,
        *,
        database: str,
        timeout_s: float,
        pool_size: int = 50,
        connect_timeout_s: float | None = None,
        acquire_timeout_s: float | None = None,
        retry_time_s: float | None = None,
    ) -> Self:
        """Short connect/acquire/retry budgets make requests fail fast while Neo4j is down; the
        driver reconnects by itself once it is back."""
        driver = AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=pool_size,
            connection_acquisition_timeout=acquire_timeout_s or timeout_s,
            connection_timeout=connect_timeout_s or min(timeout_s, 5.0),
            max_transaction_retry_time=30.0 if retry_time_s is None else retry_time_s,
            # Informational notices ("constraint already exists") are noise in the logs.
            notifications_min_severity="WARNING",
            # Nor is a property no node has yet (an optional one a compiled read projects).
            notifications_disabled_classifications=["UNRECOGNIZED"],
        )
        return cls(driver, database=database, timeout_s=timeout_s)

    async def verify(self) -> None:
        try:
            await self._driver.verify_connectivity()
        except Exception as exc:
            translated = translate(exc)
            if translated is None:
                raise
            raise translated from exc

    async def close(self) -> None:
        await self._driver.close()

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        """One auto-retried read on a READ-routed connection; rows as plain dicts."""
        return await self._run(query, params, RoutingControl.READ)

    async def read_column(
        self, query: LiteralString, params: Params | None = None, column: str = "v"
    ) -> list[Any]:
        """One auto-retried read on a READ-routed connection; the values of one column as the
        driver gave them (plain lists, maps and scalars for a statement that returns no graph
        objects), without ``Record.data()``'s recursive copy of each value."""
        records, _, _ = await self._round_trip(
            self._driver.execute_query(
                self.query(query),
                dict(params or {}),
                database_=self._database,
                routing_=RoutingControl.READ,
            )
        )
        return [record[column] for record in records]

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        """One auto-retried write statement. The statement itself must be idempotent."""
        return await self._run(query, params, RoutingControl.WRITE)

    async def write_tx(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run ``work`` in one managed write transaction (retried on transient errors)."""
        return await self._round_trip(self._execute_write(work))

    async def _execute_write(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        async with self._driver.session(database=self._database) as session:
            return await session.execute_write(work)

    def query(self, text: LiteralString) -> Query:
        """Wrap Cypher with the configured transaction timeout."""
        return Query(text, timeout=self._timeout_s)

    async def _run(
        self, text: LiteralString, params: Params | None, routing: RoutingControl
    ) -> list[Row]:
        records, _, _ = await self._round_trip(
            self._driver.execute_query(
                self.query(text), dict(params or {}), database_=self._database, routing_=routing
            )
        )
        return [record.data() for record in records]

    async def _round_trip(self, work: Coroutine[Any, Any, T]) -> T:
        """Every round trip goes through here: counted, shielded from cancellation, and the
        driver's failures translated into the service's errors, once."""
        if not BACKGROUND.get():
            self.round_trips += 1
        self.in_flight += 1
        try:
            return await _shielded(work)
        except Exception as exc:
            translated = translate(exc)
            if translated is None:
                raise
            if isinstance(translated, ServiceUnavailableError):
                self.unavailable += 1
            raise translated from exc
        finally:
            self.in_flight -= 1


async def _shielded(work: Coroutine[Any, Any, T]) -> T:
    """Run driver work to its end even when the request awaiting it is cancelled (a sibling field
    failed, the request timed out): a driver call cancelled half-way can leave its socket open.
    The work stays bounded by the transaction timeout; its outcome is then simply dropped."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(_observe)
    return await asyncio.shield(task)


def _observe(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # mark it retrieved: an abandoned failure is not an error to report


# Failures of the database rather than of the statement: the server or the link to it is down,
# stopping, starting or failing over (ServiceUnavailable, SessionExpired, IncompleteCommit, a pool
# that cannot hand out a connection, a socket error), or a transient error that outlasted the
# driver's retry budget (TransientError: DatabaseUnavailable, NotALeader,
# ForbiddenOnReadOnlyDatabase, deadlocks, ...), or the server's own failure (DatabaseError).
# Retrying later may succeed, so each is SERVICE_UNAVAILABLE. A ClientError (a constraint, a bug
# in a statement) and the driver's usage errors are not translated: they are the caller's to
# handle (ConstraintError) or an internal error, masked with a request id.
UNAVAILABLE: tuple[type[Exception], ...] = (
    ServiceUnavailable,
    SessionExpired,
    ConnectionPoolError,
    TransientError,
    DatabaseError,
    OSError,
)


class TransientDatabaseError(ServiceUnavailableError):
    """A transient error (a deadlock, a lock or leader change, the database unavailable) that
    outlasted the driver's retry budget: the transaction wrote nothing, so a caller that can
    wait (a bulk import) may run it again."""


def translate(exc: BaseException) -> GrowthGraphError | None:
    """The service's error for a driver failure, or None when it is not the database's fault."""
    if isinstance(exc, Neo4jError) and _timed_out(exc):
        return QueryTimeoutError("The query ran past the transaction timeout")
    if isinstance(exc, TransientError):
        return TransientDatabaseError("Neo4j cannot serve requests right now")
    if isinstance(exc, UNAVAILABLE):
        return ServiceUnavailableError("Neo4j cannot serve requests right now")
    return None


def _timed_out(exc: Neo4jError) -> bool:
    """A statement stopped by the transaction timeout is the client's to act on; others are not."""
    return "TransactionTimedOut" in (exc.code or "")
