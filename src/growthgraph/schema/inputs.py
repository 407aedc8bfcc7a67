"""Input types. Values are checked by ``growthgraph.validation`` before anything is written."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.schema.enums import PartnerKind, ReferrerKind


@strawberry.input(description="Identifies a referrer: ids are unique per kind.")
class ReferrerRef:
    kind: ReferrerKind
    id: strawberry.ID


@strawberry.input
class CreateInfluencerInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the influencer.")
    handle: str
    platform: str = strawberry.field(description="instagram, tiktok, youtube, ...")
    followers: int = strawberry.field(description="Audience size; zero or more.")
    engagement_rate: float = strawberry.field(description="From 0 to 1.")
    cost_cents: int | None = strawberry.field(
        default=None,
        description="What the deal cost, in cents; enables cost per acquisition. Zero or more.",
    )


@strawberry.input
class CreatePartnerInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the partner.")
    name: str
    kind: PartnerKind
    cost_cents: int | None = strawberry.field(
        default=None,
        description="What the deal cost, in cents; enables cost per acquisition. Zero or more.",
    )


@strawberry.input
class CreateCampaignInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the campaign.")
    name: str
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None


@strawberry.input(
    description="A sign-up. With a `referrer`, it also records the REFERRED edge; a user is "
    "referred at most once (the first valid referral wins)."
)
class RecordSignUpInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the user.")
    name: str
    email: str
    signed_up_at: datetime = strawberry.field(
        description="When the user signed up; must carry a time zone offset."
    )
    country: str | None = strawberry.field(
        default=None, description="ISO 3166-1 alpha-2 code, such as DE."
    )
    plan: str | None = None
    referrer: ReferrerRef | None = strawberry.field(
        default=None, description="Who referred the user; omit for an organic sign-up."
    )
    channel: str | None = strawberry.field(
        default=None, description="The acquisition channel: link, email, sms, social, ..."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing campaign the sign-up is attributed to."
    )
    invite_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The invite this sign-up accepted. It must exist, be accepted by no other "
        "user, and have been sent no later than `signedUpAt`. Its sender is the referrer: "
        "`referrer` may be omitted (it is then implied) or must name that sender. The invite's "
        "channel and campaign apply unless `channel` / `campaignId` are given.",
    )
    ip: str | None = strawberry.field(
        default=None,
        description="The sign-up's IP address. Only a keyed hash (HMAC-SHA256 with the server's "
        "secret) is stored, for fraud signals; the address itself is never stored.",
    )
    device: str | None = strawberry.field(
        default=None,
        description="A device identifier (fingerprint, advertising id). Only a keyed hash is "
        "stored, like `ip`.",
    )
