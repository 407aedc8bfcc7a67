"""Types of the growth events: invites and conversions, their inputs and successes."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.api.errors import created_flag
from growthgraph.api.types import Conversion, Referrer, ReferrerRef


@strawberry.input(
    description="An invitation sent by a referrer. A later sign-up may name it (`inviteId`), "
    "which records that the invite was accepted."
)
class RecordInviteInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the invite.")
    referrer: ReferrerRef = strawberry.field(description="Who sent the invite.")
    at: datetime = strawberry.field(
        description="When the invite was sent; must carry a time zone offset. A user cannot "
        "send invites before its own sign-up."
    )
    channel: str | None = strawberry.field(
        default=None, description="How it was sent: link, email, sms, social, ..."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing campaign the invite belongs to."
    )


@strawberry.input(description="A paying event of a user (a purchase, a subscription payment).")
class RecordConversionInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the conversion.")
    user_id: strawberry.ID = strawberry.field(description="The existing user who paid.")
    at: datetime = strawberry.field(
        description="When the user paid; must carry a time zone offset and not precede the "
        "user's sign-up."
    )
    revenue_cents: int = strawberry.field(description="Revenue in cents; zero or more.")
    plan: str | None = None


@strawberry.type(description="An invitation sent by a referrer.")
class Invite:
    id: strawberry.ID
    at: datetime = strawberry.field(description="When it was sent (UTC).")
    channel: str | None
    campaign_id: strawberry.ID | None
    sender: Referrer = strawberry.field(description="Who sent it.")


@strawberry.type(description="The invite as stored.")
class RecordInviteSuccess:
    invite: Invite
    created: bool = created_flag()


@strawberry.type(description="The conversion as stored.")
class RecordConversionSuccess:
    conversion: Conversion
    created: bool = created_flag()
