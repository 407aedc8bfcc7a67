"""Viral coefficient of a sign-up cohort and K per generation of a cascade.

A cohort is the users whose ``signedUpAt`` lies in ``[start, end)``, found through the range index
on ``User.signedUpAt``. Every count follows edges out of cohort members only, so the work is
proportional to the cohort and its direct neighbourhood, never to the whole graph.
Definitions are in docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import LiteralString

from growthgraph.graph import referrals
from growthgraph.graph.database import Database
from growthgraph.graph.records import Kind

MAX_GROUPS = 500
MAX_GENERATIONS = referrals.MAX_CASCADE_DEPTH - 1


class CohortGrouping(StrEnum):
    NONE = "NONE"
    CAMPAIGN = "CAMPAIGN"
    CHANNEL = "CHANNEL"
    SOURCE_KIND = "SOURCE_KIND"


# How a member was acquired: the kind of node its REFERRED edge comes from, or ORGANIC.
SOURCE_KIND_OF_M: LiteralString = """
CASE WHEN src IS NULL THEN 'ORGANIC' WHEN src:User THEN 'USER'
     WHEN src:Influencer THEN 'INFLUENCER' ELSE 'PARTNER' END"""

VIRAL_COHORT: LiteralString = (
    """
MATCH (m:User)
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end
OPTIONAL MATCH (src)-[:REFERRED]->(m)
WITH m, CASE $groupBy
          WHEN 'CAMPAIGN' THEN m.campaignId
          WHEN 'CHANNEL' THEN m.channel
          WHEN 'SOURCE_KIND' THEN"""
    + SOURCE_KIND_OF_M
    + """
          ELSE null END AS key
WITH key, m,
     COUNT { (m)-[:SENT]->(:Invite) } AS sent,
     COUNT { (m)-[:SENT]->(:Invite)-[:ACCEPTED]->(:User) } AS accepted
WITH key, collect(m) AS members, sum(sent) AS sent, sum(accepted) AS accepted
ORDER BY size(members) DESC, key ASC
LIMIT $limit
CALL (members) {
  UNWIND members AS m
  MATCH (m)-[:REFERRED]->(r:User)
  WITH (r.signedUpAt.epochSeconds - m.signedUpAt.epochSeconds)
       + (r.signedUpAt.nanosecond - m.signedUpAt.nanosecond) / 1.0e9 AS gap
  RETURN count(gap) AS referees, percentileCont(gap, 0.5) AS cycle
}
RETURN key, size(members) AS members, sent, accepted, referees, cycle
ORDER BY members DESC, key ASC
"""
)


@dataclass(frozen=True, slots=True)
class ViralRow:
    """One cohort group. Rates are ``None`` when their denominator is zero."""

    key: str | None
    members: int
    invites_sent: int
    invites_accepted: int
    referees: int
    cycle_time_median_s: float | None

    @property
    def invites_per_member(self) -> float | None:
        return self.invites_sent / self.members if self.members else None

    @property
    def invite_conversion(self) -> float | None:
        return self.invites_accepted / self.invites_sent if self.invites_sent else None

    @property
    def invite_k(self) -> float | None:
        """invites per member x invite conversion (= accepted invites per member)."""
        return self.invites_accepted / self.members if self.members else None

    @property
    def referral_k(self) -> float | None:
        return self.referees / self.members if self.members else None


EMPTY = ViralRow(None, 0, 0, 0, 0, None)


async def viral_cohort(
    db: Database, *, start: datetime, end: datetime, group_by: CohortGrouping, limit: int
) -> list[ViralRow]:
    """The cohort's groups, largest first (ties by key); one row with key ``None`` for NONE.
    An empty cohort has no groups (NONE gives one all-zero row)."""
    if not 1 <= limit <= MAX_GROUPS:
        raise ValueError(f"limit must be 1..{MAX_GROUPS}")
    rows = await db.read(
        VIRAL_COHORT, {"start": start, "end": end, "groupBy": group_by.value, "limit": limit}
    )
    found = [
        ViralRow(
            key=None if row["key"] is None else str(row["key"]),
            members=int(row["members"]),
            invites_sent=int(row["sent"]),
            invites_accepted=int(row["accepted"]),
            referees=int(row["referees"]),
            cycle_time_median_s=None if row["cycle"] is None else float(row["cycle"]),
        )
        for row in rows
    ]
    if group_by is CohortGrouping.NONE and not found:
        return [EMPTY]
    return found


@dataclass(frozen=True, slots=True)
class Generation:
    """Generation ``g`` of a cascade: the users exactly ``g`` REFERRED hops below the root.
    ``k`` is the next generation's size over this one's (None when this one is empty)."""

    generation: int
    size: int
    k: float | None


async def generations(
    db: Database, kind: Kind, root_id: str, *, max_generation: int
) -> list[Generation] | None:
    """Generations 0 (the root) to ``max_generation``; None if the root does not exist."""
    if not 1 <= max_generation <= MAX_GENERATIONS:
        raise ValueError(f"max_generation must be 1..{MAX_GENERATIONS}")
    found = await referrals.cascade(db, kind, root_id, max_depth=max_generation + 1)
    if found is None:
        return None
    sizes = {0: 1} | {level.depth: level.sign_ups for level in found.levels}
    return [
        Generation(
            generation=g,
            size=sizes.get(g, 0),
            k=sizes.get(g + 1, 0) / sizes[g] if sizes.get(g, 0) else None,
        )
        for g in range(max_generation + 1)
    ]
