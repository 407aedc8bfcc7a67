"""GDPR erasure: a user's personal data goes, the anonymous node and its edges stay (so every
count, cascade and attribution still adds up), and the erasure itself is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from neo4j.time import DateTime

from growthgraph.graph.database import Database

ERASED = "[erased]"
# Personal properties: name and email are replaced (the schema keeps them non-null), the others
# removed: country, and the keyed IP and device hashes (pseudonymous, so still personal data; the
# user simply drops out of shared-hash fraud clusters). Ids, sign-up time, plan, channel and
# campaign stay: analytics need them, and they do not identify a person once the rest is gone.
ERASE: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.erasedAt IS NOT NULL AS already
SET u.name = $erased, u.email = $erased, u.erasedAt = coalesce(u.erasedAt, datetime())
REMOVE u.country, u.ipHash, u.deviceHash
MERGE (e:Erasure {userId: u.id})
ON CREATE SET e.at = u.erasedAt
RETURN u.id AS id, u.erasedAt AS erasedAt, already
"""


@dataclass(frozen=True)
class Erased:
    id: str
    erased_at: datetime
    already: bool


async def erase_user(db: Database, user_id: str) -> Erased | None:
    """Idempotent: erasing twice changes nothing and keeps the first erasure time."""
    rows = await db.write(ERASE, {"id": user_id, "erased": ERASED})
    if not rows:
        return None
    at = rows[0]["erasedAt"]
    return Erased(
        id=str(rows[0]["id"]),
        erased_at=at.to_native() if isinstance(at, DateTime) else at,
        already=bool(rows[0]["already"]),
    )
