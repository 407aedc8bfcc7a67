"""Root fields of retention and funnels. Definitions are in the field descriptions and
docs/metrics.md ("Retention and funnels")."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import FUNNEL_GROUPS, RETENTION_PERIODS
from growthgraph.api.context import Info
from growthgraph.api.durations import iso_duration, readable_duration
from growthgraph.api.retention import types as t
from growthgraph.api.window import AsOf, From, To, resolve_as_of, window
from growthgraph.errors import BadUserInputError
from growthgraph.graph import funnel, retention
from growthgraph.graph.growth import Interval, bucket_starts


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
    at = resolve_as_of(as_of, now=info.context.now(), after=lo)
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


def _steps(steps: tuple[funnel.FunnelStep, ...]) -> list[t.FunnelStep]:
    return [
        t.FunnelStep(
            step=t.FunnelStepName[s.step.name],
            count=s.count,
            share_of_previous=s.share_of_previous,
            share_of_invited=s.share_of_invited,
            drop_off=s.drop_off,
            drop_off_share=s.drop_off_share,
            median_time_seconds=s.median_seconds,
            median_time=iso_duration(s.median_seconds),
            median_time_text=readable_duration(s.median_seconds),
        )
        for s in steps
    ]


async def invite_funnel(
    info: Info,
    start: From,
    end: To,
    group_by: Annotated[
        t.FunnelGrouping, strawberry.argument(description="How to split the funnel.")
    ] = t.FunnelGrouping.NONE,
    as_of: AsOf = None,
    limit: Annotated[int, FUNNEL_GROUPS.argument()] = 50,
) -> t.InviteFunnel:
    lo, hi = window(start, end)
    FUNNEL_GROUPS.check(limit)
    at = resolve_as_of(as_of, now=info.context.now(), after=lo)
    report = await funnel.funnel(
        info.context.db,
        start=lo,
        end=hi,
        group_by=funnel.FunnelGroupBy[group_by.name],
        as_of=at,
        limit=limit,
    )
    return t.InviteFunnel(
        as_of=report.as_of,
        group_by=group_by,
        steps=_steps(report.steps),
        groups=[t.FunnelGroup(key=g.key, steps=_steps(g.steps)) for g in report.groups],
        truncated=report.truncated,
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
    invite_funnel: t.InviteFunnel = strawberry.field(
        resolver=invite_funnel,
        description="The invite funnel: invite sent -> signed up -> first activity -> "
        "converted. It follows the invites sent in `[from, to)` no later than `asOf` (default "
        "now): SIGNED_UP, an invite accepted by a sign-up by `asOf`; ACTIVE, that user had an "
        "activity by `asOf`; CONVERTED, that user had a conversion at or after its first "
        "activity, by `asOf`. Per step: the count, its share of the previous step and of the "
        "invites, the drop-off, and the median time from the previous step. Sign-ups without "
        "an invite (organic users, shared links) never enter. Optionally per source, campaign "
        "or sender kind of the invite.",
    )
