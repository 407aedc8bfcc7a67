"""Types of multi-tier rewards: rules, runs, the ledger and the moves of a reward."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from growthgraph.api.errors import created_flag
from growthgraph.api.types import Reward


@strawberry.input(description="What one level of a reward rule pays.")
class RewardLevelInput:
    share_bps: int = strawberry.field(
        default=0,
        description="Share of each conversion's revenue, in basis points (1000 = 10%), "
        "rounded down to a cent; 0 to 10000.",
    )
    fixed_cents: int = strawberry.field(
        default=0,
        description="A fixed amount paid on the paying user's first conversion ever; 0 or more.",
    )


@strawberry.input(
    description="A multi-tier reward rule. Level n pays the referrer n REFERRED hops above the "
    "paying user (level 1: its direct referrer). E.g. levels [10%, 2%, 1%] as shareBps "
    "[1000, 200, 100]."
)
class CreateRewardRuleInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the rule.")
    name: str
    levels: list[RewardLevelInput] = strawberry.field(description="1 to 5 levels, level 1 first.")
    referee_cents: int = strawberry.field(
        default=0,
        description="Two-sided rewards: what a referred user itself earns on its first "
        "conversion; 0 for one-sided.",
    )
    cap_cents_per_referrer: int | None = strawberry.field(
        default=None,
        description="The most one beneficiary can earn from one run of the rule (one period); "
        "rewards past the cap are cut (see `cappedCents`). Null: no cap.",
    )


@strawberry.input(description="Produce the reward ledger of a rule for the period [from, to).")
class RunRewardsInput:
    rule_id: strawberry.ID
    start: datetime = strawberry.field(name="from", description="Period start (inclusive).")
    end: datetime = strawberry.field(name="to", description="Period end (exclusive).")


@strawberry.enum(description="The statuses a reward can be moved to.")
class RewardTransition(Enum):
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"


@strawberry.input(
    description="Move a reward: PENDING to APPROVED or REJECTED, APPROVED to PAID or REJECTED, "
    "HELD to REJECTED. Asking for a status the reward already had is a harmless repeat."
)
class SetRewardStatusInput:
    reward_id: strawberry.ID
    status: RewardTransition


@strawberry.type(description="A level of a reward rule.")
class RewardLevel:
    level: int
    share_bps: int
    fixed_cents: int


@strawberry.type(description="A multi-tier reward rule.")
class RewardRule:
    id: strawberry.ID
    name: str
    levels: list[RewardLevel]
    referee_cents: int
    cap_cents_per_referrer: int | None


@strawberry.type(description="One run of a rule: the ledger of one period.")
class RewardRun:
    id: strawberry.ID = strawberry.field(description="`<ruleId>@<from>/<to>`, UTC.")
    rule_id: strawberry.ID
    start: datetime = strawberry.field(name="from")
    end: datetime = strawberry.field(name="to")
    rewards: int = strawberry.field(description="Ledger entries.")
    total_cents: int = strawberry.field(description="Their amounts added up, held ones included.")


@strawberry.type(description="A page of a run's ledger, by reward id.")
class RewardLedger:
    run: RewardRun
    rewards: list[Reward]
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null when this page is the last."
    )


@strawberry.type(description="The rule as stored.")
class CreateRewardRuleSuccess:
    rule: RewardRule
    created: bool = created_flag()


@strawberry.type(description="The run as stored.")
class RunRewardsSuccess:
    run: RewardRun
    created: bool = strawberry.field(
        description="False when this rule and period had already run: the stored ledger stands."
    )


@strawberry.type(description="The reward after the move.")
class SetRewardStatusSuccess:
    reward: Reward
    changed: bool = strawberry.field(description="False when the reward already had the status.")
