"""The sign-up input and its success."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from growthgraph.api.errors import created_flag
from growthgraph.api.lists import SortDirection
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


@strawberry.input(
    description="Which users a list holds. Every field given must match; omitted fields admit "
    "everyone."
)
class UserFilter:
    signed_up_from: datetime | None = strawberry.field(
        default=None, description="Users who signed up at or after this instant (with an offset)."
    )
    signed_up_to: datetime | None = strawberry.field(
        default=None, description="Users who signed up before this instant (with an offset)."
    )
    country: str | None = strawberry.field(
        default=None, description="Users of this ISO 3166-1 alpha-2 country, such as DE."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="Users whose sign-up is attributed to this campaign."
    )


@strawberry.enum(description="What a list of users is sorted by; ties always break by id.")
class UserSortField(Enum):
    ID = "ID"
    SIGNED_UP_AT = strawberry.enum_value("SIGNED_UP_AT", description="The sign-up time.")


@strawberry.input(description="The order of a list of users.")
class UserOrder:
    field: UserSortField = UserSortField.ID
    direction: SortDirection = SortDirection.ASC
