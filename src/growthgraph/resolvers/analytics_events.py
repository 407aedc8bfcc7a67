"""Mutation resolvers of the growth events: validate, write through ``graph.events``, map."""

from __future__ import annotations

from datetime import UTC

import strawberry
from strawberry.types import Info

from growthgraph.graph import events
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer, Written
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.resolvers.mutations import (
    id_conflict,
    invalid_input,
    unknown_campaign,
    unknown_referrer,
)
from growthgraph.schema.analytics_events import (
    Conversion,
    ConversionBeforeSignUpError,
    Invite,
    InviteBeforeSenderError,
    RecordConversionInput,
    RecordConversionResult,
    RecordConversionSuccess,
    RecordInviteInput,
    RecordInviteResult,
    RecordInviteSuccess,
)
from growthgraph.schema.enums import ErrorCode
from growthgraph.schema.errors import UnknownUserError
from growthgraph.validation import check_aware, check_cents, check_id, check_text

Ctx = Info[Context, None]


def _invite(r: events.InviteRecord) -> Invite:
    return Invite(
        id=strawberry.ID(r.id),
        at=r.at,
        channel=r.channel,
        campaign_id=None if r.campaign_id is None else strawberry.ID(r.campaign_id),
        sender=mapping.referrer(r.sender),
    )


def _conversion(r: events.ConversionRecord) -> Conversion:
    return Conversion(
        id=strawberry.ID(r.id),
        user_id=strawberry.ID(r.user_id),
        at=r.at,
        revenue_cents=r.revenue_cents,
        plan=r.plan,
    )


async def record_invite(info: Ctx, input: RecordInviteInput) -> RecordInviteResult:
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
        sender_kind=mapping.TO_KIND[input.referrer.kind],
        sender_id=str(input.referrer.id),
        at=input.at.astimezone(UTC),
        channel=input.channel,
        campaign_id=campaign_id,
    )
    if isinstance(out, Written):
        return RecordInviteSuccess(invite=_invite(out.record), created=out.created)
    if isinstance(out, IdConflict):
        return id_conflict(out)
    if isinstance(out, UnknownReferrer):
        return unknown_referrer(out)
    if isinstance(out, UnknownCampaign):
        return unknown_campaign(out)
    return InviteBeforeSenderError(
        code=ErrorCode.INVITE_BEFORE_SENDER,
        message=f"at is before sender {out.sender_id!r} signed up "
        f"({out.sender_signed_up_at.isoformat()})",
        sender_signed_up_at=out.sender_signed_up_at,
    )


async def record_conversion(info: Ctx, input: RecordConversionInput) -> RecordConversionResult:
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
        return RecordConversionSuccess(conversion=_conversion(out.record), created=out.created)
    if isinstance(out, IdConflict):
        return id_conflict(out)
    if isinstance(out, events.UnknownUser):
        return UnknownUserError(
            code=ErrorCode.UNKNOWN_USER,
            message=f"no user with id {out.id!r}",
            ids=[strawberry.ID(out.id)],
        )
    return ConversionBeforeSignUpError(
        code=ErrorCode.CONVERSION_BEFORE_SIGN_UP,
        message=f"at is before user {out.user_id!r} signed up ({out.signed_up_at.isoformat()})",
        signed_up_at=out.signed_up_at,
    )
