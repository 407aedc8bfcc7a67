"""Sign-ups over time, per calendar bucket (UTC day, ISO week starting Monday, month), split by
acquisition source and by campaign. Anchored on the range index on ``User.signedUpAt``; the
aggregation returns one row per (bucket, source) or (bucket, campaign), bounded by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import LiteralString

from growthgraph.graph.analytics_viral import SOURCE_KIND_OF_M
from growthgraph.graph.database import Database
from growthgraph.graph.records import to_datetime

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
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end
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
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end AND m.campaignId IS NOT NULL
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


async def growth(db: Database, *, start: datetime, end: datetime, interval: Interval) -> Growth:
    starts = bucket_starts(start, end, interval)
    params = {"start": start, "end": end, "unit": interval.value}
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
