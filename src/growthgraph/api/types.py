"""The entity types every domain shares (users, influencers, partners, campaigns, referrers,
the referral edge and their pages), and how graph records become them. Field descriptions are
the public documentation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Protocol, TypeVar

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.enums import FROM_KIND, TO_KIND, PartnerKind, ReferrerKind
from growthgraph.api.pagination import (
    After,
    Count,
    Counted,
    First,
    PageInfo,
    compound_key,
    decode_cursor,
    instant_key,
    page_info,
    plain_key,
    split_key,
)
from growthgraph.api.permissions import personal
from growthgraph.api.window import AsOf, resolve_as_of
from growthgraph.graph import entities, users
from growthgraph.graph.events import ConversionRecord
from growthgraph.graph.labels import Kind
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

    @strawberry.field(
        description="The user's social connections (CONNECTED_TO, undirected), ordered by the "
        "other user's id, each with the time the connection was recorded. `totalCount` is the "
        "user's number of connections."
    )
    async def connections(
        self, info: Info, first: First = None, after: After = None
    ) -> ConnectedUserConnection:
        ctx = info.context
        key = (str(self.id), ctx.page_size(first), decode_cursor(after, "connections"))
        page = await ctx.connections_loader.load(key)
        edges, pi = page_info(page, lambda c: c.user.id, "connections")
        return ConnectedUserConnection(
            edges=[
                ConnectedUserEdge(cursor=cur, node=user(c.user), connected_at=c.at)
                for cur, c in edges
            ],
            page_info=pi,
            count=ctx.list_count("connections", str(self.id)),
        )

    @strawberry.field(
        description="The user's conversions (paying events), oldest first, ties by id. "
        "`totalCount` is the user's number of conversions."
    )
    async def conversions(
        self, info: Info, first: First = None, after: After = None
    ) -> ConversionConnection:
        ctx = info.context
        after_key = decode_cursor(after, "conversions")
        seek = None
        if after_key is not None:
            at, conversion_id = split_key(after_key, 2)
            seek = (instant_key(at), conversion_id)
        page = await ctx.conversions_loader.load((str(self.id), ctx.page_size(first), seek))
        edges, pi = page_info(page, conversion_key, "conversions")
        return ConversionConnection(
            edges=[ConversionEdge(cursor=cur, node=conversion(c)) for cur, c in edges],
            page_info=pi,
            count=ctx.list_count("conversions", str(self.id)),
        )

    @strawberry.field(
        description="What this user is worth to date: its conversions at or before `asOf` and "
        "their "
        "revenue (the per-user figure of `lifetimeValue`). Batched: one round trip per response "
        "level. Not personal data: read by every role that reads users."
    )
    async def lifetime_value(
        self,
        info: Info,
        as_of: AsOf = None,
    ) -> UserLifetimeValue:
        at = resolve_as_of(as_of, now=info.context.now())
        found = await info.context.user_value_loader.load((str(self.id), at))
        return UserLifetimeValue(
            as_of=at,
            conversions_to_date=found.conversions,
            revenue_to_date_cents=found.revenue_cents,
        )

    @strawberry.field(
        description="The rewards this user earned, from every run and in every status (as a "
        "referrer, or as the referee of a two-sided rule), ordered by reward id. `totalCount` "
        "is the number of such rewards."
    )
    async def rewards(
        self, info: Info, first: First = None, after: After = None
    ) -> RewardConnection:
        ctx = info.context
        key = (str(self.id), ctx.page_size(first), decode_cursor(after, "rewards"))
        page = await ctx.rewards_loader.load(key)
        edges, pi = page_info(page, lambda r: r.id, "rewards")
        return RewardConnection(
            edges=[RewardEdge(cursor=cur, node=reward(r)) for cur, r in edges],
            page_info=pi,
            count=ctx.list_count("rewards", str(self.id)),
        )


@strawberry.type(description="One user's value to date, as of an instant.")
class UserLifetimeValue:
    as_of: datetime = strawberry.field(description="The instant measured at (UTC).")
    conversions_to_date: int = strawberry.field(
        description="The user's conversions (paying events) dated at or before `asOf`."
    )
    revenue_to_date_cents: int = strawberry.field(
        description="Revenue of those conversions, in cents: the user's lifetime value to date."
    )


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


@strawberry.type(description="A paying event of a user.")
class Conversion:
    id: strawberry.ID
    user_id: strawberry.ID
    at: datetime = strawberry.field(description="When the user paid (UTC).")
    revenue_cents: int
    plan: str | None


@strawberry.enum(description="Where a reward stands.")
class RewardStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Computed, awaiting approval.")
    HELD = strawberry.enum_value(
        "HELD",
        description="Earned through a fraud-flagged user or referral: not payable; it can only "
        "be rejected.",
    )
    APPROVED = strawberry.enum_value("APPROVED", description="Approved, awaiting payment.")
    PAID = strawberry.enum_value("PAID", description="Paid out. Final.")
    REJECTED = strawberry.enum_value("REJECTED", description="Will not be paid. Final.")


@strawberry.type(description="A status a reward took, and when.")
class RewardStatusChange:
    status: RewardStatus
    at: datetime


@strawberry.type(description="One entry of a reward ledger.")
class Reward:
    id: strawberry.ID = strawberry.field(description="`<runId>#<conversionId>#<level>`.")
    run_id: strawberry.ID
    conversion_id: strawberry.ID = strawberry.field(description="The conversion that earned it.")
    level: int = strawberry.field(
        description="0: the paying user itself (two-sided reward); n: its n-th referrer up."
    )
    beneficiary_kind: ReferrerKind
    beneficiary_id: strawberry.ID
    amount_cents: int = strawberry.field(description="What is owed, after the cap.")
    capped_cents: int = strawberry.field(description="What the cap cut off.")
    status: RewardStatus
    history: list[RewardStatusChange] = strawberry.field(description="Every status, oldest first.")


@strawberry.type
class ConnectedUserEdge:
    cursor: str
    node: User = strawberry.field(description="The other user.")
    connected_at: datetime | None = strawberry.field(
        description="When the connection was recorded (UTC); null if no time was given."
    )


@strawberry.type(description="A page of a user's social connections.")
class ConnectedUserConnection(Counted):
    edges: list[ConnectedUserEdge]
    page_info: PageInfo

    @strawberry.field(description="The connected users of this page, without cursors.")
    def nodes(self) -> list[User]:
        return [edge.node for edge in self.edges]


@strawberry.type
class ConversionEdge:
    cursor: str
    node: Conversion


@strawberry.type(description="A page of a user's conversions.")
class ConversionConnection(Counted):
    edges: list[ConversionEdge]
    page_info: PageInfo


@strawberry.type
class RewardEdge:
    cursor: str
    node: Reward


@strawberry.type(description="A page of a user's rewards.")
class RewardConnection(Counted):
    edges: list[RewardEdge]
    page_info: PageInfo


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


def conversion(r: ConversionRecord) -> Conversion:
    return Conversion(
        id=strawberry.ID(r.id),
        user_id=strawberry.ID(r.user_id),
        at=r.at,
        revenue_cents=r.revenue_cents,
        plan=r.plan,
    )


def conversion_key(r: ConversionRecord) -> str:
    """A conversion's place in a user's conversions: its time (UTC), then its id."""
    return compound_key(r.at.astimezone(UTC).isoformat(), r.id)


def reward(r: users.RewardRecord) -> Reward:
    return Reward(
        id=strawberry.ID(r.id),
        run_id=strawberry.ID(r.run_id),
        conversion_id=strawberry.ID(r.conversion_id),
        level=r.level,
        beneficiary_kind=FROM_KIND[Kind(r.beneficiary_label)],
        beneficiary_id=strawberry.ID(r.beneficiary_id),
        amount_cents=r.amount_cents,
        capped_cents=r.capped_cents,
        status=RewardStatus[r.status],
        history=[RewardStatusChange(status=RewardStatus[st], at=t) for st, t in r.history],
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
    after_key = plain_key(decode_cursor(after, info.field_name), info.field_name)
    found = await entities.page(ctx.db, entity, ctx.page_size(first), after_key)
    edges, pi = page_info(found, lambda r: r.id, info.field_name)

    async def count() -> int:
        return await entities.count_all(ctx.db, entity)

    return connection(
        edges=[edge(cursor=c, node=node(r)) for c, r in edges], page_info=pi, count=count
    )
