"""Idempotency keys: a claimed key remembers the request's fingerprint and, once done, the
response, so a retried request is answered from the record instead of running again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from growthgraph.graph.database import Database

# A pending claim older than this many seconds is taken to be abandoned (its request died).
CLAIM: LiteralString = """
MERGE (k:IdempotencyKey {key: $key})
ON CREATE SET k.fingerprint = $fingerprint, k.state = 'pending', k.at = datetime(), k.fresh = true
ON MATCH SET k.fresh = (k.state = 'pending' AND k.at < datetime() - duration({seconds: $stale}))
WITH k
SET k.at = CASE WHEN k.fresh THEN datetime() ELSE k.at END,
    k.fingerprint = CASE WHEN k.fresh THEN $fingerprint ELSE k.fingerprint END
RETURN k.fresh AS fresh, k.fingerprint AS fingerprint, k.state AS state, k.response AS response
"""
COMPLETE: LiteralString = """
MATCH (k:IdempotencyKey {key: $key})
SET k.state = 'done', k.response = $response
"""
RELEASE: LiteralString = """
MATCH (k:IdempotencyKey {key: $key, state: 'pending'})
DELETE k
"""


@dataclass(frozen=True)
class Claim:
    fresh: bool  # this request owns the key and should run
    fingerprint: str
    state: str
    response: str | None


async def claim(db: Database, key: str, fingerprint: str, *, stale_s: float) -> Claim:
    (row,) = await db.write(CLAIM, {"key": key, "fingerprint": fingerprint, "stale": stale_s})
    return Claim(
        fresh=bool(row["fresh"]),
        fingerprint=str(row["fingerprint"]),
        state=str(row["state"]),
        response=row["response"],
    )


async def complete(db: Database, key: str, response: str) -> None:
    await db.write(COMPLETE, {"key": key, "response": response})


async def release(db: Database, key: str) -> None:
    await db.write(RELEASE, {"key": key})
