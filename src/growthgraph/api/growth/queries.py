"""Root fields of the growth questions: the viral coefficient of a sign-up cohort and sign-ups
over time by source and campaign. Definitions are in the field descriptions and docs/metrics.md."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import VIRAL_GROUPS, VIRAL_WITHIN
from growthgraph.api.context import Info
from growthgraph.api.durations import iso_duration, readable_duration
from growthgraph.api.growth import types as s
from growthgraph.api.window import AsOf, From, To, resolve_as_of, window
from growthgraph.errors import BadUserInputError
from growthgraph.graph import growth
from growthgraph.graph.growth import GrowthBucket as BucketRecord
from growthgraph.graph.growth import ViralRow


def _group(r: ViralRow) -> s.ViralGroup:
    return s.ViralGroup(
        key=r.key,
        members=r.members,
        invites_sent=r.invites_sent,
        invites_accepted=r.invites_accepted,
        invites_per_member=r.invites_per_member,
        invite_conversion=r.invite_conversion,
        invite_k=r.invite_k,
        referees=r.referees,
        referral_k=r.referral_k,
        viral_cycle_time_seconds=r.cycle_time_median_s,
        viral_cycle_time=iso_duration(r.cycle_time_median_s),
        viral_cycle_time_text=readable_duration(r.cycle_time_median_s),
    )


async def viral_coefficient(
    info: Info,
    start: From,
    end: To,
    group_by: Annotated[
        s.CohortGrouping, strawberry.argument(description="How to split the cohort.")
    ] = s.CohortGrouping.NONE,
    limit: Annotated[int, VIRAL_GROUPS.argument()] = 50,
    within: Annotated[int | None, VIRAL_WITHIN.argument()] = None,
    as_of: AsOf = None,
) -> s.ViralCoefficient:
    lo, hi = window(start, end)
    VIRAL_GROUPS.check(limit)
    if within is not None:
        VIRAL_WITHIN.check(within)
    at = resolve_as_of(as_of, now=info.context.now(), after=lo)
    db = info.context.db
    total = await growth.viral_cohort(
        db,
        start=lo,
        end=hi,
        group_by=growth.CohortGrouping.NONE,
        limit=1,
        within_days=within,
        as_of=at,
    )
    groups: list[ViralRow] = []
    if group_by is not s.CohortGrouping.NONE:
        groups = await growth.viral_cohort(
            db,
            start=lo,
            end=hi,
            group_by=growth.CohortGrouping(group_by.value),
            limit=limit,
            within_days=within,
            as_of=at,
        )
    return s.ViralCoefficient(
        start=lo,
        end=hi,
        as_of=at,
        within=within,
        total=_group(total[0]),
        groups=[_group(g) for g in groups],
    )


def _bucket(b: BucketRecord) -> s.GrowthBucket:
    total = b.total
    user = b.by_source.get("USER", 0)
    return s.GrowthBucket(
        start=b.start,
        total=total,
        organic=b.by_source.get("ORGANIC", 0),
        user_referral=user,
        influencer=b.by_source.get("INFLUENCER", 0),
        partner=b.by_source.get("PARTNER", 0),
        network_share=user / total if total else None,
        referred_share=(total - b.by_source.get("ORGANIC", 0)) / total if total else None,
    )


async def growth_over_time(
    info: Info,
    start: From,
    end: To,
    interval: Annotated[
        s.GrowthInterval, strawberry.argument(description="The bucket size.")
    ] = s.GrowthInterval.DAY,
    as_of: AsOf = None,
) -> s.Growth:
    lo, hi = window(start, end)
    at = resolve_as_of(as_of, now=info.context.now(), after=lo)
    unit = growth.Interval[interval.name]
    try:
        found = await growth.growth(info.context.db, start=lo, end=hi, interval=unit, as_of=at)
    except growth.TooManyBucketsError as exc:
        raise BadUserInputError(str(exc)) from exc
    return s.Growth(
        as_of=at,
        interval=interval,
        total=_bucket(found.whole),
        buckets=[_bucket(b) for b in found.buckets],
        by_campaign=[
            s.CampaignGrowth(
                start=c.start, campaign_id=strawberry.ID(c.campaign_id), sign_ups=c.sign_ups
            )
            for c in found.by_campaign
        ],
        by_campaign_truncated=found.campaigns_truncated,
    )


@strawberry.type
class GrowthQuery:
    viral_coefficient: s.ViralCoefficient = strawberry.field(
        resolver=viral_coefficient,
        description="Viral coefficient (K-factor) of the cohort of users who signed up in "
        "[from, to), optionally split by campaign, channel or acquisition source kind: invites "
        "per member x invite-to-sign-up conversion, the direct-referral form (referees per "
        "member) and the viral cycle time. Taken as of `asOf` (default now): members who signed "
        "up, invites sent and referees who signed up after it do not count. An empty cohort has "
        "zero members and null ratios.",
    )
    growth: s.Growth = strawberry.field(
        resolver=growth_over_time,
        description="Sign-ups in [from, to) per UTC day, ISO week or month, split by "
        "acquisition source (organic, user referral, influencer, partner) and by campaign, with "
        "the share of network-driven growth. Only sign-ups at or before `asOf` (default now) "
        "count, so a window that reaches past it has its later buckets empty and its current "
        "one partial. At most 1000 buckets.",
    )
