"""Root query resolvers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import entities, referrals
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context, count_of, user_connection
from growthgraph.resolvers.pagination import decode_cursor, page_info
from growthgraph.schema.enums import ReferrerKind
from growthgraph.schema.inputs import ReferrerRef
from growthgraph.schema.types import (
    AFTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    Campaign,
    CampaignConnection,
    CampaignEdge,
    CascadeLevel,
    Influencer,
    InfluencerConnection,
    InfluencerEdge,
    Partner,
    PartnerConnection,
    PartnerEdge,
    ReferralCascade,
    Referrer,
    ReferrerSignUps,
    User,
    UserConnection,
)
from growthgraph.validation import check_aware

Ctx = Info[Context, None]
First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]

MAX_TOP_LIMIT = 100


async def user(info: Ctx, id: strawberry.ID) -> User | None:
    found = await entities.get_users(info.context.db, [str(id)])
    record = found.get(str(id))
    return None if record is None else mapping.user(record)


async def influencer(info: Ctx, id: strawberry.ID) -> Influencer | None:
    found = await entities.get_influencers(info.context.db, [str(id)])
    record = found.get(str(id))
    return None if record is None else mapping.influencer(record)


async def partner(info: Ctx, id: strawberry.ID) -> Partner | None:
    found = await entities.get_partners(info.context.db, [str(id)])
    record = found.get(str(id))
    return None if record is None else mapping.partner(record)


async def campaign(info: Ctx, id: strawberry.ID) -> Campaign | None:
    found = await entities.get_campaigns(info.context.db, [str(id)])
    record = found.get(str(id))
    return None if record is None else mapping.campaign(record)


async def users(info: Ctx, first: First = None, after: After = None) -> UserConnection:
    ctx = info.context
    page = await entities.list_users(ctx.db, ctx.page_size(first), decode_cursor(after))
    return user_connection(page, count_of(ctx.db, "User"))


async def influencers(info: Ctx, first: First = None, after: After = None) -> InfluencerConnection:
    ctx = info.context
    page = await entities.list_influencers(ctx.db, ctx.page_size(first), decode_cursor(after))
    edges, pi = page_info(page, lambda r: r.id)
    return InfluencerConnection(
        edges=[InfluencerEdge(cursor=c, node=mapping.influencer(r)) for c, r in edges],
        page_info=pi,
        count=count_of(ctx.db, "Influencer"),
    )


async def partners(info: Ctx, first: First = None, after: After = None) -> PartnerConnection:
    ctx = info.context
    page = await entities.list_partners(ctx.db, ctx.page_size(first), decode_cursor(after))
    edges, pi = page_info(page, lambda r: r.id)
    return PartnerConnection(
        edges=[PartnerEdge(cursor=c, node=mapping.partner(r)) for c, r in edges],
        page_info=pi,
        count=count_of(ctx.db, "Partner"),
    )


async def campaigns(info: Ctx, first: First = None, after: After = None) -> CampaignConnection:
    ctx = info.context
    page = await entities.list_campaigns(ctx.db, ctx.page_size(first), decode_cursor(after))
    edges, pi = page_info(page, lambda r: r.id)
    return CampaignConnection(
        edges=[CampaignEdge(cursor=c, node=mapping.campaign(r)) for c, r in edges],
        page_info=pi,
        count=count_of(ctx.db, "Campaign"),
    )


def _window(since: datetime | None, until: datetime | None) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is not None and check_aware(name, value):
            raise BadUserInputError(f"`{name}` must include a time zone offset")
    if since is not None and until is not None and since >= until:
        raise BadUserInputError("`since` must be earlier than `until`")


async def top_referrers(
    info: Ctx,
    degree: Annotated[
        int,
        strawberry.argument(
            description="How many REFERRED hops below the referrer a sign-up must be: 1 counts "
            "direct referrals, 2 second-degree sign-ups (the referrals of its referrals), up to 5."
        ),
    ],
    limit: Annotated[
        int, strawberry.argument(description="How many referrers to return, 1 to 100.")
    ] = 10,
    since: Annotated[
        datetime | None,
        strawberry.argument(description="Count only sign-ups at or after this instant."),
    ] = None,
    until: Annotated[
        datetime | None, strawberry.argument(description="Count only sign-ups before this instant.")
    ] = None,
    kinds: Annotated[
        list[ReferrerKind] | None,
        strawberry.argument(
            description="Rank only referrers of these kinds; all kinds if omitted."
        ),
    ] = None,
) -> list[ReferrerSignUps]:
    if not 1 <= degree <= referrals.MAX_DEGREE:
        raise BadUserInputError(f"`degree` must be between 1 and {referrals.MAX_DEGREE}")
    if not 1 <= limit <= MAX_TOP_LIMIT:
        raise BadUserInputError(f"`limit` must be between 1 and {MAX_TOP_LIMIT}")
    _window(since, until)
    wanted = list(ReferrerKind) if kinds is None else list(dict.fromkeys(kinds))
    rows = await referrals.top_referrers(
        info.context.db,
        degree=degree,
        limit=limit,
        since=since,
        until=until,
        kinds=[mapping.TO_KIND[k] for k in wanted],
        use_counters=info.context.settings.referral_counters,
    )
    return [
        ReferrerSignUps(referrer=mapping.referrer(r.referrer), sign_ups=r.sign_ups) for r in rows
    ]


async def referral_cascade(
    info: Ctx,
    # `root` is reserved by Strawberry for the parent value, so the parameter is renamed.
    top: Annotated[
        ReferrerRef, strawberry.argument(name="root", description="The referrer at the top.")
    ],
    max_depth: Annotated[
        int,
        strawberry.argument(description="How many levels below the root to follow, 1 to 50."),
    ] = 5,
) -> ReferralCascade | None:
    if not 1 <= max_depth <= referrals.MAX_CASCADE_DEPTH:
        raise BadUserInputError(f"`maxDepth` must be between 1 and {referrals.MAX_CASCADE_DEPTH}")
    found = await referrals.cascade(
        info.context.db, mapping.TO_KIND[top.kind], str(top.id), max_depth=max_depth
    )
    if found is None:
        return None
    return ReferralCascade(
        root=mapping.referrer(found.root),
        total=found.total,
        depth=found.depth,
        levels=[CascadeLevel(depth=lv.depth, sign_ups=lv.sign_ups) for lv in found.levels],
    )


async def attribution_path(info: Ctx, user_id: strawberry.ID) -> list[Referrer] | None:
    chain = await referrals.attribution_path(info.context.db, str(user_id))
    return None if chain is None else [mapping.referrer(r) for r in chain]
