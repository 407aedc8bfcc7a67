"""Root fields of retention and funnels. Definitions are in the field descriptions and
docs/metrics.md ("Retention and funnels")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from growthgraph.api.arguments import RETENTION_PERIODS
from growthgraph.api.context import Info
from growthgraph.api.retention import types as t
from growthgraph.api.window import From, To, require_offset, window
from growthgraph.errors import BadUserInputError
from growthgraph.graph import retention
from growthgraph.graph.growth import Interval, bucket_starts

AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        description="The instant to measure at (events after it do not count), with an "
        "offset; now when left out."
    ),
]


def as_of_instant(as_of: datetime | None, start: datetime) -> datetime:
    require_offset("asOf", as_of)
    at = datetime.now(UTC) if as_of is None else as_of.astimezone(UTC)
    if at <= start:
        raise BadUserInputError("`asOf` must be later than `from`")
    return at


async def cohort_retention(
    info: Info,
    start: From,
    end: To,
    interval: Annotated[
        t.RetentionInterval, strawberry.argument(description="Cohorts by week or by month.")
    ] = t.RetentionInterval.WEEK,
    periods: Annotated[int, RETENTION_PERIODS.argument()] = 12,
    group_by: Annotated[
        t.RetentionGrouping, strawberry.argument(description="How to split the cohorts.")
    ] = t.RetentionGrouping.ACQUISITION,
    as_of: AsOf = None,
) -> t.CohortRetention:
    lo, hi = window(start, end)
    RETENTION_PERIODS.check(periods)
    at = as_of_instant(as_of, lo)
    unit = Interval(interval.value)
    if len(bucket_starts(lo, hi, unit)) > retention.MAX_COHORTS:
        raise BadUserInputError(
            f"the window spans more than {retention.MAX_COHORTS} cohorts; narrow it or use months"
        )
    report = await retention.retention(
        info.context.db,
        start=lo,
        end=hi,
        interval=unit,
        periods=periods,
        group_by=retention.RetentionGroupBy(group_by.value),
        as_of=at,
    )
    return t.CohortRetention(
        as_of=report.as_of,
        interval=interval,
        truncated=report.truncated,
        cohorts=[
            t.RetentionCohort(
                start=c.start,
                group=c.group,
                size=c.size,
                periods=[
                    t.RetentionPeriod(
                        index=p.index,
                        start=p.start,
                        active=p.active,
                        share=p.share,
                        complete=p.complete,
                    )
                    for p in c.periods
                ],
            )
            for c in report.cohorts
        ],
    )


@strawberry.type
class RetentionQuery:
    cohort_retention: t.CohortRetention = strawberry.field(
        resolver=cohort_retention,
        description="Cohort retention. A cohort is the users who signed up in one UTC calendar "
        "week (from Monday) or month inside `[from, to)`, no later than `asOf`, split by "
        "`groupBy`. Period k is the k-th calendar week or month after the cohort's own (0: the "
        "sign-up period); a member is active in it with at least one activity (recordActivity) "
        "in it at or before `asOf`. `share` = active members / cohort size. Only periods begun "
        "by `asOf` are listed; `complete` marks those that had ended.",
    )
