"""Typed, expected mutation errors and the result unions. Codes are stable; messages are for
people and may change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.schema.enums import ErrorCode, ReferrerKind
from growthgraph.schema.types import Campaign, Influencer, Partner, Referrer, User


@strawberry.interface(description="An expected failure of a mutation. Nothing was written.")
class Error:
    code: ErrorCode
    message: str


@strawberry.type(description="What is wrong with one input field.")
class FieldProblem:
    field: str = strawberry.field(description="The input field, as named in the schema.")
    message: str


@strawberry.type(description="One or more input values are invalid.")
class InvalidInputError(Error):
    problems: list[FieldProblem]


@strawberry.type(
    description="An entity with this id already exists with different values. Repeating a call "
    "with identical values is not an error: it returns the stored entity."
)
class IdConflictError(Error):
    id: strawberry.ID


@strawberry.type(description="The named referrer does not exist.")
class UnknownReferrerError(Error):
    kind: ReferrerKind
    id: strawberry.ID


@strawberry.type(description="One or more of the named users do not exist.")
class UnknownUserError(Error):
    ids: list[strawberry.ID] = strawberry.field(description="The ids that name no user.")


@strawberry.type(description="The named campaign does not exist.")
class UnknownCampaignError(Error):
    campaign_id: strawberry.ID


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


@strawberry.type(description="The influencer as stored.")
class CreateInfluencerSuccess:
    influencer: Influencer
    created: bool = strawberry.field(description="False when an identical call had stored it.")


@strawberry.type(description="The partner as stored.")
class CreatePartnerSuccess:
    partner: Partner
    created: bool = strawberry.field(description="False when an identical call had stored it.")


@strawberry.type(description="The campaign as stored.")
class CreateCampaignSuccess:
    campaign: Campaign
    created: bool = strawberry.field(description="False when an identical call had stored it.")


@strawberry.type(description="The user as stored.")
class RecordSignUpSuccess:
    user: User
    created: bool = strawberry.field(description="False when an identical call had stored it.")


CreateInfluencerResult = Annotated[
    CreateInfluencerSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreateInfluencerResult"),
]
CreatePartnerResult = Annotated[
    CreatePartnerSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreatePartnerResult"),
]
CreateCampaignResult = Annotated[
    CreateCampaignSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreateCampaignResult"),
]
RecordSignUpResult = Annotated[
    RecordSignUpSuccess
    | InvalidInputError
    | IdConflictError
    | UnknownReferrerError
    | UnknownCampaignError
    | SelfReferralError
    | AlreadyReferredError
    | SignUpBeforeReferrerError
    | UnknownInviteError
    | InviteAlreadyAcceptedError
    | InviteReferrerMismatchError
    | SignUpBeforeInviteError,
    strawberry.union("RecordSignUpResult"),
]
