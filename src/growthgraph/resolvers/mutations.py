"""Root mutation resolvers: validate, write through ``graph.writes``, map the outcome."""

from __future__ import annotations

from datetime import UTC

import strawberry
from strawberry.types import Info

from growthgraph.graph import writes
from growthgraph.graph.outcomes import (
    AlreadyReferred,
    IdConflict,
    SignUpBeforeReferrer,
    SignUpOutcome,
    UnknownCampaign,
    UnknownReferrer,
    Written,
)
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
    RecordSignUpResult,
    RecordSignUpSuccess,
    SelfReferralError,
    SignUpBeforeReferrerError,
    UnknownCampaignError,
    UnknownReferrerError,
)
from growthgraph.schema.inputs import (
    CreateCampaignInput,
    CreateInfluencerInput,
    CreatePartnerInput,
    RecordSignUpInput,
)
from growthgraph.validation import Problem, check_id, check_influencer, check_sign_up, check_text

Ctx = Info[Context, None]


def _invalid(problems: list[Problem]) -> InvalidInputError:
    return InvalidInputError(
        code=ErrorCode.INVALID_INPUT,
        message="; ".join(f"{p.field} {p.message}" for p in problems),
        problems=[FieldProblem(field=p.field, message=p.message) for p in problems],
    )


def _conflict(found: IdConflict) -> IdConflictError:
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
    )
    if problems:
        return _invalid(problems)
    out = await writes.create_influencer(
        info.context.db,
        id=str(input.id),
        handle=input.handle,
        platform=input.platform,
        followers=input.followers,
        engagement_rate=input.engagement_rate,
    )
    if isinstance(out, IdConflict):
        return _conflict(out)
    return CreateInfluencerSuccess(influencer=mapping.influencer(out.record), created=out.created)


async def create_partner(info: Ctx, input: CreatePartnerInput) -> CreatePartnerResult:
    problems = check_id("id", str(input.id)) + check_text("name", input.name)
    if problems:
        return _invalid(problems)
    out = await writes.create_partner(
        info.context.db, id=str(input.id), name=input.name, kind=input.kind.value
    )
    if isinstance(out, IdConflict):
        return _conflict(out)
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
        return _invalid(problems)
    out = await writes.create_campaign(
        info.context.db,
        id=str(input.id),
        name=input.name,
        utm_source=input.utm_source,
        utm_medium=input.utm_medium,
        utm_campaign=input.utm_campaign,
    )
    if isinstance(out, IdConflict):
        return _conflict(out)
    return CreateCampaignSuccess(campaign=mapping.campaign(out.record), created=out.created)


def _sign_up_result(out: SignUpOutcome) -> RecordSignUpResult:
    if isinstance(out, Written):
        return RecordSignUpSuccess(user=mapping.user(out.record), created=out.created)
    if isinstance(out, IdConflict):
        return _conflict(out)
    if isinstance(out, UnknownReferrer):
        return UnknownReferrerError(
            code=ErrorCode.UNKNOWN_REFERRER,
            message=f"no {out.kind.value.lower()} with id {out.id!r}",
            kind=mapping.FROM_KIND[out.kind],
            id=strawberry.ID(out.id),
        )
    if isinstance(out, UnknownCampaign):
        return UnknownCampaignError(
            code=ErrorCode.UNKNOWN_CAMPAIGN,
            message=f"no campaign with id {out.id!r}",
            campaign_id=strawberry.ID(out.id),
        )
    if isinstance(out, AlreadyReferred):
        return AlreadyReferredError(
            code=ErrorCode.ALREADY_REFERRED,
            message=f"user {out.user_id!r} was already referred by {out.referrer.id!r}",
            referrer=mapping.referrer(out.referrer),
        )
    return _before_referrer(out)


def _before_referrer(out: SignUpBeforeReferrer) -> SignUpBeforeReferrerError:
    return SignUpBeforeReferrerError(
        code=ErrorCode.SIGN_UP_BEFORE_REFERRER,
        message=f"signedUpAt is before referrer {out.referrer_id!r} signed up "
        f"({out.referrer_signed_up_at.isoformat()})",
        referrer_signed_up_at=out.referrer_signed_up_at,
    )


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
    if problems:
        return _invalid(problems)
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
    )
    return _sign_up_result(await writes.record_sign_up(info.context.db, signup))
