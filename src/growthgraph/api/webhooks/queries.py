"""Webhooks and their delivery records (admin only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import Bound
from growthgraph.api.context import Info
from growthgraph.api.permissions import current_role
from growthgraph.api.webhooks.types import (
    ChangeKind,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
)
from growthgraph.config import Role
from growthgraph.errors import ForbiddenError
from growthgraph.graph import webhooks

DELIVERY_LIMIT = Bound("limit", 1, 500, "How many deliveries to return, newest first")
MAX_WEBHOOKS = 500


def webhook(r: webhooks.WebhookRecord) -> Webhook:
    return Webhook(
        id=strawberry.ID(r.id),
        url=r.url,
        kinds=[ChangeKind(k) for k in r.kinds],
        created_at=r.created_at,
    )


def _admin_only() -> None:
    if current_role() is not Role.ADMIN:
        raise ForbiddenError("Only the admin role may read webhooks.")


async def list_webhooks(info: Info) -> list[Webhook]:
    _admin_only()
    return [webhook(r) for r in await webhooks.list_all(info.context.db, MAX_WEBHOOKS)]


async def webhook_deliveries(
    info: Info,
    webhook_id: strawberry.ID,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, DELIVERY_LIMIT.argument()] = 50,
) -> list[WebhookDelivery]:
    _admin_only()
    DELIVERY_LIMIT.check(limit)
    found = await webhooks.deliveries(
        info.context.db,
        str(webhook_id),
        status=None if status is None else status.value,
        limit=limit,
    )
    return [
        WebhookDelivery(
            id=strawberry.ID(d.id),
            webhook_id=strawberry.ID(d.webhook_id),
            seq=d.seq,
            kind=ChangeKind(d.kind),
            status=DeliveryStatus(d.status),
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            next_attempt_at=d.next_at,
            delivered_at=d.delivered_at,
        )
        for d in found
    ]


@strawberry.type
class WebhooksQuery:
    webhooks: list[Webhook] = strawberry.field(
        resolver=list_webhooks, description="The registered webhooks, by id (admin)."
    )
    webhook_deliveries: list[WebhookDelivery] = strawberry.field(
        resolver=webhook_deliveries,
        description="A webhook's delivery records, newest change first, optionally of one "
        "status (admin).",
    )
