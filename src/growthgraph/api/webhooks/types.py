"""Types of the webhooks: registrations and their delivery records."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from growthgraph.api.errors import IdConflictError, InvalidInputError, created_flag


@strawberry.enum(description="What a change in the feed records.")
class ChangeKind(Enum):
    SIGN_UP = "SIGN_UP"
    REFERRAL = "REFERRAL"
    CONVERSION = "CONVERSION"
    REWARD_STATUS = "REWARD_STATUS"
    FRAUD_FLAG = "FRAUD_FLAG"


@strawberry.enum(description="Where a delivery stands.")
class DeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


@strawberry.input(description="A webhook to register (admin).")
class CreateWebhookInput:
    id: strawberry.ID
    url: str = strawberry.field(description="Where deliveries are POSTed: an http(s) URL.")
    kinds: list[ChangeKind] = strawberry.field(description="The kinds of change to receive.")
    secret: str = strawberry.field(
        description="The key of the deliveries' HMAC-SHA256 signature (16 to 200 characters). "
        "Stored to sign; never returned."
    )


@strawberry.type(description="A registered webhook (its secret is never returned).")
class Webhook:
    id: strawberry.ID
    url: str
    kinds: list[ChangeKind]
    created_at: datetime = strawberry.field(
        description="Registered at; it receives the changes committed after this."
    )


@strawberry.type(description="One change sent (or being sent) to one webhook.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="`<webhookId>:<seq>`.")
    webhook_id: strawberry.ID
    seq: int = strawberry.field(description="The change's place in the feed.")
    kind: ChangeKind
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None = strawberry.field(
        description="The receiver's HTTP status at the last attempt; null if it did not answer."
    )
    last_error: str | None
    next_attempt_at: datetime | None = strawberry.field(
        description="When a PENDING delivery is tried again."
    )
    delivered_at: datetime | None


@strawberry.type(description="The webhook as stored.")
class CreateWebhookSuccess:
    webhook: Webhook
    created: bool = created_flag()


@strawberry.type(description="Whether a webhook was removed (its delivery records stay).")
class DeleteWebhookSuccess:
    id: strawberry.ID
    deleted: bool


CreateWebhookResult = Annotated[
    CreateWebhookSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreateWebhookResult"),
]


DeleteWebhookResult = Annotated[
    DeleteWebhookSuccess | InvalidInputError, strawberry.union("DeleteWebhookResult")
]
