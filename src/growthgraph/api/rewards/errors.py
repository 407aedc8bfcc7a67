"""The refusals of the reward mutations, their result unions, and one table per mutation from
graph outcome to error."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.enums import ErrorCode
from growthgraph.api.errors import Error, IdConflictError, InvalidInputError, OutcomeErrors
from growthgraph.api.rewards.types import (
    CreateRewardRuleSuccess,
    RunRewardsSuccess,
    SetRewardStatusSuccess,
)
from growthgraph.api.types import RewardStatus
from growthgraph.graph import rewards


@strawberry.type(description="The named reward rule does not exist.")
class UnknownRewardRuleError(Error):
    rule_id: strawberry.ID


@strawberry.type(
    description="Another run of this rule covers part of the period; a conversion is never "
    "rewarded twice by one rule."
)
class PeriodOverlapError(Error):
    run_id: strawberry.ID


@strawberry.type(
    description="The period holds more conversions than one run may reward; split it into "
    "shorter periods."
)
class PeriodTooLargeError(Error):
    max_rows: int = strawberry.field(
        description="The most (conversion, beneficiary) pairs one run may hold."
    )


@strawberry.type(description="The named reward does not exist.")
class UnknownRewardError(Error):
    reward_id: strawberry.ID


@strawberry.type(description="The reward cannot move from its status to the one asked for.")
class InvalidTransitionError(Error):
    status: RewardStatus = strawberry.field(description="The reward's current status.")


RunRewardsError = UnknownRewardRuleError | PeriodOverlapError | PeriodTooLargeError
SetRewardStatusError = UnknownRewardError | InvalidTransitionError

RUN_ERRORS: OutcomeErrors[RunRewardsError] = {
    rewards.UnknownRule: lambda out: UnknownRewardRuleError(
        code=ErrorCode.UNKNOWN_REWARD_RULE,
        message=f"no reward rule with id {out.id!r}",
        rule_id=strawberry.ID(out.id),
    ),
    rewards.PeriodTooLarge: lambda out: PeriodTooLargeError(
        code=ErrorCode.PERIOD_TOO_LARGE,
        message=f"the period has more than {out.max_rows} rewardable rows; split it",
        max_rows=out.max_rows,
    ),
    rewards.PeriodOverlap: lambda out: PeriodOverlapError(
        code=ErrorCode.PERIOD_OVERLAP,
        message=f"run {out.run_id!r} of this rule overlaps the period",
        run_id=strawberry.ID(out.run_id),
    ),
}
STATUS_ERRORS: OutcomeErrors[SetRewardStatusError] = {
    rewards.UnknownReward: lambda out: UnknownRewardError(
        code=ErrorCode.UNKNOWN_REWARD,
        message=f"no reward with id {out.id!r}",
        reward_id=strawberry.ID(out.id),
    ),
    rewards.InvalidTransition: lambda out: InvalidTransitionError(
        code=ErrorCode.INVALID_TRANSITION,
        message=f"a {out.status} reward cannot become {out.wanted}",
        status=RewardStatus[out.status],
    ),
}


CreateRewardRuleResult = Annotated[
    CreateRewardRuleSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreateRewardRuleResult"),
]
RunRewardsResult = Annotated[
    RunRewardsSuccess | InvalidInputError | RunRewardsError,
    strawberry.union("RunRewardsResult"),
]
SetRewardStatusResult = Annotated[
    SetRewardStatusSuccess | SetRewardStatusError,
    strawberry.union("SetRewardStatusResult"),
]
