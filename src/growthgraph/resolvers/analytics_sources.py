"""Query resolvers of source performance and cascade structure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import analytics_cascades, analytics_sources
from growthgraph.graph.records import InfluencerRecord, Kind
from growthgraph.graph.referrals import EARLIEST, LATEST
from growthgraph.resolvers import mapping
from growthgraph.resolvers.analytics_growth import From, To, window
from growthgraph.resolvers.context import Context
from growthgraph.schema import analytics_sources as s
from growthgraph.schema.inputs import ReferrerRef

Ctx = Info[Context, None]
MaxDepth = Annotated[
    int, strawberry.argument(description="How many levels below the root to follow, 1 to 50.")
]
SORTS = {
    s.SourceSort.DIRECT_SIGN_UPS: analytics_sources.SourceSort.DIRECT_SIGN_UPS,
    s.SourceSort.DOWNLINE_SIGN_UPS: analytics_sources.SourceSort.DOWNLINE_SIGN_UPS,
    s.SourceSort.CONVERSION_RATE: analytics_sources.SourceSort.CONVERSION_RATE,
    s.SourceSort.REVENUE: analytics_sources.SourceSort.REVENUE,
    s.SourceSort.COST_PER_ACQUISITION: analytics_sources.SourceSort.COST_PER_ACQUISITION,
}


def _performance(r: analytics_sources.SourcePerformance) -> s.SourcePerformance:
    influencer = r.source if isinstance(r.source, InfluencerRecord) else None
    return s.SourcePerformance(
        source=mapping.referrer(r.source),
        direct_sign_ups=r.direct_sign_ups,
        downline_sign_ups=r.downline_sign_ups,
        by_depth=[
            s.DepthPerformance(
                depth=d.depth,
                sign_ups=d.sign_ups,
                converted=d.converted,
                revenue_cents=d.revenue_cents,
            )
            for d in r.by_depth
        ],
        converted=r.converted,
        conversion_rate=r.conversion_rate,
        revenue_direct_cents=r.revenue_direct_cents,
        revenue_network_cents=r.revenue_network_cents,
        cost_cents=r.cost_cents,
        cost_per_acquisition_cents=r.cost_per_acquisition_cents,
        reach=None if influencer is None else influencer.followers,
        engagement_rate=None if influencer is None else influencer.engagement_rate,
    )


async def source_performance(
    info: Ctx,
    kind: Annotated[s.SourceKind, strawberry.argument(description="Influencers or partners.")],
    sort_by: Annotated[
        s.SourceSort, strawberry.argument(description="The ranking.")
    ] = s.SourceSort.DOWNLINE_SIGN_UPS,
    limit: Annotated[int, strawberry.argument(description="How many sources, 1 to 100.")] = 10,
    max_depth: MaxDepth = 10,
    start: Annotated[
        datetime | None,
        strawberry.argument(name="from", description="Count sign-ups at or after this instant."),
    ] = None,
    end: Annotated[
        datetime | None,
        strawberry.argument(name="to", description="Count sign-ups before this instant."),
    ] = None,
) -> list[s.SourcePerformance]:
    lo, hi = window(start or EARLIEST, end or LATEST)
    if not 1 <= limit <= analytics_sources.MAX_LIMIT:
        raise BadUserInputError(f"`limit` must be between 1 and {analytics_sources.MAX_LIMIT}")
    if not 1 <= max_depth <= analytics_sources.MAX_DEPTH:
        raise BadUserInputError(f"`maxDepth` must be between 1 and {analytics_sources.MAX_DEPTH}")
    rows = await analytics_sources.source_performance(
        info.context.db,
        Kind.INFLUENCER if kind is s.SourceKind.INFLUENCER else Kind.PARTNER,
        start=lo,
        end=hi,
        max_depth=max_depth,
        sort=SORTS[sort_by],
        limit=limit,
    )
    return [_performance(r) for r in rows]


async def cascade_structure(
    info: Ctx,
    top: Annotated[
        ReferrerRef, strawberry.argument(name="root", description="The referrer at the top.")
    ],
    max_depth: MaxDepth = 50,
) -> s.CascadeStructure | None:
    if not 1 <= max_depth <= analytics_cascades.MAX_DEPTH:
        raise BadUserInputError(f"`maxDepth` must be between 1 and {analytics_cascades.MAX_DEPTH}")
    found = await analytics_cascades.cascade_stats(
        info.context.db, mapping.TO_KIND[top.kind], str(top.id), max_depth=max_depth
    )
    if found is None:
        return None
    return s.CascadeStructure(
        root=mapping.referrer(found.root),
        size=found.size,
        depth=found.depth,
        breadth=list(found.breadth),
        structural_virality=found.structural_virality,
        truncated=found.truncated,
    )


async def largest_cascades(
    info: Ctx,
    start: From,
    end: To,
    limit: Annotated[int, strawberry.argument(description="How many cascades, 1 to 100.")] = 10,
) -> list[s.GrowingCascade]:
    lo, hi = window(start, end)
    if not 1 <= limit <= analytics_cascades.MAX_LARGEST:
        raise BadUserInputError(f"`limit` must be between 1 and {analytics_cascades.MAX_LARGEST}")
    rows = await analytics_cascades.largest_cascades(info.context.db, start=lo, end=hi, limit=limit)
    return [
        s.GrowingCascade(root=mapping.referrer(r.root), sign_ups=r.sign_ups, size=r.size)
        for r in rows
    ]
