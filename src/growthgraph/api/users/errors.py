"""The refusals of a sign-up, the result union, and the one table from each graph outcome to its
error."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.enums import FROM_KIND, ErrorCode, ReferrerKind
from growthgraph.api.errors import (
    Error,
    IdConflictError,
    InvalidInputError,
    OutcomeErrors,
    UnknownCampaignError,
    UnknownReferrerError,
    id_conflict,
    unknown_campaign,
    unknown_referrer,
)
from growthgraph.api.types import Referrer, referrer
from growthgraph.api.users.types import RecordSignUpSuccess
from growthgraph.graph import outcomes


@strawberry.type(description="A user cannot refer themselves.")
class SelfReferralError(Error):
    id: strawberry.ID


@strawberry.type(
    description="The user already exists and was referred by another referrer; the first valid "
    "referral wins."
)
class AlreadyReferredError(Error):
    referrer: Referrer


@strawberry.type(description="The sign-up time is earlier than the referring user's own sign-up.")
class SignUpBeforeReferrerError(Error):
    referrer_signed_up_at: datetime


@strawberry.type(description="The named invite does not exist.")
class UnknownInviteError(Error):
    invite_id: strawberry.ID


@strawberry.type(
    description="The invite was already accepted by another user; each invite brings in one user."
)
class InviteAlreadyAcceptedError(Error):
    invite_id: strawberry.ID
    accepted_by: strawberry.ID = strawberry.field(description="The user who accepted it.")


@strawberry.type(description="The sign-up names a referrer other than the invite's sender.")
class InviteReferrerMismatchError(Error):
    invite_id: strawberry.ID
    sender_kind: ReferrerKind = strawberry.field(description="The kind of the invite's sender.")
    sender_id: strawberry.ID = strawberry.field(description="The id of the invite's sender.")


@strawberry.type(description="The sign-up time is earlier than the time the invite was sent.")
class SignUpBeforeInviteError(Error):
    invite_at: datetime


SignUpError = (
    IdConflictError
    | UnknownReferrerError
    | UnknownCampaignError
    | SelfReferralError
    | AlreadyReferredError
    | SignUpBeforeReferrerError
    | UnknownInviteError
    | InviteAlreadyAcceptedError
    | InviteReferrerMismatchError
    | SignUpBeforeInviteError
)


def self_referral(user_id: strawberry.ID) -> SelfReferralError:
    return SelfReferralError(
        code=ErrorCode.SELF_REFERRAL, message="a user cannot refer themselves", id=user_id
    )


SIGN_UP_ERRORS: OutcomeErrors[SignUpError] = {
    outcomes.IdConflict: id_conflict,
    outcomes.UnknownReferrer: unknown_referrer,
    outcomes.UnknownCampaign: unknown_campaign,
    outcomes.AlreadyReferred: lambda out: AlreadyReferredError(
        code=ErrorCode.ALREADY_REFERRED,
        message=f"user {out.user_id!r} was already referred by {out.referrer.id!r}",
        referrer=referrer(out.referrer),
    ),
    outcomes.SignUpBeforeReferrer: lambda out: SignUpBeforeReferrerError(
        code=ErrorCode.SIGN_UP_BEFORE_REFERRER,
        message=f"signedUpAt is before referrer {out.referrer_id!r} signed up "
        f"({out.referrer_signed_up_at.isoformat()})",
        referrer_signed_up_at=out.referrer_signed_up_at,
    ),
    outcomes.UnknownInvite: lambda out: UnknownInviteError(
        code=ErrorCode.UNKNOWN_INVITE,
        message=f"no invite with id {out.id!r}",
        invite_id=strawberry.ID(out.id),
    ),
    outcomes.InviteAlreadyAccepted: lambda out: InviteAlreadyAcceptedError(
        code=ErrorCode.INVITE_ALREADY_ACCEPTED,
        message=f"invite {out.invite_id!r} was already accepted by user {out.accepted_by!r}",
        invite_id=strawberry.ID(out.invite_id),
        accepted_by=strawberry.ID(out.accepted_by),
    ),
    outcomes.InviteReferrerMismatch: lambda out: InviteReferrerMismatchError(
        code=ErrorCode.INVITE_REFERRER_MISMATCH,
        message=f"invite {out.invite_id!r} was sent by {out.sender_kind.value.lower()} "
        f"{out.sender_id!r}, not by the named referrer",
        invite_id=strawberry.ID(out.invite_id),
        sender_kind=FROM_KIND[out.sender_kind],
        sender_id=strawberry.ID(out.sender_id),
    ),
    outcomes.SignUpBeforeInvite: lambda out: SignUpBeforeInviteError(
        code=ErrorCode.SIGN_UP_BEFORE_INVITE,
        message=f"signedUpAt is before invite {out.invite_id!r} was sent "
        f"({out.invite_at.isoformat()})",
        invite_at=out.invite_at,
    ),
}


RecordSignUpResult = Annotated[
    RecordSignUpSuccess | InvalidInputError | SignUpError,
    strawberry.union("RecordSignUpResult"),
]
