"""Root fields that write multi-tier rewards: rules, runs and the moves of a reward. Each write is
idempotent and atomic."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.errors import error_for, id_conflict, invalid_input
from growthgraph.api.rewards import types as s
from growthgraph.api.rewards.errors import (
    RUN_ERRORS,
    STATUS_ERRORS,
    CreateRewardRuleResult,
    RunRewardsResult,
    SetRewardStatusResult,
)
from growthgraph.api.rewards.mapping import rule, run
from growthgraph.api.types import reward
from growthgraph.graph import rewards
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.validation import Problem, check_aware, check_cents, check_id, check_text


def _check_rule(input: s.CreateRewardRuleInput) -> list[Problem]:
    problems = check_id("id", str(input.id)) + check_text("name", input.name)
    if not 1 <= len(input.levels) <= rewards.MAX_LEVELS:
        problems.append(Problem("levels", f"must have 1 to {rewards.MAX_LEVELS} levels"))
    for i, lv in enumerate(input.levels):
        if not 0 <= lv.share_bps <= 10_000:
            problems.append(Problem(f"levels[{i}].shareBps", "must be between 0 and 10000"))
        problems += check_cents(f"levels[{i}].fixedCents", lv.fixed_cents)
    problems += check_cents("refereeCents", input.referee_cents)
    problems += check_cents("capCentsPerReferrer", input.cap_cents_per_referrer)
    return problems


async def create_reward_rule(info: Info, input: s.CreateRewardRuleInput) -> CreateRewardRuleResult:
    problems = _check_rule(input)
    if problems:
        return invalid_input(problems)
    out = await rewards.create_rule(
        info.context.db,
        id=str(input.id),
        name=input.name,
        levels=[rewards.Level(lv.share_bps, lv.fixed_cents) for lv in input.levels],
        referee_cents=input.referee_cents,
        cap_cents=input.cap_cents_per_referrer,
    )
    if isinstance(out, IdConflict):
        return id_conflict(out)
    return s.CreateRewardRuleSuccess(rule=rule(out.record), created=out.created)


async def run_rewards(info: Info, input: s.RunRewardsInput) -> RunRewardsResult:
    problems = (
        check_id("ruleId", str(input.rule_id))
        + check_aware("from", input.start)
        + check_aware("to", input.end)
    )
    if not problems and input.start >= input.end:
        problems.append(Problem("to", "must be later than `from`"))
    if problems:
        return invalid_input(problems)
    out = await rewards.run_rewards(
        info.context.db,
        rule_id=str(input.rule_id),
        start=input.start.astimezone(UTC),
        end=input.end.astimezone(UTC),
        at=datetime.now(UTC),
    )
    if isinstance(out, Written):
        return s.RunRewardsSuccess(run=run(out.record), created=out.created)
    return error_for(RUN_ERRORS, out)


async def set_reward_status(info: Info, input: s.SetRewardStatusInput) -> SetRewardStatusResult:
    out = await rewards.set_status(
        info.context.db, id=str(input.reward_id), status=input.status.name, at=datetime.now(UTC)
    )
    if isinstance(out, Written):
        return s.SetRewardStatusSuccess(reward=reward(out.record), changed=out.created)
    return error_for(STATUS_ERRORS, out)


@strawberry.type
class RewardsMutation:
    create_reward_rule: CreateRewardRuleResult = strawberry.field(
        resolver=create_reward_rule,
        description="Register a reward rule: per level a share of revenue and/or a fixed "
        "amount, an optional two-sided referee reward, an optional cap per beneficiary and "
        "period.",
    )
    run_rewards: RunRewardsResult = strawberry.field(
        resolver=run_rewards,
        description="Produce the reward ledger of a rule for the conversions in [from, to). "
        "For each conversion, the referrer n REFERRED hops above the paying user earns level "
        "n: floor(revenue x shareBps / 10000) plus, on the user's first conversion ever, "
        "fixedCents. On that first conversion a referred user also earns `refereeCents`. Per "
        "beneficiary, amounts past the cap are cut in conversion-time order. Rewards to or "
        "through a user flagged with `flagUser`, or through a flagged REFERRED edge, are HELD, "
        "the rest PENDING. A rule and "
        "period run once: repeating returns the stored run; an overlapping period is refused.",
    )
    set_reward_status: SetRewardStatusResult = strawberry.field(
        resolver=set_reward_status,
        description="Move a reward along PENDING -> APPROVED -> PAID, or to REJECTED; every "
        "move is recorded with its time in the reward's history. Repeating a move is harmless.",
    )
