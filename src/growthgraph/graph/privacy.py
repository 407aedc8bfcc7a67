"""Privacy: consent flags on users (marketing and analytics, false until recorded, with the time
of the last change), and GDPR erasure: a user's personal data goes, the anonymous node and its
edges stay (so every count, cascade and attribution still adds up), and the erasure itself is
recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j.time import DateTime

from growthgraph.graph.database import Database

SET_CONSENT: LiteralString = """
MATCH (u:User {id: $id})
WITH u, coalesce($marketing, u.consentMarketing, false) AS m,
     coalesce($analytics, u.consentAnalytics, false) AS a
WITH u, m, a, (u.consentUpdatedAt IS NULL OR u.consentMarketing <> m
               OR u.consentAnalytics <> a) AS changed
SET u.consentMarketing = m, u.consentAnalytics = a,
    u.consentUpdatedAt = CASE WHEN changed THEN datetime() ELSE u.consentUpdatedAt END
RETURN u.id AS id, m AS marketing, a AS analytics, u.consentUpdatedAt AS updatedAt
"""
GET_CONSENT: LiteralString = """
MATCH (u:User {id: $id})
RETURN u.id AS id, coalesce(u.consentMarketing, false) AS marketing,
       coalesce(u.consentAnalytics, false) AS analytics, u.consentUpdatedAt AS updatedAt
"""


@dataclass(frozen=True)
class ConsentRecord:
    user_id: str
    marketing: bool
    analytics: bool
    updated_at: datetime | None


def _record(row: dict[str, Any]) -> ConsentRecord:
    at = row["updatedAt"]
    return ConsentRecord(
        user_id=str(row["id"]),
        marketing=bool(row["marketing"]),
        analytics=bool(row["analytics"]),
        updated_at=at.to_native() if isinstance(at, DateTime) else at,
    )


async def set_consent(
    db: Database, user_id: str, *, marketing: bool | None, analytics: bool | None
) -> ConsentRecord | None:
    """Flags left as None keep their value; the time changes only when a flag does."""
    rows = await db.write(
        SET_CONSENT, {"id": user_id, "marketing": marketing, "analytics": analytics}
    )
    return _record(rows[0]) if rows else None


async def get_consent(db: Database, user_id: str) -> ConsentRecord | None:
    rows = await db.read(GET_CONSENT, {"id": user_id})
    return _record(rows[0]) if rows else None


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
