"""The social graph: recording connections and ranking the people a user may know.

A connection is undirected in meaning and stored once, as ``(smaller id)-[:CONNECTED_TO]->(larger
id)``, so every read matches it without a direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph.database import Database
from growthgraph.graph.privacy import ERASED
from growthgraph.graph.records import UserRecord, to_datetime, user_from

MAX_SUGGESTIONS = 100
MAX_EVIDENCE = 20

CONNECTION_STATE: LiteralString = """
OPTIONAL MATCH (a:User {id: $a})
OPTIONAL MATCH (b:User {id: $b})
OPTIONAL MATCH (a)-[r:CONNECTED_TO]->(b)
RETURN a {.*} AS a, b {.*} AS b, r IS NOT NULL AS connected, r.at AS at
"""
# The two end nodes are write-locked first (always smaller id, then larger: no deadlock), so two
# concurrent calls for one pair serialise and the second MERGE sees the first one's edge.
CONNECT: LiteralString = """
MATCH (a:User {id: $a})
MATCH (b:User {id: $b})
SET a._lock = true, b._lock = true
REMOVE a._lock, b._lock
MERGE (a)-[r:CONNECTED_TO]->(b)
  ON CREATE SET r.at = $at, r._created = true
WITH a, b, r, coalesce(r._created, false) AS created
REMOVE r._created
RETURN a {.*} AS a, b {.*} AS b, r.at AS at, created
"""

# Friends of friends of one user (anchored on its id), grouped per candidate. The shared
# connections are collected lowest degree first, so the evidence lists the most telling ones
# first and the Adamic-Adar sum is added in one fixed order (equal sets give equal floats).
# A user whose analytics consent is recorded as false takes no part: never suggested, never
# evidence, and their connections suggest no one (absent consent flags exclude no one). Nor does
# an erased user, known by its erasure time (an erasure also clears its consent flags; both are
# exported and imported). The erased email is checked too for users erased in a graph that was
# restored from an export written before the export carried ``erasedAt`` and the consent flags:
# their only trace is the ``[erased]`` name and email, which no living user can have.
PEOPLE_YOU_MAY_KNOW: LiteralString = """
MATCH (u:User {id: $id})-[:CONNECTED_TO]-(m:User)
WHERE coalesce(m.consentAnalytics, true) AND m.erasedAt IS NULL AND m.email <> $erased
WITH u, m, COUNT { (m)-[:CONNECTED_TO]-() } AS degree
MATCH (m)-[:CONNECTED_TO]-(c:User)
WHERE c <> u AND NOT EXISTS { (u)-[:CONNECTED_TO]-(c) } AND coalesce(c.consentAnalytics, true)
  AND c.erasedAt IS NULL AND c.email <> $erased
WITH c, m, degree
ORDER BY degree ASC, m.id ASC
WITH c, collect(m) AS shared, collect(degree) AS degrees
WITH c, shared, size(shared) AS common,
     reduce(s = 0.0, d IN degrees | s + 1.0 / log(d)) AS adamicAdar
ORDER BY common DESC, adamicAdar DESC, c.id ASC
LIMIT $limit
RETURN c {.*} AS user, common, adamicAdar,
       [x IN shared[..$evidence] | x {.*}] AS shared
"""
USER_EXISTS: LiteralString = "MATCH (u:User {id: $id}) RETURN u.id AS id LIMIT 1"


@dataclass(frozen=True, slots=True)
class Connection:
    """A stored connection; ``a`` has the smaller id. ``created`` is false on a repeat."""

    a: UserRecord
    b: UserRecord
    at: datetime | None
    created: bool


@dataclass(frozen=True, slots=True)
class UnknownUsers:
    ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    user: UserRecord
    common: int
    adamic_adar: float
    shared: tuple[UserRecord, ...]


def _opt_time(value: object) -> datetime | None:
    return None if value is None else to_datetime(value)


async def connect_users(
    db: Database, a: str, b: str, at: datetime | None
) -> Connection | UnknownUsers:
    """Store the connection between two distinct users once. A repeat (with any ``at``) returns
    the stored edge unchanged: the first recorded time wins. Nothing is written on a refusal."""
    if a == b:
        raise ValueError("a connection needs two distinct users")
    low, high = (a, b) if a < b else (b, a)
    params: dict[str, Any] = {"a": low, "b": high, "at": at}

    async def work(tx: AsyncManagedTransaction) -> Connection | UnknownUsers:
        state = await (await tx.run(CONNECTION_STATE, params)).single(strict=True)
        missing = tuple(uid for uid, key in ((low, "a"), (high, "b")) if state[key] is None)
        if missing:
            return UnknownUsers(missing)
        row = await (await tx.run(CONNECT, params)).single(strict=True)
        return Connection(
            a=user_from(row["a"]),
            b=user_from(row["b"]),
            at=_opt_time(row["at"]),
            created=bool(row["created"]),
        )

    return await db.write_tx(work)


async def people_you_may_know(
    db: Database, user_id: str, *, limit: int, evidence: int
) -> list[Suggestion] | None:
    """Users two hops away and not yet connected, ranked by common connections, then
    Adamic-Adar, then id. ``None`` when the user does not exist."""
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise ValueError(f"limit must be 1..{MAX_SUGGESTIONS}")
    if not 1 <= evidence <= MAX_EVIDENCE:
        raise ValueError(f"evidence must be 1..{MAX_EVIDENCE}")
    rows = await db.read(
        PEOPLE_YOU_MAY_KNOW,
        {"id": user_id, "limit": limit, "evidence": evidence, "erased": ERASED},
    )
    if not rows and not await db.read(USER_EXISTS, {"id": user_id}):
        return None
    return [
        Suggestion(
            user=user_from(row["user"]),
            common=int(row["common"]),
            adamic_adar=float(row["adamicAdar"]),
            shared=tuple(user_from(s) for s in row["shared"]),
        )
        for row in rows
    ]
