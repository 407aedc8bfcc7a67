"""Sources: influencers, partners and campaigns (registered idempotently through
``graph.entities``), and their performance: sign-ups directly and through their whole downline,
by depth, conversions, revenue, cost per acquisition; ranked for leaderboards.

One statement walks each source's downline (a forest, so every user is counted once per source)
down to a bounded depth and aggregates per depth; ranking and the limit are applied in Cypher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, LiteralString

from growthgraph.graph import entities
from growthgraph.graph.database import Database
from growthgraph.graph.labels import REFERRER_LABELS, Kind
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    PartnerRecord,
    ReferrerRecord,
    referrer_from,
)

MAX_DEPTH = 50
MAX_LIMIT = 100


class SourceSort(StrEnum):
    DIRECT_SIGN_UPS = "DIRECT_SIGN_UPS"
    DOWNLINE_SIGN_UPS = "DOWNLINE_SIGN_UPS"
    CONVERSION_RATE = "CONVERSION_RATE"
    REVENUE = "REVENUE"
    COST_PER_ACQUISITION = "COST_PER_ACQUISITION"  # lowest first


_LABEL: dict[Kind, LiteralString] = {k: REFERRER_LABELS[k] for k in (Kind.INFLUENCER, Kind.PARTNER)}

SOURCE_PERFORMANCE: dict[Kind, LiteralString] = {
    kind: """
MATCH (s:$LABEL)
OPTIONAL MATCH p = (s)-[:REFERRED*1..50]->(u:User)
WHERE length(p) <= $maxDepth AND u.signedUpAt >= $start AND u.signedUpAt < $end
CALL (u) {
  OPTIONAL MATCH (u)-[:CONVERTED]->(c:Conversion)
  RETURN count(c) AS pays, coalesce(sum(c.revenueCents), 0) AS revenue
}
WITH s, length(p) AS depth, count(u) AS signUps,
     sum(CASE WHEN pays > 0 THEN 1 ELSE 0 END) AS converted, sum(revenue) AS revenue
WITH s, collect(CASE WHEN depth IS NULL THEN null
                     ELSE {depth: depth, signUps: signUps, converted: converted, revenue: revenue}
                END) AS levels,
     sum(signUps) AS downline, sum(converted) AS converted,
     sum(CASE depth WHEN 1 THEN signUps ELSE 0 END) AS direct,
     sum(revenue) AS revenue
WITH s, levels, downline, direct, revenue,
     CASE $sortBy
       WHEN 'DIRECT_SIGN_UPS' THEN toFloat(direct)
       WHEN 'DOWNLINE_SIGN_UPS' THEN toFloat(downline)
       WHEN 'REVENUE' THEN toFloat(revenue)
       WHEN 'CONVERSION_RATE' THEN
         CASE WHEN downline = 0 THEN null ELSE toFloat(converted) / downline END
       ELSE CASE WHEN s.costCents IS NULL OR direct = 0 THEN null
                 ELSE -toFloat(s.costCents) / direct END
     END AS score
ORDER BY score IS NULL, score DESC, s.id
LIMIT $limit
RETURN s {.*} AS s, levels
""".replace("$LABEL", label)
    for kind, label in _LABEL.items()
}


@dataclass(frozen=True, slots=True)
class DepthPerformance:
    depth: int
    sign_ups: int
    converted: int  # of those users, how many paid at least once
    revenue_cents: int  # all their conversions


@dataclass(frozen=True, slots=True)
class SourcePerformance:
    source: ReferrerRecord
    cost_cents: int | None
    by_depth: tuple[DepthPerformance, ...]  # depths with at least one sign-up, in order

    @property
    def direct_sign_ups(self) -> int:
        return sum(d.sign_ups for d in self.by_depth if d.depth == 1)

    @property
    def downline_sign_ups(self) -> int:
        return sum(d.sign_ups for d in self.by_depth)

    @property
    def converted(self) -> int:
        return sum(d.converted for d in self.by_depth)

    @property
    def conversion_rate(self) -> float | None:
        total = self.downline_sign_ups
        return self.converted / total if total else None

    @property
    def revenue_direct_cents(self) -> int:
        return sum(d.revenue_cents for d in self.by_depth if d.depth == 1)

    @property
    def revenue_network_cents(self) -> int:
        return sum(d.revenue_cents for d in self.by_depth if d.depth > 1)

    @property
    def cost_per_acquisition_cents(self) -> float | None:
        direct = self.direct_sign_ups
        return None if self.cost_cents is None or not direct else self.cost_cents / direct


async def source_performance(
    db: Database,
    kind: Kind,
    *,
    start: datetime,
    end: datetime,
    max_depth: int,
    sort: SourceSort,
    limit: int,
) -> list[SourcePerformance]:
    if kind not in _LABEL:
        raise ValueError("only influencers and partners are sources")
    if not 1 <= max_depth <= MAX_DEPTH or not 1 <= limit <= MAX_LIMIT:
        raise ValueError("max_depth or limit out of range")
    rows = await db.read(
        SOURCE_PERFORMANCE[kind],
        {"start": start, "end": end, "maxDepth": max_depth, "sortBy": sort.value, "limit": limit},
    )
    out: list[SourcePerformance] = []
    for row in rows:
        levels: list[dict[str, Any]] = [lv for lv in row["levels"] if lv is not None]
        props: dict[str, Any] = row["s"]
        out.append(
            SourcePerformance(
                source=referrer_from(_LABEL[kind], props),
                cost_cents=None if props.get("costCents") is None else int(props["costCents"]),
                by_depth=tuple(
                    DepthPerformance(
                        int(lv["depth"]),
                        int(lv["signUps"]),
                        int(lv["converted"]),
                        int(lv["revenue"]),
                    )
                    for lv in sorted(levels, key=lambda lv: int(lv["depth"]))
                ),
            )
        )
    return out


async def create_influencer(
    db: Database,
    *,
    id: str,
    handle: str,
    platform: str,
    followers: int,
    engagement_rate: float,
    cost_cents: int | None = None,
) -> Written[InfluencerRecord] | IdConflict:
    props = {
        "id": id,
        "handle": handle,
        "platform": platform,
        "followers": followers,
        "engagementRate": engagement_rate,
        "costCents": cost_cents,
    }
    return await entities.create(db, entities.INFLUENCERS, props)


async def create_partner(
    db: Database, *, id: str, name: str, kind: str, cost_cents: int | None = None
) -> Written[PartnerRecord] | IdConflict:
    props = {"id": id, "name": name, "kind": kind, "costCents": cost_cents}
    return await entities.create(db, entities.PARTNERS, props)


async def create_campaign(
    db: Database,
    *,
    id: str,
    name: str,
    utm_source: str | None,
    utm_medium: str | None,
    utm_campaign: str | None,
) -> Written[CampaignRecord] | IdConflict:
    props = {
        "id": id,
        "name": name,
        "utmSource": utm_source,
        "utmMedium": utm_medium,
        "utmCampaign": utm_campaign,
    }
    return await entities.create(db, entities.CAMPAIGNS, props)
