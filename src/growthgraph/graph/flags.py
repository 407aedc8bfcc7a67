"""Fraud flags set by an analyst after reviewing the fraud signals. A flagged user (or the
REFERRED edge into it) holds every reward that flows through it: see ``graph.rewards``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.records import to_datetime

# The first flag wins: a repeat keeps the original time and reason, so the call is idempotent.
FLAG_USER: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.flaggedAt IS NOT NULL AS already
SET u.flaggedAt = coalesce(u.flaggedAt, $at), u.flagReason = coalesce(u.flagReason, $reason)
RETURN u.id AS id, u.flaggedAt AS flaggedAt, u.flagReason AS reason, already
"""
UNFLAG_USER: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.flaggedAt IS NOT NULL AS was
REMOVE u.flaggedAt, u.flagReason
RETURN u.id AS id, was
"""


@dataclass(frozen=True, slots=True)
class Flag:
    user_id: str
    flagged_at: datetime
    reason: str
    already: bool


async def flag_user(db: Database, user_id: str, *, reason: str, at: datetime) -> Flag | None:
    """``None`` when the user does not exist."""
    rows = await db.write(FLAG_USER, {"id": user_id, "reason": reason, "at": at})
    if not rows:
        return None
    row = rows[0]
    return Flag(
        user_id=str(row["id"]),
        flagged_at=to_datetime(row["flaggedAt"]),
        reason=str(row["reason"]),
        already=bool(row["already"]),
    )


async def unflag_user(db: Database, user_id: str) -> bool | None:
    """Whether a flag was removed; ``None`` when the user does not exist."""
    rows = await db.write(UNFLAG_USER, {"id": user_id})
    return None if not rows else bool(rows[0]["was"])
