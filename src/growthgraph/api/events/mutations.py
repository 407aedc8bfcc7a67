"""Root fields that record growth events: invites and conversions. Each write is idempotent and
atomic."""

from __future__ import annotations

from datetime import UTC

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.enums import TO_KIND
from growthgraph.api.errors import error_for, invalid_input
from growthgraph.api.events.errors import (
    CONVERSION_ERRORS,
    INVITE_ERRORS,
    RecordConversionResult,
    RecordInviteResult,
)
from growthgraph.api.events.types import (
    Invite,
    RecordConversionInput,
    RecordConversionSuccess,
    RecordInviteInput,
    RecordInviteSuccess,
)
from growthgraph.api.types import conversion, referrer
from growthgraph.graph import events
from growthgraph.graph.outcomes import Written
from growthgraph.validation import check_aware, check_cents, check_id, check_text


def _invite(r: events.InviteRecord) -> Invite:
    return Invite(
        id=strawberry.ID(r.id),
        at=r.at,
        channel=r.channel,
        campaign_id=None if r.campaign_id is None else strawberry.ID(r.campaign_id),
        sender=referrer(r.sender),
    )


async def record_invite(info: Info, input: RecordInviteInput) -> RecordInviteResult:
    campaign_id = None if input.campaign_id is None else str(input.campaign_id)
    problems = (
        check_id("id", str(input.id))
        + check_id("referrer.id", str(input.referrer.id))
        + check_aware("at", input.at)
        + check_text("channel", input.channel, required=False)
        + ([] if campaign_id is None else check_id("campaignId", campaign_id))
    )
    if problems:
        return invalid_input(problems)
    out = await events.record_invite(
        info.context.db,
        id=str(input.id),
        sender_kind=TO_KIND[input.referrer.kind],
        sender_id=str(input.referrer.id),
        at=input.at.astimezone(UTC),
        channel=input.channel,
        campaign_id=campaign_id,
    )
    if isinstance(out, Written):
        return RecordInviteSuccess(invite=_invite(out.record), created=out.created)
    return error_for(INVITE_ERRORS, out)


async def record_conversion(info: Info, input: RecordConversionInput) -> RecordConversionResult:
    problems = (
        check_id("id", str(input.id))
        + check_id("userId", str(input.user_id))
        + check_aware("at", input.at)
        + check_cents("revenueCents", input.revenue_cents)
        + check_text("plan", input.plan, required=False)
    )
    if problems:
        return invalid_input(problems)
    out = await events.record_conversion(
        info.context.db,
        id=str(input.id),
        user_id=str(input.user_id),
        at=input.at.astimezone(UTC),
        revenue_cents=input.revenue_cents,
        plan=input.plan,
    )
    if isinstance(out, Written):
        return RecordConversionSuccess(conversion=conversion(out.record), created=out.created)
    return error_for(CONVERSION_ERRORS, out)


@strawberry.type
class EventsMutation:
    record_invite: RecordInviteResult = strawberry.field(
        resolver=record_invite,
        description="Record an invitation sent by a user, influencer or partner. Repeating an "
        "identical call returns the stored invite; another invite under the same id, or the "
        "same id from another sender, is an ID_CONFLICT.",
    )
    record_conversion: RecordConversionResult = strawberry.field(
        resolver=record_conversion,
        description="Record a paying event of an existing user (revenue in cents). Repeating an "
        "identical call returns the stored conversion.",
    )
