"""Cohort retention: of the users who signed up in a calendar week or month, the share active
in each following period, split by how they were acquired. Definitions are in docs/metrics.md
("Retention and funnels").

- A cohort is the users whose ``signedUpAt`` lies in one UTC calendar period (ISO week from
  Monday, or month) inside ``[start, end)``, and no later than ``asOf``.
- Period ``k`` of a cohort is the ``k``-th calendar period after the cohort's own (period 0 is
  the sign-up period). A member is active in it when it has at least one activity in it, at or
  before ``asOf``. Only periods that began by ``asOf`` are reported; ``complete`` says whether
  the period had ended by then.
- Groups follow the attribution of ``attributionPath``: ``referred``/``organic`` by whether a
  REFERRED edge comes into the user; by source, the root of the user's referral chain
  (``influencer:<id>``, ``partner:<id>``, ``user`` when the chain starts at an organic user,
  ``organic`` when the user was not referred); by campaign, the campaign of the referral that
  brought the chain in (the edge out of the root), else the user's own sign-up campaign, else
  null (no campaign id can be taken for it).

One statement per grouping: it walks each cohort member's chain up once (a forest: one path)
and its activities, and aggregates per (cohort, group, period) in Cypher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.growth import Interval, next_bucket
from growthgraph.graph.records import to_datetime

MAX_PERIODS = 52
MAX_COHORTS = 120
MAX_ROWS = 2_000  # (cohort, group) pairs returned


class RetentionGroupBy(StrEnum):
    NONE = "NONE"
    ACQUISITION = "ACQUISITION"
    SOURCE = "SOURCE"
    CAMPAIGN = "CAMPAIGN"


# The chain above a user: ``top`` its root, ``entry`` the edge out of the root (both null for
# an organic user).
_CHAIN: LiteralString = """
CALL (m) {
  OPTIONAL MATCH p = (top)-[:REFERRED*1..1000]->(m)
  WHERE NOT EXISTS { ()-[:REFERRED]->(top) }
  RETURN top, relationships(p)[0] AS entry
}
"""
# The group of a member ``m`` (with ``top`` and ``entry`` from ``_CHAIN``), per grouping.
GROUP_OF: dict[RetentionGroupBy, LiteralString] = {
    RetentionGroupBy.NONE: "'all'",
    RetentionGroupBy.ACQUISITION: (
        "CASE WHEN EXISTS { ()-[:REFERRED]->(m) } THEN 'referred' ELSE 'organic' END"
    ),
    RetentionGroupBy.SOURCE: (
        "CASE WHEN top IS NULL THEN 'organic' WHEN top:Influencer THEN 'influencer:' + top.id "
        "WHEN top:Partner THEN 'partner:' + top.id ELSE 'user' END"
    ),
    RetentionGroupBy.CAMPAIGN: "coalesce(entry.campaignId, m.campaignId)",
}
_PERIOD_OF: LiteralString = """
CASE $unit
  WHEN 'week' THEN duration.inDays(cohort, a.at).days / 7
  ELSE duration.inMonths(cohort, a.at).months
END
"""


def _retention_query(group_by: RetentionGroupBy) -> LiteralString:
    chain: LiteralString = "" if group_by is RetentionGroupBy.NONE else _CHAIN
    return (
        """
MATCH (m:User)
WHERE m.signedUpAt >= $start AND m.signedUpAt < $end AND m.signedUpAt <= $asOf
WITH m, datetime.truncate($unit, m.signedUpAt) AS cohort
"""
        + chain
        + """
WITH m, cohort, """
        + GROUP_OF[group_by]
        + """ AS grp
CALL (m, cohort) {
  OPTIONAL MATCH (m)-[:DID]->(a:Activity)
  WHERE a.at <= $asOf
  WITH DISTINCT """
        + _PERIOD_OF
        + """ AS k
  WHERE k IS NOT NULL AND k <= $periods
  RETURN collect(k) AS active
}
UNWIND [-1] + active AS k
WITH cohort, grp, k, count(*) AS users
RETURN cohort, grp, collect([k, users]) AS counts
ORDER BY cohort, grp
"""
    )


RETENTION: dict[RetentionGroupBy, LiteralString] = {
    g: _retention_query(g) for g in RetentionGroupBy
}


@dataclass(frozen=True, slots=True)
class RetentionPeriod:
    index: int
    start: datetime
    active: int
    share: float
    complete: bool


@dataclass(frozen=True, slots=True)
class RetentionCohort:
    start: datetime
    group: str | None  # None: no campaign (CAMPAIGN); a campaign id is never confused with it
    size: int
    periods: tuple[RetentionPeriod, ...]


@dataclass(frozen=True, slots=True)
class Retention:
    as_of: datetime
    cohorts: tuple[RetentionCohort, ...]
    truncated: bool  # more (cohort, group) pairs than MAX_ROWS


def period_starts(cohort: datetime, interval: Interval, periods: int) -> list[datetime]:
    """The start of periods 0..``periods`` after ``cohort`` (a period start)."""
    starts = [cohort]
    for _ in range(periods):
        starts.append(next_bucket(starts[-1], interval))
    return starts


async def retention(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    interval: Interval,
    periods: int,
    group_by: RetentionGroupBy,
    as_of: datetime,
) -> Retention:
    if interval is Interval.DAY:
        raise ValueError("retention cohorts are weeks or months")
    params = {
        "start": start,
        "end": end,
        "asOf": as_of,
        "unit": interval.value,
        "periods": periods,
    }
    rows = await db.read(RETENTION[group_by], params)
    limit = MAX_ROWS
    cohorts: list[RetentionCohort] = []
    for row in rows[:limit]:
        cohort = to_datetime(row["cohort"])
        counts = {int(k): int(n) for k, n in row["counts"]}
        size = counts.pop(-1)
        starts = period_starts(cohort, interval, periods + 1)
        cohorts.append(
            RetentionCohort(
                start=cohort,
                group=None if row["grp"] is None else str(row["grp"]),
                size=size,
                periods=tuple(
                    RetentionPeriod(
                        index=k,
                        start=starts[k],
                        active=counts.get(k, 0),
                        share=counts.get(k, 0) / size,
                        complete=starts[k + 1] <= as_of,
                    )
                    for k in range(periods + 1)
                    if starts[k] <= as_of
                ),
            )
        )
    return Retention(as_of=as_of, cohorts=tuple(cohorts), truncated=len(rows) > limit)
