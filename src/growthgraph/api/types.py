"""The entity types every domain shares (users, influencers, partners, campaigns, referrers,
the referral edge and their pages), and how graph records become them. Field descriptions are
the public documentation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Protocol, TypeVar

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.enums import TO_KIND, PartnerKind, ReferrerKind
from growthgraph.api.pagination import (
    After,
    Count,
    Counted,
    First,
    PageInfo,
    decode_cursor,
    page_info,
)
from growthgraph.api.permissions import personal
from growthgraph.graph import entities
from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    Page,
    PartnerRecord,
    ReferralRecord,
    ReferrerRecord,
    UserRecord,
)


class HasId(Protocol):
    @property
    def id(self) -> str: ...


Rec = TypeVar("Rec", bound=HasId)
Node = TypeVar("Node")
Conn = TypeVar("Conn")


@strawberry.input(description="Identifies a referrer: ids are unique per kind.")
class ReferrerRef:
    kind: ReferrerKind
    id: strawberry.ID


# The `root` argument of the cascade questions. `root` is reserved by Strawberry for the parent
# value, so the Python parameter is named `top` and renamed in the schema.
Root = Annotated[
    ReferrerRef, strawberry.argument(name="root", description="The referrer at the top.")
]


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
        self, info: Info, first: First = None, after: After = None
    ) -> UserConnection:
        page, count = await info.context.referrals_page(
            TO_KIND[self.kind], str(self.id), first, after
        )
        return user_connection(page, count)


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
    async def referred_by(self, info: Info) -> Referrer | None:
        found = await info.context.referral_of(str(self.id))
        return None if found is None else referrer(found.referrer)

    @strawberry.field(
        description="The referral that brought this user in (when, through which channel and "
        "campaign); null for an organic sign-up."
    )
    async def referral(self, info: Info) -> Referral | None:
        found = await info.context.referral_of(str(self.id))
        return None if found is None else referral(found)


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
    async def campaign(self, info: Info) -> Campaign | None:
        if self.campaign_id is None:
            return None
        found = await info.context.campaign_by_id(str(self.campaign_id))
        return None if found is None else campaign(found)


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


# --- records to types ---------------------------------------------------------------------


def user(r: UserRecord) -> User:
    return User(
        id=strawberry.ID(r.id),
        kind=ReferrerKind.USER,
        full_name=r.name,
        email_address=r.email,
        signed_up_at=r.signed_up_at,
        country=r.country,
        plan=r.plan,
        channel=r.channel,
        campaign_id=None if r.campaign_id is None else strawberry.ID(r.campaign_id),
    )


def influencer(r: InfluencerRecord) -> Influencer:
    return Influencer(
        id=strawberry.ID(r.id),
        kind=ReferrerKind.INFLUENCER,
        handle=r.handle,
        platform=r.platform,
        followers=r.followers,
        engagement_rate=r.engagement_rate,
        cost_cents=r.cost_cents,
    )


def partner(r: PartnerRecord) -> Partner:
    return Partner(
        id=strawberry.ID(r.id),
        kind=ReferrerKind.PARTNER,
        name=r.name,
        partner_kind=PartnerKind(r.partner_kind),
        cost_cents=r.cost_cents,
    )


def campaign(r: CampaignRecord) -> Campaign:
    return Campaign(
        id=strawberry.ID(r.id),
        name=r.name,
        utm_source=r.utm_source,
        utm_medium=r.utm_medium,
        utm_campaign=r.utm_campaign,
    )


def referrer(r: ReferrerRecord) -> Referrer:
    if isinstance(r, UserRecord):
        return user(r)
    if isinstance(r, InfluencerRecord):
        return influencer(r)
    return partner(r)


def referral(r: ReferralRecord) -> Referral:
    return Referral(
        referrer=referrer(r.referrer),
        at=r.at,
        channel=r.channel,
        campaign_id=None if r.campaign_id is None else strawberry.ID(r.campaign_id),
    )


def user_connection(page: Page[UserRecord], count: Count) -> UserConnection:
    edges, info = page_info(page, lambda u: u.id, "referrals")
    return UserConnection(
        edges=[UserEdge(cursor=c, node=user(u)) for c, u in edges], page_info=info, count=count
    )


async def entity_list(
    info: Info,
    entity: entities.Entity[Rec],
    node: Callable[[Rec], Node],
    edge: Callable[..., object],
    connection: Callable[..., Conn],
    first: int | None,
    after: str | None,
) -> Conn:
    """A keyset page of one kind of entity as its connection type: the one list resolver."""
    ctx = info.context
    # The list is named by its field (`users`, `campaigns`, ...): its cursors work only there.
    after_key = decode_cursor(after, info.field_name)
    found = await entities.page(ctx.db, entity, ctx.page_size(first), after_key)
    edges, pi = page_info(found, lambda r: r.id, info.field_name)

    async def count() -> int:
        return await entities.count_all(ctx.db, entity)

    return connection(
        edges=[edge(cursor=c, node=node(r)) for c, r in edges], page_info=pi, count=count
    )
