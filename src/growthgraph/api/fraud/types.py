"""Types of the fraud signals over one referrer's downline, and of the fraud flags."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from growthgraph.api.errors import InvalidInputError, UnknownUserError
from growthgraph.api.permissions import personal_keys
from growthgraph.api.types import Referrer, User


@strawberry.enum(description="A calendar period in UTC, for referral caps.")
class CapPeriod(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.enum(description="Which hashed identifier two users share.")
class HashKind(Enum):
    IP = "IP"
    DEVICE = "DEVICE"


@strawberry.type(description="A keyed hash shared by users of one cluster.")
class SharedHash:
    kind: HashKind
    hash: str = strawberry.field(description="The stored keyed hash (never the raw value).")
    users: int = strawberry.field(description="Users of the downline that carry it.")


@strawberry.type(
    description="Users of the downline tied together by shared IP or device hashes: a connected "
    "component of the relation 'shares an IP hash or a device hash', so siblings, cousins and "
    "chains (A shares an IP with B, B a device with C) form one cluster."
)
class SharedHashCluster:
    score: float = strawberry.field(description="The cluster's share of the downline (0 to 1).")
    size: int
    members: list[User] = strawberry.field(description="By sign-up time, then id.")
    shared_hashes: list[SharedHash]


@strawberry.type(
    description="The densest burst of direct sign-ups under one referrer: the window of the "
    "asked length (start inclusive, end exclusive), starting at a sign-up, that holds the most "
    "of its direct referrals, reported when it holds at least `burstMinSignUps`."
)
class VelocityBurst:
    as_of: datetime = strawberry.field(
        description="The instant the sign-ups were taken at (the `asOf` asked for, else the "
        "time of the request): later sign-ups did not count."
    )
    score: float = strawberry.field(description="Sign-ups in the window / `burstMinSignUps`.")
    referrer: Referrer
    window_start: datetime
    window_end: datetime
    sign_ups: int
    users: list[User] = strawberry.field(description="The sign-ups in the window, in time order.")


@strawberry.type(
    description="A referrer whose direct referrals in one UTC calendar period exceed the cap."
)
class CapExceeded:
    score: float = strawberry.field(description="Sign-ups in the period / cap (above 1).")
    referrer: Referrer
    period_start: datetime = strawberry.field(
        description="Start of the day, ISO week (Monday) or month, in UTC."
    )
    sign_ups: int
    cap: int
    over_cap: list[User] = strawberry.field(
        description="The referrals past the cap, in sign-up order."
    )


@strawberry.type(
    description="Users of the downline that look like one identity: linked when their "
    "normalised e-mail local parts are equal (lower case, `+tag` dropped, dots and trailing "
    "digits removed: `j.doe+x7@a.com` and `jdoe@b.com` match; keys shorter than 3 characters "
    "are ignored) or their normalised names are "
    "equal (lower case, letters and digits only, words sorted); a group is a connected component."
)
class NearDuplicateGroup:
    score: float = strawberry.field(description="The group's share of the downline (0 to 1).")
    size: int
    members: list[User] = strawberry.field(description="By sign-up time, then id.")
    keys: strawberry.Private[list[str]]

    @strawberry.field(
        description="The normalised keys that link the group, as `email:<key>` or `name:<key>` "
        "(the key `[masked]` for every role but admin)."
    )
    def reasons(self) -> list[str]:
        return personal_keys(self.keys)


@strawberry.type(description="Fraud signals over the downline under one referrer.")
class FraudReport:
    as_of: datetime = strawberry.field(
        description="The instant the downline is taken at (the `asOf` asked for, else the time "
        "of the request): users who signed up after it were left out."
    )
    root: Referrer
    downline_size: int = strawberry.field(
        description="Users examined below the root, the root not counted, down to `maxDepth` "
        "levels: the cascade's size unless `truncated`."
    )
    truncated: bool = strawberry.field(
        description="True when the downline holds more than `maxUsers` users; the earliest "
        "sign-ups were examined."
    )
    shared_hash_clusters: list[SharedHashCluster] = strawberry.field(
        description="Highest score first (ties by first member)."
    )
    velocity_bursts: list[VelocityBurst] = strawberry.field(
        description="Highest score first (ties by referrer id)."
    )
    caps_exceeded: list[CapExceeded] = strawberry.field(
        description="Highest score first (ties by referrer id, then period)."
    )
    near_duplicates: list[NearDuplicateGroup] = strawberry.field(
        description="Highest score first (ties by first member)."
    )


@strawberry.type(description="The user's fraud flag as stored.")
class FlagUserSuccess:
    user_id: strawberry.ID
    flagged_at: datetime = strawberry.field(description="When the user was first flagged.")
    reason: str = strawberry.field(description="The reason given when first flagged.")
    already_flagged: bool = strawberry.field(
        description="True when the user was flagged before: the first flag is kept."
    )


@strawberry.type(description="The user's fraud flag is gone.")
class UnflagUserSuccess:
    user_id: strawberry.ID
    was_flagged: bool


FlagUserResult = Annotated[
    FlagUserSuccess | InvalidInputError | UnknownUserError, strawberry.union("FlagUserResult")
]
UnflagUserResult = Annotated[
    UnflagUserSuccess | InvalidInputError | UnknownUserError, strawberry.union("UnflagUserResult")
]
