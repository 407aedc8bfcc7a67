"""Root fields that read sources: influencers, partners and campaigns by id and as lists, and
the performance leaderboard of influencers or partners."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.arguments import CASCADE_DEPTH, SOURCE_LIMIT, check
from growthgraph.api.context import Info
from growthgraph.api.lists import (
    FILTER,
    LIST_NOTE,
    ORDER,
    Listing,
    sorted_list,
    text_filter,
)
from growthgraph.api.pagination import After, First
from growthgraph.api.sources import types as s
from growthgraph.api.types import (
    Campaign,
    CampaignConnection,
    CampaignEdge,
    Influencer,
    InfluencerConnection,
    InfluencerEdge,
    Partner,
    PartnerConnection,
    PartnerEdge,
    campaign,
    influencer,
    partner,
    referrer,
)
from growthgraph.api.window import AsOf, resolve_as_of, window
from growthgraph.errors import BadUserInputError
from growthgraph.graph import entities, referrals, sources
from growthgraph.graph.labels import Kind
from growthgraph.graph.records import InfluencerRecord
from growthgraph.graph.referrals import EARLIEST, LATEST

SORTS = {sort: sources.SourceSort[sort.name] for sort in s.SourceSort}
_INFLUENCERS = Listing(sources.INFLUENCER_LIST, influencer, InfluencerEdge, InfluencerConnection)
_PARTNERS = Listing(sources.PARTNER_LIST, partner, PartnerEdge, PartnerConnection)
_CAMPAIGNS = Listing(sources.CAMPAIGN_LIST, campaign, CampaignEdge, CampaignConnection)


async def find_influencer(info: Info, id: strawberry.ID) -> Influencer | None:
    found = await entities.get_one(info.context.db, entities.INFLUENCERS, str(id))
    return None if found is None else influencer(found)


async def find_partner(info: Info, id: strawberry.ID) -> Partner | None:
    found = await entities.get_one(info.context.db, entities.PARTNERS, str(id))
    return None if found is None else partner(found)


async def find_campaign(info: Info, id: strawberry.ID) -> Campaign | None:
    found = await entities.get_one(info.context.db, entities.CAMPAIGNS, str(id))
    return None if found is None else campaign(found)


def _min_max(where: s.InfluencerFilter) -> tuple[int | None, int | None]:
    low, high = where.min_followers, where.max_followers
    if any(n is not None and n < 0 for n in (low, high)):
        raise BadUserInputError("`minFollowers` and `maxFollowers` must be zero or more")
    if low is not None and high is not None and low > high:
        raise BadUserInputError("`minFollowers` must not exceed `maxFollowers`")
    return low, high


async def list_influencers(
    info: Info,
    first: First = None,
    after: After = None,
    where: Annotated[s.InfluencerFilter | None, FILTER] = None,
    order_by: Annotated[s.InfluencerOrder | None, ORDER] = None,
) -> InfluencerConnection:
    flt = where or s.InfluencerFilter()
    low, high = _min_max(flt)
    given = {
        "platform": text_filter("platform", flt.platform),
        "minFollowers": low,
        "maxFollowers": high,
    }
    return await sorted_list(
        info, _INFLUENCERS, (first, after), order_by or s.InfluencerOrder(), given
    )


async def list_partners(
    info: Info,
    first: First = None,
    after: After = None,
    where: Annotated[s.PartnerFilter | None, FILTER] = None,
    order_by: Annotated[s.PartnerOrder | None, ORDER] = None,
) -> PartnerConnection:
    kind = None if where is None or where.partner_kind is None else where.partner_kind.value
    return await sorted_list(
        info, _PARTNERS, (first, after), order_by or s.PartnerOrder(), {"kind": kind}
    )


async def list_campaigns(
    info: Info,
    first: First = None,
    after: After = None,
    where: Annotated[s.CampaignFilter | None, FILTER] = None,
    order_by: Annotated[s.CampaignOrder | None, ORDER] = None,
) -> CampaignConnection:
    flt = where or s.CampaignFilter()
    utm = {
        "utmSource": text_filter("utmSource", flt.utm_source),
        "utmMedium": text_filter("utmMedium", flt.utm_medium),
    }
    return await sorted_list(info, _CAMPAIGNS, (first, after), order_by or s.CampaignOrder(), utm)


def _performance(r: sources.SourcePerformance, at: datetime) -> s.SourcePerformance:
    influencer = r.source if isinstance(r.source, InfluencerRecord) else None
    return s.SourcePerformance(
        as_of=at,
        source=referrer(r.source),
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
    info: Info,
    kind: Annotated[s.SourceKind, strawberry.argument(description="Influencers or partners.")],
    sort_by: Annotated[
        s.SourceSort, strawberry.argument(description="The ranking.")
    ] = s.SourceSort.DOWNLINE_SIGN_UPS,
    limit: Annotated[int, SOURCE_LIMIT.argument()] = 10,
    max_depth: Annotated[int, CASCADE_DEPTH.argument()] = referrals.DEFAULT_CASCADE_DEPTH,
    start: Annotated[
        datetime | None,
        strawberry.argument(name="from", description="Count sign-ups at or after this instant."),
    ] = None,
    end: Annotated[
        datetime | None,
        strawberry.argument(name="to", description="Count sign-ups before this instant."),
    ] = None,
    as_of: AsOf = None,
) -> list[s.SourcePerformance]:
    lo, hi = window(start or EARLIEST, end or LATEST)
    check((SOURCE_LIMIT, limit), (CASCADE_DEPTH, max_depth))
    at = resolve_as_of(as_of, now=info.context.now(), after=None if start is None else lo)
    rows = await sources.source_performance(
        info.context.db,
        Kind.INFLUENCER if kind is s.SourceKind.INFLUENCER else Kind.PARTNER,
        start=lo,
        end=hi,
        max_depth=max_depth,
        sort=SORTS[sort_by],
        limit=limit,
        undated=start is None and end is None,
        as_of=at,
    )
    return [_performance(r, at) for r in rows]


@strawberry.type
class SourcesQuery:
    influencer: Influencer | None = strawberry.field(
        resolver=find_influencer, description="An influencer by id; null if there is none."
    )
    partner: Partner | None = strawberry.field(
        resolver=find_partner, description="A partner by id; null if there is none."
    )
    campaign: Campaign | None = strawberry.field(
        resolver=find_campaign, description="A campaign by id; null if there is none."
    )
    influencers: InfluencerConnection = strawberry.field(
        resolver=list_influencers,
        description="Influencers, by id unless `orderBy` says otherwise: followers, engagement "
        "rate, or the sign-ups they referred directly or two hops below (the stored counters of "
        "`topReferrers`; none counts as zero); ties always by id. Optionally filtered by "
        "platform and a followers range. " + LIST_NOTE,
    )
    partners: PartnerConnection = strawberry.field(
        resolver=list_partners,
        description="Partners, by id unless `orderBy` says otherwise: name, or the sign-ups "
        "they referred directly or two hops below (the stored counters of `topReferrers`; none "
        "counts as zero); ties always by id. Optionally filtered by kind of partnership. "
        + LIST_NOTE,
    )
    campaigns: CampaignConnection = strawberry.field(
        resolver=list_campaigns,
        description="Campaigns, by id unless `orderBy` says otherwise (name), ties always by "
        "id; optionally filtered by `utm_source` and `utm_medium`. " + LIST_NOTE,
    )
    source_performance: list[s.SourcePerformance] = strawberry.field(
        resolver=source_performance,
        description="Leaderboard of influencers or partners: direct sign-ups, the whole "
        "downline and sign-ups by depth, conversion rate, revenue directly and through the "
        "network, the window's cost and cost per acquisition when the cost is known, and reach "
        "next to engagement rate, as of `asOf` (default now): sign-ups, conversions and costs "
        "after it do not count. Sorted by `sortBy`, ties by id; at most `limit` (1 to 100) "
        "sources.",
    )
