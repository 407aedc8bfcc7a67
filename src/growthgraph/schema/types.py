"""Object types of the public schema. Field descriptions are the public documentation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.access import personal
from growthgraph.schema.context import GraphContext
from growthgraph.schema.enums import PartnerKind, ReferrerKind

Ctx = Info[GraphContext, None]

FIRST_DESCRIPTION = (
    "Page size. Defaults to the server's page size (20 unless configured) and may not exceed "
    "its maximum (100 unless configured)."
)
AFTER_DESCRIPTION = "The `endCursor` of the previous page; omit it for the first page."


@strawberry.type
class Counted:
    """A list page whose whole length can be asked for. ``count`` runs only when ``totalCount``
    is selected, and answers from Neo4j's counts (the count store, a node's degree), never by
    reading the items."""

    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="How many items the whole list holds, not just this page. Counted only when "
        "asked for, in constant time from the database's counts, never by reading the items."
    )
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type(description="Where a page of a list ends and whether another page follows.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to fetch the next page; null on an empty page."
    )


@strawberry.interface(
    description="Anything that can refer a user: another user, an influencer or a partner. "
    "Ids are unique per kind, so a referrer is identified by `kind` and `id` together."
)
class Referrer:
    id: strawberry.ID
    kind: ReferrerKind

    @strawberry.field(
        description="The users this referrer brought in directly (one REFERRED hop), "
        "ordered by user id."
    )
    async def referrals(
        self,
        info: Ctx,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> UserConnection:
        return await info.context.referrals_page(self.kind, str(self.id), first, after)


@strawberry.type(description="A person who signed up.")
class User(Referrer):
    full_name: strawberry.Private[str]
    email_address: strawberry.Private[str]

    @strawberry.field(description="The user's name; `[masked]` for every role but admin.")
    def name(self) -> str:
        return personal(self.full_name)

    @strawberry.field(description="The user's e-mail address; `[masked]` for every role but admin.")
    def email(self) -> str:
        return personal(self.email_address)

    signed_up_at: datetime = strawberry.field(description="When the user signed up (UTC).")
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country code.")
    plan: str | None
    channel: str | None = strawberry.field(
        description="The acquisition channel given at sign-up (link, email, social, ...)."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        description="The campaign given at sign-up, if any."
    )

    @strawberry.field(description="Who referred this user; null for an organic sign-up.")
    async def referred_by(self, info: Ctx) -> Referrer | None:
        referral = await info.context.referral_of(str(self.id))
        return None if referral is None else referral.referrer

    @strawberry.field(
        description="The referral that brought this user in (when, through which channel and "
        "campaign); null for an organic sign-up."
    )
    async def referral(self, info: Ctx) -> Referral | None:
        return await info.context.referral_of(str(self.id))


@strawberry.type(description="A creator whose audience signs up through their referrals.")
class Influencer(Referrer):
    handle: str
    platform: str = strawberry.field(description="Where the audience is: instagram, tiktok, ...")
    followers: int
    engagement_rate: float = strawberry.field(description="Engagement rate, from 0 to 1.")
    cost_cents: int | None = strawberry.field(
        default=None, description="What the deal cost, in cents; null if unknown."
    )


@strawberry.type(description="A business that refers users: marketplace, affiliate, reseller, ...")
class Partner(Referrer):
    name: str
    partner_kind: PartnerKind = strawberry.field(description="The kind of partnership.")
    cost_cents: int | None = strawberry.field(
        default=None, description="What the deal cost, in cents; null if unknown."
    )


@strawberry.type(description="A marketing campaign with its UTM parameters.")
class Campaign:
    id: strawberry.ID
    name: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None


@strawberry.type(description="The REFERRED edge that brought a user in.")
class Referral:
    referrer: Referrer
    at: datetime = strawberry.field(description="When the referral happened (the sign-up time).")
    channel: str | None
    campaign_id: strawberry.ID | None

    @strawberry.field(description="The campaign the referral is attributed to, if any.")
    async def campaign(self, info: Ctx) -> Campaign | None:
        if self.campaign_id is None:
            return None
        return await info.context.campaign_by_id(str(self.campaign_id))


@strawberry.type
class UserEdge:
    cursor: str
    node: User


@strawberry.type(description="A page of users.")
class UserConnection(Counted):
    edges: list[UserEdge]
    page_info: PageInfo

    @strawberry.field(description="The users of this page, without cursors.")
    def nodes(self) -> list[User]:
        return [edge.node for edge in self.edges]


@strawberry.type
class InfluencerEdge:
    cursor: str
    node: Influencer


@strawberry.type(description="A page of influencers.")
class InfluencerConnection(Counted):
    edges: list[InfluencerEdge]
    page_info: PageInfo


@strawberry.type
class PartnerEdge:
    cursor: str
    node: Partner


@strawberry.type(description="A page of partners.")
class PartnerConnection(Counted):
    edges: list[PartnerEdge]
    page_info: PageInfo


@strawberry.type
class CampaignEdge:
    cursor: str
    node: Campaign


@strawberry.type(description="A page of campaigns.")
class CampaignConnection(Counted):
    edges: list[CampaignEdge]
    page_info: PageInfo


@strawberry.type(description="A referrer and how many sign-ups it drove at the asked degree.")
class ReferrerSignUps:
    referrer: Referrer
    sign_ups: int = strawberry.field(
        description="Users exactly `degree` REFERRED hops below the referrer (in the time window, "
        "when one is given)."
    )


@strawberry.type(description="Sign-ups at one level of a cascade.")
class CascadeLevel:
    depth: int = strawberry.field(description="Hops below the root: 1 = direct referrals.")
    sign_ups: int


@strawberry.type(description="The whole downline under a root referrer, level by level.")
class ReferralCascade:
    root: Referrer
    total: int = strawberry.field(description="All users below the root, down to `maxDepth`.")
    depth: int = strawberry.field(description="The deepest level reached; 0 with no referrals.")
    levels: list[CascadeLevel] = strawberry.field(
        description="One entry per non-empty level, by increasing depth."
    )
