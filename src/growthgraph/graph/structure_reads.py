"""Reads of the stored network-structure scores. Leaderboards walk the score indexes in order;
community listings are anchored on the community-id index (ids are numbered by size)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.records import (
    ReferrerRecord,
    UserRecord,
    referrer_from,
    to_datetime,
    user_from,
)

MAX_LIMIT = 100
MAX_MEMBERS = 50

TOP_INFLUENCE: LiteralString = """
CALL () {
  MATCH (n:User) WHERE n.influenceScore IS NOT NULL
  WITH n ORDER BY n.influenceScore DESC LIMIT $limit RETURN n, 'User' AS label
  UNION ALL
  MATCH (n:Influencer) WHERE n.influenceScore IS NOT NULL
  WITH n ORDER BY n.influenceScore DESC LIMIT $limit RETURN n, 'Influencer' AS label
  UNION ALL
  MATCH (n:Partner) WHERE n.influenceScore IS NOT NULL
  WITH n ORDER BY n.influenceScore DESC LIMIT $limit RETURN n, 'Partner' AS label
}
WITH n, label ORDER BY n.influenceScore DESC, n.id ASC, label ASC LIMIT $limit
RETURN n {.*} AS n, label
"""
WEAK_NODES: LiteralString = """
MATCH (u:User) WHERE u.weakNodeScore IS NOT NULL
WITH u ORDER BY u.weakNodeScore DESC, u.id ASC LIMIT $limit
RETURN u {.*} AS u
"""
COMMUNITIES: LiteralString = """
UNWIND range(0, $limit - 1) AS cid
CALL (cid) { MATCH (u:User {communityId: cid}) RETURN count(u) AS users }
CALL (cid) { MATCH (i:Influencer {communityId: cid}) RETURN count(i) AS influencers }
CALL (cid) { MATCH (p:Partner {communityId: cid}) RETURN count(p) AS partners }
CALL (cid) {
  MATCH (u:User {communityId: cid})
  WITH u ORDER BY u.influenceScore DESC, u.id ASC LIMIT $members
  RETURN collect(u {.*}) AS top
}
WITH cid, users, influencers + partners AS sources, top
WHERE users + sources > 0
RETURN cid, users, sources, top
ORDER BY cid
"""
USER_SCORES: LiteralString = """
UNWIND $ids AS uid
MATCH (u:User {id: uid})
RETURN uid, u {.*} AS u
"""
SUMMARY: LiteralString = """
CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH ()-[r:CONNECTED_TO]->() RETURN count(r) AS connections }
RETURN users, connections
"""


@dataclass(frozen=True, slots=True)
class UserScores:
    user: UserRecord
    influence: float | None
    community: int | None
    betweenness: float | None
    last_active_at: datetime | None
    weak_node_score: float | None
    computed_at: datetime | None


@dataclass(frozen=True, slots=True)
class InfluenceRecord:
    node: ReferrerRecord
    influence: float
    community: int | None
    computed_at: datetime


@dataclass(frozen=True, slots=True)
class CommunityRecord:
    id: int
    users: int
    sources: int
    top_users: tuple[UserScores, ...]


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    users: int
    connections: int

    @property
    def average_connections(self) -> float:
        """Each connection counts for both of its users."""
        return 2 * self.connections / self.users if self.users else 0.0


def _opt_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def scores_from(p: dict[str, Any]) -> UserScores:
    return UserScores(
        user=user_from(p),
        influence=_opt_float(p.get("influenceScore")),
        community=None if p.get("communityId") is None else int(p["communityId"]),
        betweenness=_opt_float(p.get("betweenness")),
        last_active_at=None if p.get("lastActiveAt") is None else to_datetime(p["lastActiveAt"]),
        weak_node_score=_opt_float(p.get("weakNodeScore")),
        computed_at=None
        if p.get("networkComputedAt") is None
        else to_datetime(p["networkComputedAt"]),
    )


def _check(name: str, value: int, maximum: int) -> None:
    if not 1 <= value <= maximum:
        raise ValueError(f"{name} must be 1..{maximum}")


async def top_influence(db: Database, *, limit: int) -> list[InfluenceRecord]:
    _check("limit", limit, MAX_LIMIT)
    rows = await db.read(TOP_INFLUENCE, {"limit": limit})
    return [
        InfluenceRecord(
            node=referrer_from(row["label"], row["n"]),
            influence=float(row["n"]["influenceScore"]),
            community=None if row["n"].get("communityId") is None else int(row["n"]["communityId"]),
            computed_at=to_datetime(row["n"]["networkComputedAt"]),
        )
        for row in rows
    ]


async def weak_nodes(db: Database, *, limit: int) -> list[UserScores]:
    _check("limit", limit, MAX_LIMIT)
    rows = await db.read(WEAK_NODES, {"limit": limit})
    return [scores_from(row["u"]) for row in rows]


async def communities(db: Database, *, limit: int, members: int) -> list[CommunityRecord]:
    _check("limit", limit, MAX_LIMIT)
    _check("members", members, MAX_MEMBERS)
    rows = await db.read(COMMUNITIES, {"limit": limit, "members": members})
    return [
        CommunityRecord(
            id=int(row["cid"]),
            users=int(row["users"]),
            sources=int(row["sources"]),
            top_users=tuple(scores_from(u) for u in row["top"]),
        )
        for row in rows
    ]


async def user_scores(db: Database, user_ids: Sequence[str]) -> dict[str, UserScores]:
    rows = await db.read(USER_SCORES, {"ids": list(dict.fromkeys(user_ids))})
    return {str(row["uid"]): scores_from(row["u"]) for row in rows}


async def summary(db: Database) -> NetworkSummary:
    rows = await db.read(SUMMARY)
    return NetworkSummary(users=int(rows[0]["users"]), connections=int(rows[0]["connections"]))
