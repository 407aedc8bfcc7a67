"""Idempotency keys: a claimed key remembers the request's fingerprint and, once done, the
response, so a retried request is answered from the record instead of running again.

A pending record names its holder (an instance id and a token of the one request) and a lease:
the holder renews the lease while the request runs, so the key of a request whose process died
frees as soon as the lease runs out. A record older than the retention period is treated as
absent and purged. Only the holder may complete or release its claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import LiteralString

from growthgraph.graph.database import Database

# A key is free when it is new, older than the retention, or pending under a lapsed lease. Taking
# it overwrites the whole record (a stale answer is dropped with `response: null`). The record is
# write-locked before it is read, so two requests racing for a lapsed key see each other.
CLAIM: LiteralString = """
MERGE (k:IdempotencyKey {key: $key})
ON CREATE SET k.state = 'new'
SET k._lock = true
REMOVE k._lock
WITH k, datetime() AS now
WITH k, now, (k.state = 'new'
              OR k.at < now - duration({seconds: $retention})
              OR (k.state = 'pending'
                  AND (coalesce(k.leaseUntil < now, true) OR k.holder IN $abandoned))) AS fresh
SET k += CASE WHEN fresh
  THEN {state: 'pending', fingerprint: $fingerprint, holder: $holder, at: now,
        leaseUntil: now + duration({seconds: $lease}), response: null}
  ELSE {} END
RETURN fresh, k.fingerprint AS fingerprint, k.state AS state, k.response AS response
"""
RENEW: LiteralString = """
MATCH (k:IdempotencyKey {key: $key})
WHERE k.state = 'pending' AND k.holder = $holder
SET k.leaseUntil = datetime() + duration({seconds: $lease})
RETURN count(k) AS held
"""
COMPLETE: LiteralString = """
MATCH (k:IdempotencyKey {key: $key})
WHERE k.state = 'pending' AND k.holder = $holder
SET k.state = 'done', k.response = $response
REMOVE k.leaseUntil, k.holder
RETURN count(k) AS completed
"""
RELEASE: LiteralString = """
MATCH (k:IdempotencyKey {key: $key})
WHERE k.state = 'pending' AND k.holder = $holder
DELETE k
"""
RELEASE_ALL: LiteralString = """
UNWIND $claims AS c
MATCH (k:IdempotencyKey {key: c.key})
WHERE k.state = 'pending' AND k.holder = c.holder
DELETE k
"""
# Records past the retention go in batches; a pending one only once its lease lapsed as well.
PURGE: LiteralString = """
MATCH (k:IdempotencyKey)
WHERE k.at < datetime() - duration({seconds: $retention})
  AND (k.state <> 'pending' OR coalesce(k.leaseUntil < datetime(), true))
WITH k LIMIT $batch
DELETE k
RETURN count(*) AS purged
"""
PURGE_BATCH = 1_000


@dataclass(frozen=True)
class Claim:
    fresh: bool  # this request owns the key and should run
    fingerprint: str
    state: str
    response: str | None


async def claim(
    db: Database,
    key: str,
    fingerprint: str,
    *,
    holder: str,
    lease_s: float,
    retention_s: float,
    abandoned: Sequence[str] = (),
) -> Claim:
    """Take the key for ``holder`` when it is free; ``abandoned`` names earlier holders, known to
    be gone, whose pending claims count as free too."""
    (row,) = await db.write(
        CLAIM,
        {
            "key": key,
            "fingerprint": fingerprint,
            "holder": holder,
            "lease": lease_s,
            "retention": retention_s,
            "abandoned": list(abandoned),
        },
    )
    return Claim(
        fresh=bool(row["fresh"]),
        fingerprint=str(row["fingerprint"]),
        state=str(row["state"]),
        response=row["response"],
    )


async def renew(db: Database, key: str, *, holder: str, lease_s: float) -> bool:
    """Extend the lease; False when the claim is no longer this holder's."""
    (row,) = await db.write(RENEW, {"key": key, "holder": holder, "lease": lease_s})
    return bool(row["held"])


async def complete(db: Database, key: str, response: str, *, holder: str) -> bool:
    """Record the answer; False when the claim is no longer this holder's (nothing stored)."""
    (row,) = await db.write(COMPLETE, {"key": key, "response": response, "holder": holder})
    return bool(row["completed"])


async def release(db: Database, key: str, *, holder: str) -> None:
    """Drop this holder's pending claim, so a retry runs; a no-op when it is not held."""
    await db.write(RELEASE, {"key": key, "holder": holder})


async def release_all(db: Database, claims: Sequence[tuple[str, str]]) -> None:
    """Release many ``(key, holder)`` claims in one round trip."""
    await db.write(RELEASE_ALL, {"claims": [{"key": k, "holder": h} for k, h in claims]})


async def purge(db: Database, *, retention_s: float) -> int:
    """Delete every record older than the retention; returns how many went."""
    total = 0
    while True:
        (row,) = await db.write(PURGE, {"retention": retention_s, "batch": PURGE_BATCH})
        purged = int(row["purged"])
        total += purged
        if purged < PURGE_BATCH:
            return total
