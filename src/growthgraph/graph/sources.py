"""Sources: influencers, partners and campaigns (registered idempotently through
``graph.entities``), their dated costs, and their performance: sign-ups directly and through
their whole downline, by depth, conversions, revenue, cost per acquisition; ranked for
leaderboards.

One statement walks each source's downline (a forest, so every user is counted once per source)
down to a bounded depth and aggregates per depth; ranking and the limit are applied in Cypher.

Costs are ``(:Cost {id, at, amountCents, note?})-[:SPENT_ON]->(source)`` entries, one per
spend. A source's older ``costCents`` property is an *undated* cost: it counts only in figures
over all time (no window bound given), never in a windowed one, because nobody can say when it
was spent. A windowed cost is the sum of the entries dated in the window; a source with no cost
at all (no entry, and no undated cost in an all-time figure) has an unknown cost (null).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph import entities, name_keys, referrals
from growthgraph.graph.database import Database
from growthgraph.graph.entities import same_values, write_retrying
from growthgraph.graph.labels import (
    COST_SOURCE_LABELS,
    REFERRER_LABELS,
    CostSourceName,
    Kind,
    per_label,
)
from growthgraph.graph.lists import ListSpec, Sort
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer, Written
from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    PartnerRecord,
    ReferrerRecord,
    referrer_from,
    to_datetime,
)

MAX_DEPTH = referrals.MAX_CASCADE_DEPTH  # the cascade definition of graph.referrals
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
  AND u.signedUpAt <= $asOf
CALL (u) {
  OPTIONAL MATCH (u)-[:CONVERTED]->(c:Conversion)
  WHERE c.at <= $asOf
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
CALL (s) {
  OPTIONAL MATCH (c:Cost)-[:SPENT_ON]->(s)
  WHERE c.at <= $asOf
  RETURN count(c) AS entries,
         sum(CASE WHEN c.at >= $start AND c.at < $end THEN c.amountCents ELSE 0 END) AS dated
}
WITH s, levels, downline, converted, direct, revenue,
     CASE WHEN $undated AND s.costCents IS NOT NULL THEN dated + s.costCents
          WHEN entries > 0 THEN dated END AS cost
WITH s, levels, cost,
     CASE $sortBy
       WHEN 'DIRECT_SIGN_UPS' THEN toFloat(direct)
       WHEN 'DOWNLINE_SIGN_UPS' THEN toFloat(downline)
       WHEN 'REVENUE' THEN toFloat(revenue)
       WHEN 'CONVERSION_RATE' THEN
         CASE WHEN downline = 0 THEN null ELSE toFloat(converted) / downline END
       ELSE CASE WHEN cost IS NULL OR direct = 0 THEN null
                 ELSE -toFloat(cost) / direct END
     END AS score
ORDER BY score IS NULL, score DESC, s.id
LIMIT $limit
RETURN s {.*} AS s, levels, cost
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
    cost_cents: int | None  # the window's cost (see the module's note); null when unknown
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
    undated: bool = False,
    as_of: datetime = referrals.LATEST,
) -> list[SourcePerformance]:
    """``undated``: the window is all time, so undated costs (``costCents``) count. Only
    sign-ups, conversions and costs at or before ``as_of`` count."""
    if kind not in _LABEL:
        raise ValueError("only influencers and partners are sources")
    if not 1 <= max_depth <= MAX_DEPTH or not 1 <= limit <= MAX_LIMIT:
        raise ValueError("max_depth or limit out of range")
    rows = await db.read(
        SOURCE_PERFORMANCE[kind],
        {
            "start": start,
            "end": end,
            "maxDepth": max_depth,
            "sortBy": sort.value,
            "limit": limit,
            "undated": undated,
            "asOf": as_of,
        },
    )
    out: list[SourcePerformance] = []
    for row in rows:
        levels: list[dict[str, Any]] = [lv for lv in row["levels"] if lv is not None]
        props: dict[str, Any] = row["s"]
        out.append(
            SourcePerformance(
                source=referrer_from(_LABEL[kind], props),
                cost_cents=None if row["cost"] is None else int(row["cost"]),
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


# --- dated costs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CostRecord:
    id: str
    source_kind: CostSourceName
    source_id: str
    at: datetime
    amount_cents: int
    note: str | None


CostOutcome = Written[CostRecord] | IdConflict | UnknownReferrer | UnknownCampaign

COST_STATE: dict[CostSourceName, LiteralString] = per_label(
    COST_SOURCE_LABELS,
    """
OPTIONAL MATCH (existing:Cost {id: $id})
OPTIONAL MATCH (existing)-[:SPENT_ON]->(on)
WITH existing, on
OPTIONAL MATCH (s:$LABEL {id: $sourceId})
RETURN existing {.*} AS existing, on.id AS onId, on:$LABEL AS sameKind, s IS NOT NULL AS known
""",
)
CREATE_COST: dict[CostSourceName, LiteralString] = per_label(
    COST_SOURCE_LABELS,
    """
MATCH (s:$LABEL {id: $sourceId})
CREATE (c:Cost)-[:SPENT_ON]->(s)
SET c = $props
""",
)
_UNKNOWN_KIND: dict[CostSourceName, Kind] = {
    "INFLUENCER": Kind.INFLUENCER,
    "PARTNER": Kind.PARTNER,
}


def _cost(props: dict[str, Any], kind: CostSourceName, source_id: str) -> CostRecord:
    return CostRecord(
        id=str(props["id"]),
        source_kind=kind,
        source_id=source_id,
        at=to_datetime(props["at"]),
        amount_cents=int(props["amountCents"]),
        note=props.get("note"),
    )


async def record_cost(
    db: Database,
    *,
    id: str,
    source_kind: CostSourceName,
    source_id: str,
    at: datetime,
    amount_cents: int,
    note: str | None,
) -> CostOutcome:
    """Record what was spent on a source at an instant. An identical repeat returns the stored
    entry (``created`` false); another entry under the same id is a conflict; nothing is written
    on any refusal."""
    props = {"id": id, "at": at, "amountCents": amount_cents, "note": note}

    async def work(tx: AsyncManagedTransaction) -> CostOutcome:
        result = await tx.run(COST_STATE[source_kind], id=id, sourceId=source_id)
        state = (await result.single(strict=True)).data()
        existing: dict[str, Any] | None = state["existing"]
        if existing is not None:
            same_source = state["onId"] == source_id and bool(state["sameKind"])
            if same_source and same_values(existing, props):
                return Written(_cost(existing, source_kind, source_id), created=False)
            return IdConflict(entity="Cost", id=id)
        if not state["known"]:
            if source_kind == "CAMPAIGN":
                return UnknownCampaign(source_id)
            return UnknownReferrer(_UNKNOWN_KIND[source_kind], source_id)
        stored = {k: v for k, v in props.items() if v is not None}
        await (await tx.run(CREATE_COST[source_kind], sourceId=source_id, props=stored)).consume()
        return Written(_cost(props, source_kind, source_id), created=True)

    return await write_retrying(db, work)


# --- the root lists of sources, filtered and sorted (graph.lists) ------------------------------
# The referral counters a leaderboard sorts by: sign-ups one and two REFERRED hops below
# (graph.counters, indexed there); absent means zero.
_COUNTER_SORTS = {
    "DIRECT_SIGN_UPS": Sort("below1", "int", zero_when_absent=True),
    "SECOND_DEGREE_SIGN_UPS": Sort("below2", "int", zero_when_absent=True),
}
# By name in code-point order, through the name's stored ASCII key (graph.name_keys).
_NAME = Sort(name_keys.PROPERTY, "key")
INFLUENCER_LIST = ListSpec(
    entities.INFLUENCERS,
    sorts={
        "ID": Sort(),
        "FOLLOWERS": Sort("followers", "int"),
        "ENGAGEMENT_RATE": Sort("engagementRate", "float"),
        **_COUNTER_SORTS,
    },
    filters={
        "platform": "n.platform = $platform",
        "minFollowers": "n.followers >= $minFollowers",
        "maxFollowers": "n.followers <= $maxFollowers",
    },
)
PARTNER_LIST = ListSpec(
    entities.PARTNERS,
    sorts={"ID": Sort(), "NAME": _NAME, **_COUNTER_SORTS},
    filters={"kind": "n.kind = $kind"},
)
CAMPAIGN_LIST = ListSpec(
    entities.CAMPAIGNS,
    sorts={"ID": Sort(), "NAME": _NAME},
    filters={"utmSource": "n.utmSource = $utmSource", "utmMedium": "n.utmMedium = $utmMedium"},
)
# Module-level, so the scan of every Cypher constant (tests/integration/test_cypher.py) compiles
# each list statement.
INFLUENCER_PAGES = INFLUENCER_LIST.pages
INFLUENCER_COUNTS = INFLUENCER_LIST.counts
PARTNER_PAGES = PARTNER_LIST.pages
PARTNER_COUNTS = PARTNER_LIST.counts
CAMPAIGN_PAGES = CAMPAIGN_LIST.pages
CAMPAIGN_COUNTS = CAMPAIGN_LIST.counts
