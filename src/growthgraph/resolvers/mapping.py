"""Records from ``graph`` to schema types, and the kind enums between the two layers."""

from __future__ import annotations

import strawberry

from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    Kind,
    PartnerRecord,
    ReferralRecord,
    ReferrerRecord,
    UserRecord,
)
from growthgraph.schema.enums import PartnerKind, ReferrerKind
from growthgraph.schema.types import Campaign, Influencer, Partner, Referral, Referrer, User

TO_KIND: dict[ReferrerKind, Kind] = {
    ReferrerKind.USER: Kind.USER,
    ReferrerKind.INFLUENCER: Kind.INFLUENCER,
    ReferrerKind.PARTNER: Kind.PARTNER,
}
FROM_KIND: dict[Kind, ReferrerKind] = {v: k for k, v in TO_KIND.items()}


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
