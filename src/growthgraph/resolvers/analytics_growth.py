"""Query resolvers of the growth questions: check arguments, read through ``graph``, map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import analytics_growth, analytics_viral
from growthgraph.graph.analytics_growth import GrowthBucket as BucketRecord
from growthgraph.graph.analytics_viral import ViralRow
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.schema import analytics_growth as s
from growthgraph.schema.inputs import ReferrerRef
from growthgraph.validation import check_aware

Ctx = Info[Context, None]
From = Annotated[
    datetime,
    strawberry.argument(name="from", description="Window start (inclusive), with an offset."),
]
To = Annotated[
    datetime, strawberry.argument(name="to", description="Window end (exclusive), with an offset.")
]


def window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    for name, value in (("from", start), ("to", end)):
        if check_aware(name, value):
            raise BadUserInputError(f"`{name}` must include a time zone offset")
    if start >= end:
        raise BadUserInputError("`from` must be earlier than `to`")
    return start.astimezone(UTC), end.astimezone(UTC)


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
    )


async def viral_coefficient(
    info: Ctx,
    start: From,
    end: To,
    group_by: Annotated[
        s.CohortGrouping, strawberry.argument(description="How to split the cohort.")
    ] = s.CohortGrouping.NONE,
    limit: Annotated[
        int,
        strawberry.argument(
            description=f"At most this many groups, 1 to {analytics_viral.MAX_GROUPS}."
        ),
    ] = 50,
) -> s.ViralCoefficient:
    lo, hi = window(start, end)
    if not 1 <= limit <= analytics_viral.MAX_GROUPS:
        raise BadUserInputError(f"`limit` must be between 1 and {analytics_viral.MAX_GROUPS}")
    db = info.context.db
    total = await analytics_viral.viral_cohort(
        db, start=lo, end=hi, group_by=analytics_viral.CohortGrouping.NONE, limit=1
    )
    groups: list[ViralRow] = []
    if group_by is not s.CohortGrouping.NONE:
        groups = await analytics_viral.viral_cohort(
            db,
            start=lo,
            end=hi,
            group_by=analytics_viral.CohortGrouping(group_by.value),
            limit=limit,
        )
    return s.ViralCoefficient(
        start=lo, end=hi, total=_group(total[0]), groups=[_group(g) for g in groups]
    )


async def cascade_generations(
    info: Ctx,
    top: Annotated[
        ReferrerRef, strawberry.argument(name="root", description="The referrer at the top.")
    ],
    max_generation: Annotated[
        int,
        strawberry.argument(
            description=f"The last generation to report, 1 to {analytics_viral.MAX_GENERATIONS}."
        ),
    ] = 10,
) -> list[s.CascadeGeneration] | None:
    if not 1 <= max_generation <= analytics_viral.MAX_GENERATIONS:
        raise BadUserInputError(
            f"`maxGeneration` must be between 1 and {analytics_viral.MAX_GENERATIONS}"
        )
    found = await analytics_viral.generations(
        info.context.db, mapping.TO_KIND[top.kind], str(top.id), max_generation=max_generation
    )
    if found is None:
        return None
    return [s.CascadeGeneration(generation=g.generation, size=g.size, k=g.k) for g in found]


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


async def growth(
    info: Ctx,
    start: From,
    end: To,
    interval: Annotated[
        s.GrowthInterval, strawberry.argument(description="The bucket size.")
    ] = s.GrowthInterval.DAY,
) -> s.Growth:
    lo, hi = window(start, end)
    unit = analytics_growth.Interval[interval.name]
    try:
        found = await analytics_growth.growth(info.context.db, start=lo, end=hi, interval=unit)
    except analytics_growth.TooManyBucketsError as exc:
        raise BadUserInputError(str(exc)) from exc
    return s.Growth(
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
