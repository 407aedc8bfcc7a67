"""The sign-up input and its success."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.api.errors import created_flag
from growthgraph.api.types import ReferrerRef, User


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


@strawberry.type(description="The user as stored.")
class RecordSignUpSuccess:
    user: User
    created: bool = created_flag()
