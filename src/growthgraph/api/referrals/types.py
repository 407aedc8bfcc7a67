"""Types of the multi-hop referral reads: leaderboards by degree and cascades."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.api.types import Referrer


@strawberry.type(description="A referrer and how many sign-ups it drove at the asked degree.")
class ReferrerSignUps:
    referrer: Referrer
    sign_ups: int = strawberry.field(
        description="Users exactly `degree` REFERRED hops below the referrer (in the time window, "
        "when one is given)."
    )


@strawberry.type(description="Sign-ups at one level of a cascade.")
class CascadeLevel:
    depth: int = strawberry.field(description="Hops below the root: 1 = direct referrals.")
    sign_ups: int


@strawberry.type(description="The whole downline under a root referrer, level by level.")
class ReferralCascade:
    as_of: datetime = strawberry.field(
        description="The instant the cascade is taken at (the `asOf` asked for, else the time "
        "of the request): users who signed up after it were left out."
    )
    root: Referrer
    total: int = strawberry.field(
        description="The cascade's size: all users below the root, the root not counted, down "
        "to `maxDepth` levels."
    )
    depth: int = strawberry.field(
        description="The deepest level below the root reached; 0 with no referrals."
    )
    levels: list[CascadeLevel] = strawberry.field(
        description="One entry per non-empty level, by increasing depth."
    )
