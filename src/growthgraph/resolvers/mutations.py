"""Root mutation resolvers: validate, write through ``graph.writes``, map the outcome."""

from __future__ import annotations

from datetime import UTC

import strawberry
from strawberry.types import Info

from growthgraph.graph import writes
from growthgraph.graph.outcomes import (
    AlreadyReferred,
    IdConflict,
    InviteAlreadyAccepted,
    InviteReferrerMismatch,
    SignUpBeforeInvite,
    SignUpBeforeReferrer,
    SignUpOutcome,
    UnknownCampaign,
    UnknownInvite,
    UnknownReferrer,
    Written,
)
from growthgraph.identity import keyed_hash
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.schema.enums import ErrorCode, ReferrerKind
from growthgraph.schema.errors import (
    AlreadyReferredError,
    CreateCampaignResult,
    CreateCampaignSuccess,
    CreateInfluencerResult,
    CreateInfluencerSuccess,
    CreatePartnerResult,
    CreatePartnerSuccess,
    FieldProblem,
    IdConflictError,
    InvalidInputError,
    InviteAlreadyAcceptedError,
    InviteReferrerMismatchError,
    RecordSignUpResult,
    RecordSignUpSuccess,
    SelfReferralError,
    SignUpBeforeInviteError,
    SignUpBeforeReferrerError,
    UnknownCampaignError,
    UnknownInviteError,
    UnknownReferrerError,
)
from growthgraph.schema.inputs import (
    CreateCampaignInput,
    CreateInfluencerInput,
    CreatePartnerInput,
    RecordSignUpInput,
)
from growthgraph.validation import (
    Problem,
    check_cents,
    check_id,
    check_influencer,
    check_sign_up,
    check_text,
)

Ctx = Info[Context, None]


def invalid_input(problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(
        code=ErrorCode.INVALID_INPUT,
        message="; ".join(f"{p.field} {p.message}" for p in problems),
        problems=[FieldProblem(field=p.field, message=p.message) for p in problems],
    )


def id_conflict(found: IdConflict) -> IdConflictError:
    return IdConflictError(
        code=ErrorCode.ID_CONFLICT,
        message=f"{found.entity} {found.id!r} already exists with different values",
        id=strawberry.ID(found.id),
    )


async def create_influencer(info: Ctx, input: CreateInfluencerInput) -> CreateInfluencerResult:
    problems = (
        check_id("id", str(input.id))
        + check_text("handle", input.handle)
        + check_text("platform", input.platform)
        + check_influencer(input.followers, input.engagement_rate)
        + check_cents("costCents", input.cost_cents)
    )
    if problems:
        return invalid_input(problems)
    out = await writes.create_influencer(
        info.context.db,
        id=str(input.id),
        handle=input.handle,
        platform=input.platform,
        followers=input.followers,
        engagement_rate=input.engagement_rate,
        cost_cents=input.cost_cents,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreateInfluencerSuccess(influencer=mapping.influencer(out.record), created=out.created)


async def create_partner(info: Ctx, input: CreatePartnerInput) -> CreatePartnerResult:
    problems = (
        check_id("id", str(input.id))
        + check_text("name", input.name)
        + check_cents("costCents", input.cost_cents)
    )
    if problems:
        return invalid_input(problems)
    out = await writes.create_partner(
        info.context.db,
        id=str(input.id),
        name=input.name,
        kind=input.kind.value,
        cost_cents=input.cost_cents,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreatePartnerSuccess(partner=mapping.partner(out.record), created=out.created)


async def create_campaign(info: Ctx, input: CreateCampaignInput) -> CreateCampaignResult:
    problems = (
        check_id("id", str(input.id))
        + check_text("name", input.name)
        + check_text("utmSource", input.utm_source, required=False)
        + check_text("utmMedium", input.utm_medium, required=False)
        + check_text("utmCampaign", input.utm_campaign, required=False)
    )
    if problems:
        return invalid_input(problems)
    out = await writes.create_campaign(
        info.context.db,
        id=str(input.id),
        name=input.name,
        utm_source=input.utm_source,
        utm_medium=input.utm_medium,
        utm_campaign=input.utm_campaign,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return CreateCampaignSuccess(campaign=mapping.campaign(out.record), created=out.created)


def unknown_referrer(out: UnknownReferrer) -> UnknownReferrerError:
    return UnknownReferrerError(
        code=ErrorCode.UNKNOWN_REFERRER,
        message=f"no {out.kind.value.lower()} with id {out.id!r}",
        kind=mapping.FROM_KIND[out.kind],
        id=strawberry.ID(out.id),
    )


def unknown_campaign(out: UnknownCampaign) -> UnknownCampaignError:
    return UnknownCampaignError(
        code=ErrorCode.UNKNOWN_CAMPAIGN,
        message=f"no campaign with id {out.id!r}",
        campaign_id=strawberry.ID(out.id),
    )


def _sign_up_result(out: SignUpOutcome) -> RecordSignUpResult:
    if isinstance(out, Written):
        return RecordSignUpSuccess(user=mapping.user(out.record), created=out.created)
    if isinstance(out, IdConflict):
        return id_conflict(out)
    if isinstance(out, UnknownReferrer):
        return unknown_referrer(out)
    if isinstance(out, UnknownCampaign):
        return unknown_campaign(out)
    if isinstance(out, AlreadyReferred):
        return AlreadyReferredError(
            code=ErrorCode.ALREADY_REFERRED,
            message=f"user {out.user_id!r} was already referred by {out.referrer.id!r}",
            referrer=mapping.referrer(out.referrer),
        )
    if isinstance(out, SignUpBeforeReferrer):
        return _before_referrer(out)
    return _invite_refusal(out)


def _invite_refusal(
    out: UnknownInvite | InviteAlreadyAccepted | InviteReferrerMismatch | SignUpBeforeInvite,
) -> RecordSignUpResult:
    if isinstance(out, UnknownInvite):
        return UnknownInviteError(
            code=ErrorCode.UNKNOWN_INVITE,
            message=f"no invite with id {out.id!r}",
            invite_id=strawberry.ID(out.id),
        )
    if isinstance(out, InviteAlreadyAccepted):
        return InviteAlreadyAcceptedError(
            code=ErrorCode.INVITE_ALREADY_ACCEPTED,
            message=f"invite {out.invite_id!r} was already accepted by user {out.accepted_by!r}",
            invite_id=strawberry.ID(out.invite_id),
            accepted_by=strawberry.ID(out.accepted_by),
        )
    if isinstance(out, InviteReferrerMismatch):
        return InviteReferrerMismatchError(
            code=ErrorCode.INVITE_REFERRER_MISMATCH,
            message=f"invite {out.invite_id!r} was sent by {out.sender_kind.value.lower()} "
            f"{out.sender_id!r}, not by the named referrer",
            invite_id=strawberry.ID(out.invite_id),
            sender_kind=mapping.FROM_KIND[out.sender_kind],
            sender_id=strawberry.ID(out.sender_id),
        )
    return SignUpBeforeInviteError(
        code=ErrorCode.SIGN_UP_BEFORE_INVITE,
        message=f"signedUpAt is before invite {out.invite_id!r} was sent "
        f"({out.invite_at.isoformat()})",
        invite_at=out.invite_at,
    )


def _before_referrer(out: SignUpBeforeReferrer) -> SignUpBeforeReferrerError:
    return SignUpBeforeReferrerError(
        code=ErrorCode.SIGN_UP_BEFORE_REFERRER,
        message=f"signedUpAt is before referrer {out.referrer_id!r} signed up "
        f"({out.referrer_signed_up_at.isoformat()})",
        referrer_signed_up_at=out.referrer_signed_up_at,
    )


def _hash(info: Ctx, kind: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return keyed_hash(info.context.settings.hash_secret.get_secret_value(), kind, value)


async def record_sign_up(info: Ctx, input: RecordSignUpInput) -> RecordSignUpResult:
    ref = input.referrer
    problems = check_sign_up(
        id=str(input.id),
        name=input.name,
        email=input.email,
        signed_up_at=input.signed_up_at,
        country=input.country,
        plan=input.plan,
        referrer_id=None if ref is None else str(ref.id),
        channel=input.channel,
        campaign_id=None if input.campaign_id is None else str(input.campaign_id),
    )
    problems += check_text("ip", input.ip, required=False)
    problems += check_text("device", input.device, required=False)
    if input.invite_id is not None:
        problems += check_id("inviteId", str(input.invite_id))
    if problems:
        return invalid_input(problems)
    if ref is not None and ref.kind is ReferrerKind.USER and str(ref.id) == str(input.id):
        return SelfReferralError(
            code=ErrorCode.SELF_REFERRAL, message="a user cannot refer themselves", id=input.id
        )
    signup = writes.SignUp(
        id=str(input.id),
        name=input.name,
        email=input.email,
        signed_up_at=input.signed_up_at.astimezone(UTC),  # stored in UTC
        country=input.country,
        plan=input.plan,
        referrer_kind=None if ref is None else mapping.TO_KIND[ref.kind],
        referrer_id=None if ref is None else str(ref.id),
        channel=input.channel,
        campaign_id=None if input.campaign_id is None else str(input.campaign_id),
        invite_id=None if input.invite_id is None else str(input.invite_id),
        ip_hash=_hash(info, "ip", input.ip),
        device_hash=_hash(info, "device", input.device),
    )
    counters = info.context.settings.referral_counters
    return _sign_up_result(await writes.record_sign_up(info.context.db, signup, counters=counters))
