"""Root fields of the webhooks (admin only)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.errors import id_conflict, invalid_input
from growthgraph.api.webhooks.queries import webhook
from growthgraph.api.webhooks.types import (
    CreateWebhookInput,
    CreateWebhookResult,
    CreateWebhookSuccess,
    DeleteWebhookResult,
    DeleteWebhookSuccess,
)
from growthgraph.graph import webhooks
from growthgraph.graph.outcomes import IdConflict
from growthgraph.validation import Problem, check_id

MAX_URL = 2_000


def _check(data: CreateWebhookInput) -> list[Problem]:
    problems = check_id("id", str(data.id))
    parts = urlsplit(data.url) if len(data.url) <= MAX_URL else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        problems.append(Problem("url", f"must be an http(s) URL of at most {MAX_URL} characters"))
    if not data.kinds:
        problems.append(Problem("kinds", "must name at least one kind"))
    if not 16 <= len(data.secret) <= 200:
        problems.append(Problem("secret", "must be 16 to 200 characters"))
    return problems


async def create_webhook(
    info: Info, data: Annotated[CreateWebhookInput, strawberry.argument(name="input")]
) -> CreateWebhookResult:
    problems = _check(data)
    if problems:
        return invalid_input(problems)
    out = await webhooks.create(
        info.context.db,
        id=str(data.id),
        url=data.url,
        kinds=list(dict.fromkeys(k.value for k in data.kinds)),
        secret=data.secret,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreateWebhookSuccess(webhook=webhook(out.record), created=out.created)


async def delete_webhook(info: Info, id: strawberry.ID) -> DeleteWebhookResult:
    problems = check_id("id", str(id))
    if problems:
        return invalid_input(problems)
    return DeleteWebhookSuccess(id=id, deleted=await webhooks.delete(info.context.db, str(id)))


@strawberry.type
class WebhooksMutation:
    create_webhook: CreateWebhookResult = strawberry.field(
        resolver=create_webhook,
        description="Register a webhook (admin): every change of the given kinds committed from "
        "now on is POSTed to `url` as JSON, signed with `secret` (header `Growthgraph-Signature: "
        "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>`), retried with backoff until a "
        "2xx answer or the last attempt. A repeat with the same values answers the stored one.",
    )
    delete_webhook: DeleteWebhookResult = strawberry.field(
        resolver=delete_webhook,
        description="Remove a webhook (admin); pending deliveries to it are no longer sent.",
    )
