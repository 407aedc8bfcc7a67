"""The refusals of the growth events, their result unions, and one table per event from graph
outcome to error."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.enums import ErrorCode
from growthgraph.api.errors import (
    Error,
    IdConflictError,
    InvalidInputError,
    OutcomeErrors,
    UnknownCampaignError,
    UnknownReferrerError,
    UnknownUserError,
    id_conflict,
    unknown_campaign,
    unknown_referrer,
    unknown_users,
)
from growthgraph.api.events.types import RecordConversionSuccess, RecordInviteSuccess
from growthgraph.graph import events
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer


@strawberry.type(description="A user cannot send an invite before it signed up.")
class InviteBeforeSenderError(Error):
    sender_signed_up_at: datetime


@strawberry.type(description="The conversion time is earlier than the user's sign-up.")
class ConversionBeforeSignUpError(Error):
    signed_up_at: datetime


InviteError = (
    IdConflictError | UnknownReferrerError | UnknownCampaignError | InviteBeforeSenderError
)
ConversionError = IdConflictError | UnknownUserError | ConversionBeforeSignUpError

INVITE_ERRORS: OutcomeErrors[InviteError] = {
    IdConflict: id_conflict,
    UnknownReferrer: unknown_referrer,
    UnknownCampaign: unknown_campaign,
    events.InviteBeforeSender: lambda out: InviteBeforeSenderError(
        code=ErrorCode.INVITE_BEFORE_SENDER,
        message=f"at is before sender {out.sender_id!r} signed up "
        f"({out.sender_signed_up_at.isoformat()})",
        sender_signed_up_at=out.sender_signed_up_at,
    ),
}
CONVERSION_ERRORS: OutcomeErrors[ConversionError] = {
    IdConflict: id_conflict,
    events.UnknownUser: lambda out: unknown_users([out.id]),
    events.ConversionBeforeSignUp: lambda out: ConversionBeforeSignUpError(
        code=ErrorCode.CONVERSION_BEFORE_SIGN_UP,
        message=f"at is before user {out.user_id!r} signed up ({out.signed_up_at.isoformat()})",
        signed_up_at=out.signed_up_at,
    ),
}


RecordInviteResult = Annotated[
    RecordInviteSuccess | InvalidInputError | InviteError,
    strawberry.union("RecordInviteResult"),
]
RecordConversionResult = Annotated[
    RecordConversionSuccess | InvalidInputError | ConversionError,
    strawberry.union("RecordConversionResult"),
]
