"""What a write can come to: success records and the expected, typed refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from growthgraph.graph.labels import Kind
from growthgraph.graph.records import ReferrerRecord, UserRecord

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Written(Generic[T]):
    """The entity as stored; ``created`` is false when an identical earlier call had stored it."""

    record: T
    created: bool


@dataclass(frozen=True, slots=True)
class IdConflict:
    """An entity with this id exists with different values."""

    entity: str
    id: str


@dataclass(frozen=True, slots=True)
class UnknownReferrer:
    kind: Kind
    id: str


@dataclass(frozen=True, slots=True)
class UnknownCampaign:
    id: str


@dataclass(frozen=True, slots=True)
class AlreadyReferred:
    """The user exists and was already referred by someone else: the first referral wins."""

    user_id: str
    referrer: ReferrerRecord


@dataclass(frozen=True, slots=True)
class SignUpBeforeReferrer:
    """A user cannot sign up before the user who referred them."""

    referrer_id: str
    referrer_signed_up_at: datetime


@dataclass(frozen=True, slots=True)
class UnknownInvite:
    id: str


@dataclass(frozen=True, slots=True)
class InviteAlreadyAccepted:
    """Each invite brings in at most one user."""

    invite_id: str
    accepted_by: str


@dataclass(frozen=True, slots=True)
class InviteReferrerMismatch:
    """The sign-up names a referrer other than the invite's sender."""

    invite_id: str
    sender_kind: Kind
    sender_id: str


@dataclass(frozen=True, slots=True)
class SignUpBeforeInvite:
    invite_id: str
    invite_at: datetime


SignUpOutcome = (
    Written[UserRecord]
    | IdConflict
    | UnknownReferrer
    | UnknownCampaign
    | AlreadyReferred
    | SignUpBeforeReferrer
    | UnknownInvite
    | InviteAlreadyAccepted
    | InviteReferrerMismatch
    | SignUpBeforeInvite
)
