"""A fake behind the ``graph`` package's one door, ``Database``: no driver, no Neo4j.

Answers are scripted per Cypher statement (the constants of ``growthgraph.graph.*``), as rows or
as a function of the parameters::

    fake = FakeDatabase()
    fake.answer(referrals.CASCADE[Kind.USER], [{"n": {...}, "depth": 1, "signUps": 2}])
    fake.answer(events.CONVERSION_STATE, lambda params: [...])

Every statement run is recorded with its parameters in ``fake.calls``. A statement nobody
scripted fails: it raises ``ScriptError`` naming the statement's first line, and the failure is
kept in ``fake.failures`` so that a resolver that swallowed it (GraphQL turns it into an error
entry) still fails the test through ``fake.check()``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar, cast

from growthgraph.graph import changes
from growthgraph.graph.database import Database, Params, Row

T = TypeVar("T")
Rows = Sequence[Mapping[str, Any]]
Answer = Rows | Callable[[dict[str, Any]], Rows]


class ScriptError(AssertionError):
    """The code under test ran a statement the test did not script, or read its answer in a way
    the script cannot satisfy."""


def first_line(statement: str) -> str:
    return next((line.strip() for line in statement.splitlines() if line.strip()), "")


@dataclass(frozen=True, slots=True)
class Call:
    """One statement as run: ``how`` is ``read``, ``write`` or ``tx`` (inside ``write_tx``)."""

    statement: str
    params: dict[str, Any]
    how: str

    @property
    def first_line(self) -> str:
        return first_line(self.statement)


class FakeRecord:
    """What the driver's ``Record`` offers the graph code: ``record[key]`` and ``.data()``."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = dict(row)

    def __getitem__(self, key: str) -> Any:
        return self._row[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._row.get(key, default)

    def keys(self) -> list[str]:
        return list(self._row)

    def data(self) -> dict[str, Any]:
        return dict(self._row)


class FakeResult:
    """What the driver's ``AsyncResult`` offers: ``single``, ``consume``, ``data`` and
    ``async for``."""

    def __init__(self, fake: FakeDatabase, statement: str, rows: Rows) -> None:
        self._fake = fake
        self._statement = statement
        self._records = [FakeRecord(row) for row in rows]

    async def single(self, strict: bool = False) -> FakeRecord | None:
        if len(self._records) > 1 or (strict and not self._records):
            raise self._fake.fail(
                f"single(strict={strict}) on {len(self._records)} rows", self._statement
            )
        return self._records[0] if self._records else None

    async def consume(self) -> None:
        self._records = []

    async def data(self) -> list[dict[str, Any]]:
        return [record.data() for record in self._records]

    async def __aiter__(self) -> AsyncIterator[FakeRecord]:
        for record in self._records:
            yield record


class FakeTransaction:
    """The managed transaction handed to ``write_tx`` work: only ``run``."""

    def __init__(self, fake: FakeDatabase) -> None:
        self._fake = fake

    async def run(
        self, query: LiteralString, parameters: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> FakeResult:
        params = {**(parameters or {}), **kwargs}
        return FakeResult(self._fake, query, self._fake.respond(query, params, "tx"))


class FakeDatabase(Database):
    """``Database`` with its round trips answered from scripts instead of a driver."""

    def __init__(self) -> None:
        super().__init__(cast(Any, None), database="fake", timeout_s=1.0)
        # Every write that matters appends to the change feed; tests that care read fake.ran().
        self._answers: dict[str, Answer] = {changes.APPEND: []}
        self.calls: list[Call] = []
        self.failures: list[str] = []

    def answer(self, statement: str, rows: Answer) -> FakeDatabase:
        """Script ``statement``: every run of it answers ``rows`` (or ``rows(params)``)."""
        self._answers[statement] = rows
        return self

    def fail(self, problem: str, statement: str) -> ScriptError:
        message = f"{problem}: {first_line(statement)!r}"
        self.failures.append(message)
        return ScriptError(message)

    def respond(self, statement: str, params: dict[str, Any], how: str) -> list[Row]:
        self.calls.append(Call(statement, params, how))
        if statement not in self._answers:
            raise self.fail("unscripted statement", statement)
        found = self._answers[statement]
        rows = found(params) if callable(found) else found
        return [dict(row) for row in rows]

    def check(self) -> None:
        """Raise if any statement went unscripted or was read in a way its script cannot give."""
        failures, self.failures = self.failures, []  # each failure is reported once
        if failures:
            raise ScriptError("; ".join(failures))

    def ran(self, statement: str) -> list[dict[str, Any]]:
        """The parameters of every run of ``statement``, in order."""
        return [call.params for call in self.calls if call.statement == statement]

    async def _run(self, text: LiteralString, params: Params | None, routing: object) -> list[Row]:
        how = "read" if routing == "r" else "write"

        async def answer() -> list[Row]:
            return self.respond(text, dict(params or {}), how)

        return await self._round_trip(answer())

    async def write_tx(self, work: Callable[[Any], Awaitable[T]]) -> T:
        async def run() -> T:
            return await work(FakeTransaction(self))

        return await self._round_trip(run())

    async def close(self) -> None:
        return None
