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


@strawberry.input
class CreatePartnerInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the partner.")
    name: str
    kind: PartnerKind


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
