"""Money: what each source returns on what it cost, and what a customer is worth.

**Returns** (``source_returns``), for each influencer, partner or campaign, over a window
``[start, end)``:

- a source's **users**: for an influencer or partner its whole downline (every user below it in
  the referral forest, at most ``MAX_DEPTH`` hops down: the users attributed to it); for a
  campaign the users whose ``campaignId`` is the campaign. **Direct sign-ups** are those it
  acquired itself (depth 1; every user of a campaign), signed up in the window;
- **revenue**, **conversions**: the conversions of its users dated in the window (cash in);
- **cost**: its cost entries dated in the window, plus its undated ``costCents`` in an all-time
  figure only (see ``graph.sources``); null when no cost applies;
- **rewards paid**: rewards with status PAID, marked paid in the window; for an influencer or
  partner those paid *to* it, for a campaign those paid on its users' conversions (to anyone);
- **ROI** = (revenue - cost - rewards) / (cost + rewards): null when the cost is unknown or
  nothing was spent. **CPA** = cost / direct sign-ups, **AOV** = revenue / conversions.

**Lifetime value** (``lifetime_value``) of the users who signed up in a window, as of an
instant: revenue to date (conversions at or before ``as_of``) and within ``days`` of sign-up; a user
whose ``days`` have not all passed by ``as_of`` is not yet *mature* and is left out of the
within-``days`` figures, so young cohorts are not compared unfairly. Users are referred (an
incoming REFERRED) or organic; each is in one group of the chosen grouping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.labels import COST_SOURCE_LABELS, CostSourceName
from growthgraph.graph.records import CampaignRecord, ReferrerRecord, campaign_from, referrer_from
from growthgraph.graph.referrals import LATEST

MAX_DEPTH = 50
MAX_LIMIT = 100
MAX_DAYS = 3650
MAX_GROUPS = 500

# The instant a reward was marked PAID (statusHistory and statusTimes run side by side).
_PAID_AT: LiteralString = (
    "CASE WHEN w IS NULL THEN null ELSE "
    "[i IN range(0, size(w.statusHistory) - 1) WHERE w.statusHistory[i] = 'PAID' "
    "| w.statusTimes[i]][0] END"
)
_COST: LiteralString = """
CALL (s) {
  OPTIONAL MATCH (k:Cost)-[:SPENT_ON]->(s)
  WHERE k.at <= $asOf
  RETURN count(k) AS entries,
         sum(CASE WHEN k.at >= $start AND k.at < $end THEN k.amountCents ELSE 0 END) AS dated
}
WITH s, direct, signUps, revenue, conversions, payers, paid,
     CASE WHEN $undated AND s.costCents IS NOT NULL THEN dated + s.costCents
          WHEN entries > 0 THEN dated END AS cost
RETURN s {.*} AS s, direct, signUps, revenue, conversions, payers, paid, cost
ORDER BY s.id
"""

_REFERRER_RETURNS: LiteralString = (
    """
OPTIONAL MATCH (w:Reward {status: 'PAID', beneficiaryLabel: $label})
WITH w, """
    + _PAID_AT
    + """ AS paidAt
WITH w.beneficiaryId AS bid,
     sum(CASE WHEN paidAt >= $start AND paidAt < $end AND paidAt <= $asOf
              THEN w.amountCents ELSE 0 END) AS amount
WITH collect({id: bid, amount: amount}) AS rewards
MATCH (s:$LABEL)
CALL (s) {
  OPTIONAL MATCH p = (s)-[:REFERRED*1..50]->(u:User)
  WHERE length(p) <= $maxDepth
  RETURN count(CASE WHEN length(p) = 1 AND u.signedUpAt >= $start AND u.signedUpAt < $end
                    AND u.signedUpAt <= $asOf
                    THEN 1 END) AS direct,
         count(CASE WHEN u.signedUpAt >= $start AND u.signedUpAt < $end AND u.signedUpAt <= $asOf
                    THEN 1 END) AS signUps,
         collect(u) AS users
}
CALL (users) {
  UNWIND users AS u
  MATCH (u)-[:CONVERTED]->(c:Conversion)
  WHERE c.at >= $start AND c.at < $end AND c.at <= $asOf
  RETURN sum(c.revenueCents) AS revenue, count(c) AS conversions, count(DISTINCT u) AS payers
}
WITH s, direct, signUps, coalesce(revenue, 0) AS revenue, conversions, payers,
     coalesce([r IN rewards WHERE r.id = s.id | r.amount][0], 0) AS paid
"""
    + _COST
)
_CAMPAIGN_RETURNS: LiteralString = (
    """
OPTIONAL MATCH (w:Reward {status: 'PAID'})
WITH w, """
    + _PAID_AT
    + """ AS paidAt
WHERE paidAt >= $start AND paidAt < $end AND paidAt <= $asOf
OPTIONAL MATCH (payer:User)-[:CONVERTED]->(:Conversion {id: w.conversionId})
WITH payer.campaignId AS cid, sum(w.amountCents) AS amount
WITH collect({id: cid, amount: amount}) AS rewards
MATCH (s:Campaign)
CALL (s) {
  OPTIONAL MATCH (u:User {campaignId: s.id})
  RETURN count(CASE WHEN u.signedUpAt >= $start AND u.signedUpAt < $end AND u.signedUpAt <= $asOf
                    THEN 1 END) AS signUps,
         collect(u) AS users
}
CALL (users) {
  UNWIND users AS u
  MATCH (u)-[:CONVERTED]->(c:Conversion)
  WHERE c.at >= $start AND c.at < $end AND c.at <= $asOf
  RETURN sum(c.revenueCents) AS revenue, count(c) AS conversions, count(DISTINCT u) AS payers
}
WITH s, signUps AS direct, signUps, coalesce(revenue, 0) AS revenue, conversions, payers,
     coalesce([r IN rewards WHERE r.id = s.id | r.amount][0], 0) AS paid
"""
    + _COST
)
SOURCE_RETURNS: dict[CostSourceName, LiteralString] = {
    "INFLUENCER": _REFERRER_RETURNS.replace("$LABEL", "Influencer"),
    "PARTNER": _REFERRER_RETURNS.replace("$LABEL", "Partner"),
    "CAMPAIGN": _CAMPAIGN_RETURNS,
}


@dataclass(frozen=True, slots=True)
class SourceReturn:
    source: ReferrerRecord | CampaignRecord
    direct_sign_ups: int  # acquired by the source itself, signed up in the window
    sign_ups: int  # all its users signed up in the window (the downline, for a referrer)
    conversions: int  # its users' conversions dated in the window
    paying_users: int  # its users with at least one of those conversions
    revenue_cents: int
    cost_cents: int | None
    rewards_paid_cents: int

    @property
    def spent_cents(self) -> int | None:
        return None if self.cost_cents is None else self.cost_cents + self.rewards_paid_cents

    @property
    def roi(self) -> float | None:
        spent = self.spent_cents
        return None if not spent else (self.revenue_cents - spent) / spent

    @property
    def cost_per_acquisition_cents(self) -> float | None:
        if self.cost_cents is None or not self.direct_sign_ups:
            return None
        return self.cost_cents / self.direct_sign_ups

    @property
    def average_order_value_cents(self) -> float | None:
        return self.revenue_cents / self.conversions if self.conversions else None


async def source_returns(
    db: Database,
    kind: CostSourceName,
    *,
    start: datetime,
    end: datetime,
    undated: bool,
    max_depth: int = MAX_DEPTH,
    as_of: datetime = LATEST,
) -> list[SourceReturn]:
    """Every source of ``kind``, by id. ``undated``: the window is all time, so undated costs
    count. Only sign-ups, conversions, costs and payments at or before ``as_of`` count."""
    if not 1 <= max_depth <= MAX_DEPTH:
        raise ValueError("max_depth out of range")
    rows = await db.read(
        SOURCE_RETURNS[kind],
        {
            "start": start,
            "end": end,
            "undated": undated,
            "maxDepth": max_depth,
            "label": COST_SOURCE_LABELS[kind],
            "asOf": as_of,
        },
    )
    label = COST_SOURCE_LABELS[kind]
    out: list[SourceReturn] = []
    for r in rows:
        props: dict[str, Any] = r["s"]
        source = campaign_from(props) if kind == "CAMPAIGN" else referrer_from(label, props)
        out.append(
            SourceReturn(
                source=source,
                direct_sign_ups=int(r["direct"]),
                sign_ups=int(r["signUps"]),
                conversions=int(r["conversions"] or 0),
                paying_users=int(r["payers"] or 0),
                revenue_cents=int(r["revenue"]),
                cost_cents=None if r["cost"] is None else int(r["cost"]),
                rewards_paid_cents=int(r["paid"]),
            )
        )
    return out


# --- lifetime value ----------------------------------------------------------------------------


class LtvGrouping(StrEnum):
    NONE = "NONE"
    SOURCE = "SOURCE"  # the root of the user's referral chain
    CAMPAIGN = "CAMPAIGN"
    COHORT_WEEK = "COHORT_WEEK"
    COHORT_MONTH = "COHORT_MONTH"


_KEYS: dict[LtvGrouping, LiteralString] = {
    LtvGrouping.NONE: "null",
    LtvGrouping.CAMPAIGN: "u.campaignId",
    LtvGrouping.COHORT_WEEK: "toString(date.truncate('week', u.signedUpAt))",
    LtvGrouping.COHORT_MONTH: "toString(date.truncate('month', u.signedUpAt))",
    LtvGrouping.SOURCE: (
        "CASE WHEN top IS NULL THEN 'organic' WHEN top:User THEN 'user' "
        "WHEN top:Influencer THEN 'influencer:' + top.id ELSE 'partner:' + top.id END"
    ),
}
_LTV_TEMPLATE: LiteralString = """
MATCH (u:User)
WHERE u.signedUpAt >= $start AND u.signedUpAt < $end AND u.signedUpAt <= $asOf
CALL (u) {
  OPTIONAL MATCH (top)-[:REFERRED*1..1000]->(u)
  WHERE NOT EXISTS { MATCH ()-[:REFERRED]->(top) }
  RETURN top
}
CALL (u) {
  OPTIONAL MATCH (u)-[:CONVERTED]->(c:Conversion)
  WHERE c.at <= $asOf
  RETURN coalesce(sum(c.revenueCents), 0) AS toDate, count(c) AS pays,
         coalesce(sum(CASE WHEN c.at < u.signedUpAt + duration({days: $days})
                           THEN c.revenueCents ELSE 0 END), 0) AS within
}
WITH $KEY AS key, top IS NOT NULL AS referred, toDate, pays, within,
     u.signedUpAt + duration({days: $days}) <= $asOf AS mature
RETURN key, referred, count(*) AS users, count(CASE WHEN pays > 0 THEN 1 END) AS paying,
       sum(toDate) AS toDate, count(CASE WHEN mature THEN 1 END) AS mature,
       sum(CASE WHEN mature THEN within ELSE 0 END) AS within
ORDER BY key, referred
"""
LIFETIME_VALUE: dict[LtvGrouping, LiteralString] = {
    grouping: _LTV_TEMPLATE.replace("$KEY", key) for grouping, key in _KEYS.items()
}


@dataclass(frozen=True, slots=True)
class LtvFigures:
    users: int = 0
    paying_users: int = 0
    revenue_to_date_cents: int = 0
    mature_users: int = 0  # users whose `days` had all passed by as_of
    revenue_within_cents: int = 0  # of the mature users, within `days` of their sign-up

    def __add__(self, other: LtvFigures) -> LtvFigures:
        return LtvFigures(
            self.users + other.users,
            self.paying_users + other.paying_users,
            self.revenue_to_date_cents + other.revenue_to_date_cents,
            self.mature_users + other.mature_users,
            self.revenue_within_cents + other.revenue_within_cents,
        )

    @property
    def average_to_date_cents(self) -> float | None:
        return self.revenue_to_date_cents / self.users if self.users else None

    @property
    def average_within_cents(self) -> float | None:
        return self.revenue_within_cents / self.mature_users if self.mature_users else None


def uplift(referred: float | None, organic: float | None) -> float | None:
    """referred / organic - 1: how much more (or less, negative) a referred user is worth."""
    if referred is None or not organic:
        return None
    return referred / organic - 1


@dataclass(frozen=True, slots=True)
class LtvGroup:
    key: str | None
    referred: LtvFigures
    organic: LtvFigures

    @property
    def all(self) -> LtvFigures:
        return self.referred + self.organic


@dataclass(frozen=True, slots=True)
class LtvReport:
    as_of: datetime
    days: int
    grouping: LtvGrouping
    groups: tuple[LtvGroup, ...]  # by key; one group (key None) when not grouped

    def baseline(self, group: LtvGroup) -> LtvFigures:
        """The organic users a group's referred users are compared with: the group's own, or,
        grouped by source (where a source's users are all referred), the whole cohort's."""
        return self.organic if self.grouping is LtvGrouping.SOURCE else group.organic

    @property
    def referred(self) -> LtvFigures:
        return sum((g.referred for g in self.groups), LtvFigures())

    @property
    def organic(self) -> LtvFigures:
        return sum((g.organic for g in self.groups), LtvFigures())


async def lifetime_value(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    days: int,
    grouping: LtvGrouping,
) -> LtvReport:
    if not 1 <= days <= MAX_DAYS:
        raise ValueError("days out of range")
    rows = await db.read(
        LIFETIME_VALUE[grouping], {"start": start, "end": end, "asOf": as_of, "days": days}
    )
    split: dict[str | None, dict[bool, LtvFigures]] = {}
    for r in rows:
        key = None if r["key"] is None else str(r["key"])
        split.setdefault(key, {})[bool(r["referred"])] = LtvFigures(
            int(r["users"]),
            int(r["paying"]),
            int(r["toDate"]),
            int(r["mature"]),
            int(r["within"]),
        )
    groups = tuple(
        LtvGroup(key, parts.get(True, LtvFigures()), parts.get(False, LtvFigures()))
        for key, parts in sorted(split.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))
    )
    return LtvReport(as_of=as_of, days=days, grouping=grouping, groups=groups[:MAX_GROUPS])


# --- one user's value to date ------------------------------------------------------------------
# For many users in one round trip (``User.lifetimeValue``, batched per response level): the
# conversions each made at or before ``$asOf`` and their revenue. Anchored on the users' ids.
USER_VALUES: LiteralString = """
UNWIND $ids AS pid
MATCH (p:User {id: pid})
CALL (p) {
  OPTIONAL MATCH (p)-[:CONVERTED]->(c:Conversion) WHERE c.at <= $asOf
  RETURN count(c) AS conversions, coalesce(sum(c.revenueCents), 0) AS revenue
}
RETURN pid, conversions, revenue
"""


@dataclass(frozen=True, slots=True)
class UserValue:
    """A user's conversions before an instant, and what they paid in them (cents)."""

    conversions: int
    revenue_cents: int


async def user_values(
    db: Database, user_ids: list[str], *, as_of: datetime
) -> dict[str, UserValue]:
    """Each user's value to date as of ``as_of``; users that do not exist are left out."""
    rows = await db.read(USER_VALUES, {"ids": list(dict.fromkeys(user_ids)), "asOf": as_of})
    return {
        str(r["pid"]): UserValue(conversions=int(r["conversions"]), revenue_cents=int(r["revenue"]))
        for r in rows
    }
