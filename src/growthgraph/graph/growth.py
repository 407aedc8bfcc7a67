"""Growth of the user base: sign-ups over time, and the viral coefficient of a sign-up cohort.

Sign-ups are counted per calendar bucket (UTC day, ISO week starting Monday, month), split by
acquisition source and by campaign; the aggregation returns one row per (bucket, source) or
(bucket, campaign), bounded by the caller. A cohort is the users whose ``signedUpAt`` lies in
``[start, end)``; every count follows edges out of cohort members only, so the work is
proportional to the cohort and its direct neighbourhood, never to the whole graph. Both are
anchored on the range index on ``User.signedUpAt``. Definitions are in docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.labels import kind_name_of
from growthgraph.graph.records import to_datetime
from growthgraph.graph.referrals import LATEST

# How a member was acquired: the kind of node its REFERRED edge comes from, or ORGANIC.
SOURCE_KIND_OF_M: LiteralString = (
    " CASE WHEN src IS NULL THEN 'ORGANIC' ELSE " + kind_name_of("src") + " END"
)

MAX_BUCKETS = 1_000
MAX_CAMPAIGN_ROWS = 5_000
SOURCE_KINDS: tuple[str, ...] = ("ORGANIC", "USER", "INFLUENCER", "PARTNER")


class TooManyBucketsError(ValueError):
    """The window would need more than ``MAX_BUCKETS`` buckets."""


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


GROWTH_BY_SOURCE: LiteralString = (
    """
MATCH (m:User)
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end AND m.signedUpAt <= $asOf
OPTIONAL MATCH (src)-[:REFERRED]->(m)
WITH datetime.truncate($unit, m.signedUpAt) AS bucket,"""
    + SOURCE_KIND_OF_M
    + """ AS source
RETURN bucket, source, count(*) AS signUps
ORDER BY bucket, source
"""
)
GROWTH_BY_CAMPAIGN: LiteralString = """
MATCH (m:User)
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end AND m.signedUpAt <= $asOf
  AND m.campaignId IS NOT NULL
WITH datetime.truncate($unit, m.signedUpAt) AS bucket, m.campaignId AS campaignId
RETURN bucket, campaignId, count(*) AS signUps
ORDER BY bucket, campaignId
LIMIT $limit
"""


def bucket_start(at: datetime, interval: Interval) -> datetime:
    """The UTC start of the bucket holding ``at``."""
    day = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval is Interval.DAY:
        return day
    if interval is Interval.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(start: datetime, interval: Interval) -> datetime:
    if interval is Interval.DAY:
        return start + timedelta(days=1)
    if interval is Interval.WEEK:
        return start + timedelta(days=7)
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


def bucket_starts(start: datetime, end: datetime, interval: Interval) -> list[datetime]:
    """Every bucket overlapping ``[start, end)``, in order; raises past ``MAX_BUCKETS``."""
    starts: list[datetime] = []
    current = bucket_start(start, interval)
    while current < end:
        if len(starts) == MAX_BUCKETS:
            raise TooManyBucketsError(
                f"the window spans more than {MAX_BUCKETS} buckets; use a larger interval"
            )
        starts.append(current)
        current = next_bucket(current, interval)
    return starts


@dataclass(frozen=True, slots=True)
class GrowthBucket:
    start: datetime
    by_source: dict[str, int] = field(default_factory=dict[str, int])

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


@dataclass(frozen=True, slots=True)
class CampaignBucket:
    start: datetime
    campaign_id: str
    sign_ups: int


@dataclass(frozen=True, slots=True)
class Growth:
    whole: GrowthBucket  # the whole window as one bucket, starting at the window start
    buckets: tuple[GrowthBucket, ...]  # every bucket of the window, empty ones included
    by_campaign: tuple[CampaignBucket, ...]  # non-zero (bucket, campaign) pairs only
    campaigns_truncated: bool


async def growth(
    db: Database, *, start: datetime, end: datetime, interval: Interval, as_of: datetime = LATEST
) -> Growth:
    """Sign-ups in ``[start, end)`` per bucket; only those at or before ``as_of`` count (the
    buckets after it are listed, empty)."""
    starts = bucket_starts(start, end, interval)
    params = {"start": start, "end": end, "unit": interval.value, "asOf": as_of}
    by_source = await db.read(GROWTH_BY_SOURCE, params)
    by_campaign = await db.read(GROWTH_BY_CAMPAIGN, params | {"limit": MAX_CAMPAIGN_ROWS + 1})
    counts: dict[datetime, dict[str, int]] = {s: dict.fromkeys(SOURCE_KINDS, 0) for s in starts}
    for row in by_source:
        counts[to_datetime(row["bucket"])][str(row["source"])] = int(row["signUps"])
    campaigns = tuple(
        CampaignBucket(to_datetime(r["bucket"]), str(r["campaignId"]), int(r["signUps"]))
        for r in by_campaign[:MAX_CAMPAIGN_ROWS]
    )
    whole = dict.fromkeys(SOURCE_KINDS, 0)
    for per_source in counts.values():
        for source, n in per_source.items():
            whole[source] += n
    return Growth(
        whole=GrowthBucket(start, whole),
        buckets=tuple(GrowthBucket(s, counts[s]) for s in starts),
        by_campaign=campaigns,
        campaigns_truncated=len(by_campaign) > MAX_CAMPAIGN_ROWS,
    )


# --- viral coefficient of a sign-up cohort ---------------------------------------------------
MAX_GROUPS = 500
MAX_WITHIN_DAYS = 3650


class CohortGrouping(StrEnum):
    NONE = "NONE"
    CAMPAIGN = "CAMPAIGN"
    CHANNEL = "CHANNEL"
    SOURCE_KIND = "SOURCE_KIND"


VIRAL_COHORT: LiteralString = (
    """
MATCH (m:User)
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end AND m.signedUpAt <= $asOf
OPTIONAL MATCH (src)-[:REFERRED]->(m)
WITH m, CASE $groupBy
          WHEN 'CAMPAIGN' THEN m.campaignId
          WHEN 'CHANNEL' THEN m.channel
          WHEN 'SOURCE_KIND' THEN"""
    + SOURCE_KIND_OF_M
    + """
          ELSE null END AS key
WITH key, m,
     COUNT { MATCH (m)-[:SENT]->(i:Invite) WHERE i.at <= $asOf } AS sent,
     COUNT {
       MATCH (m)-[:SENT]->(i:Invite)-[:ACCEPTED]->(a:User)
       WHERE a.signedUpAt <= $asOf
         AND ($within IS NULL OR a.signedUpAt < i.at + duration({days: $within}))
     } AS accepted
WITH key, collect(m) AS members, sum(sent) AS sent, sum(accepted) AS accepted
ORDER BY size(members) DESC, key ASC
LIMIT $limit
CALL (members) {
  UNWIND members AS m
  MATCH (m)-[:REFERRED]->(r:User)
  WHERE r.signedUpAt <= $asOf
    AND ($within IS NULL OR r.signedUpAt < m.signedUpAt + duration({days: $within}))
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
        """The article-standard K: invites per member x invite conversion (= accepted invites
        per member)."""
        return self.invites_accepted / self.members if self.members else None

    @property
    def referral_k(self) -> float | None:
        return self.referees / self.members if self.members else None


EMPTY = ViralRow(None, 0, 0, 0, 0, None)


async def viral_cohort(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    group_by: CohortGrouping,
    limit: int,
    within_days: int | None = None,
    as_of: datetime = LATEST,
) -> list[ViralRow]:
    """The cohort's groups, largest first (ties by key); one row with key ``None`` for NONE.
    Only what happened at or before ``as_of`` counts: members who had signed up, invites sent,
    acceptances and referees who had signed up by then.
    An empty cohort has no groups (NONE gives one all-zero row). With ``within_days``, an
    invite counts as accepted only when its sign-up came less than that many days after it was
    sent, and a referral only when the referee signed up less than that many days after the
    member (the cycle time is then over those referrals)."""
    if not 1 <= limit <= MAX_GROUPS:
        raise ValueError(f"limit must be 1..{MAX_GROUPS}")
    if within_days is not None and not 1 <= within_days <= MAX_WITHIN_DAYS:
        raise ValueError(f"within_days must be 1..{MAX_WITHIN_DAYS}")
    rows = await db.read(
        VIRAL_COHORT,
        {
            "start": start,
            "end": end,
            "groupBy": group_by.value,
            "limit": limit,
            "within": within_days,
            "asOf": as_of,
        },
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
