"""The events the subscriptions send. Each carries ``seq``, its place in the change feed: pass
the last one seen as ``after`` to resume where a connection left off."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.api.enums import ReferrerKind
from growthgraph.api.types import Referrer, ReferrerRef, User

SEQ_DESCRIPTION = (
    "The change's place in the feed (increasing, no gaps, the same in every server process). "
    "Pass the last one received as `after` to resume after a disconnection."
)


@strawberry.input(description="Which sign-ups a `signUps` subscription receives; all if omitted.")
class SignUpFilter:
    referrer: ReferrerRef | None = strawberry.field(
        default=None,
        description="Only sign-ups in this referrer's downline (any depth below it).",
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only sign-ups referred through this campaign."
    )
    referrer_kinds: list[ReferrerKind] | None = strawberry.field(
        default=None,
        description="Only sign-ups whose direct referrer is of one of these kinds (organic "
        "sign-ups have none, so they are left out).",
    )


@strawberry.type(description="A user signed up (through `recordSignUp` or the importer).")
class SignUpEvent:
    seq: int = strawberry.field(description=SEQ_DESCRIPTION)
    at: datetime = strawberry.field(description="When the sign-up was committed (UTC).")
    user: User = strawberry.field(
        description="The new user, as a query would return it now (personal fields masked for "
        "every role but admin)."
    )
    referrer_kind: ReferrerKind | None = strawberry.field(
        description="The direct referrer's kind; null for an organic sign-up."
    )
    referrer_id: strawberry.ID | None = strawberry.field(description="The direct referrer's id.")
    campaign_id: strawberry.ID | None = strawberry.field(
        description="The campaign the referral came through, if any."
    )


@strawberry.type(description="One place on the leaderboard.")
class LeaderboardEntry:
    referrer: Referrer
    sign_ups: int = strawberry.field(
        description="Users exactly `degree` REFERRED hops below the referrer."
    )


@strawberry.type(
    description="The leaderboard (`topReferrers(degree, limit)` over all time), sent first on "
    "subscribing and then whenever its entries or their counts change."
)
class LeaderboardUpdate:
    seq: int = strawberry.field(
        description="The last change of the feed this leaderboard includes."
    )
    entries: list[LeaderboardEntry]


@strawberry.type(description="A reward was created (PENDING or HELD) or moved to a new status.")
class RewardStatusEvent:
    seq: int = strawberry.field(description=SEQ_DESCRIPTION)
    at: datetime = strawberry.field(description="When the change was committed (UTC).")
    reward_id: strawberry.ID
    run_id: strawberry.ID
    status: str = strawberry.field(
        description="The reward's new status: PENDING, HELD, APPROVED, PAID or REJECTED."
    )
    beneficiary_kind: ReferrerKind
    beneficiary_id: strawberry.ID
    amount_cents: int = strawberry.field(description="What is owed, after the rule's cap.")
