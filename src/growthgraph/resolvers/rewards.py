"""Resolvers of multi-tier rewards: validate, call ``graph.rewards``, map."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import rewards
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.graph.records import Kind
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.resolvers.mutations import id_conflict, invalid_input
from growthgraph.resolvers.pagination import decode_cursor, encode_cursor
from growthgraph.schema import rewards as s
from growthgraph.schema.enums import ErrorCode
from growthgraph.validation import Problem, check_aware, check_cents, check_id, check_text

Ctx = Info[Context, None]


def _rule(r: rewards.RuleRecord) -> s.RewardRule:
    return s.RewardRule(
        id=strawberry.ID(r.id),
        name=r.name,
        levels=[
            s.RewardLevel(level=i, share_bps=lv.share_bps, fixed_cents=lv.fixed_cents)
            for i, lv in enumerate(r.levels, start=1)
        ],
        referee_cents=r.referee_cents,
        cap_cents_per_referrer=r.cap_cents,
    )


def _run(r: rewards.RunRecord) -> s.RewardRun:
    return s.RewardRun(
        id=strawberry.ID(r.id),
        rule_id=strawberry.ID(r.rule_id),
        start=r.start,
        end=r.end,
        rewards=r.rewards,
        total_cents=r.total_cents,
    )


def _reward(r: rewards.RewardRecord) -> s.Reward:
    return s.Reward(
        id=strawberry.ID(r.id),
        run_id=strawberry.ID(r.run_id),
        conversion_id=strawberry.ID(r.conversion_id),
        level=r.level,
        beneficiary_kind=mapping.FROM_KIND[Kind(r.beneficiary_label)],
        beneficiary_id=strawberry.ID(r.beneficiary_id),
        amount_cents=r.amount_cents,
        capped_cents=r.capped_cents,
        status=s.RewardStatus[r.status],
        history=[s.RewardStatusChange(status=s.RewardStatus[st], at=t) for st, t in r.history],
    )


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


async def create_reward_rule(info: Ctx, input: s.CreateRewardRuleInput) -> s.CreateRewardRuleResult:
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
    return s.CreateRewardRuleSuccess(rule=_rule(out.record), created=out.created)


async def run_rewards(info: Ctx, input: s.RunRewardsInput) -> s.RunRewardsResult:
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
        return s.RunRewardsSuccess(run=_run(out.record), created=out.created)
    if isinstance(out, rewards.UnknownRule):
        return s.UnknownRewardRuleError(
            code=ErrorCode.UNKNOWN_REWARD_RULE,
            message=f"no reward rule with id {out.id!r}",
            rule_id=strawberry.ID(out.id),
        )
    if isinstance(out, rewards.PeriodTooLarge):
        return s.PeriodTooLargeError(
            code=ErrorCode.PERIOD_TOO_LARGE,
            message=f"the period has more than {out.max_rows} rewardable rows; split it",
            max_rows=out.max_rows,
        )
    return s.PeriodOverlapError(
        code=ErrorCode.PERIOD_OVERLAP,
        message=f"run {out.run_id!r} of this rule overlaps the period",
        run_id=strawberry.ID(out.run_id),
    )


async def set_reward_status(info: Ctx, input: s.SetRewardStatusInput) -> s.SetRewardStatusResult:
    out = await rewards.set_status(
        info.context.db, id=str(input.reward_id), status=input.status.name, at=datetime.now(UTC)
    )
    if isinstance(out, Written):
        return s.SetRewardStatusSuccess(reward=_reward(out.record), changed=out.created)
    if isinstance(out, rewards.UnknownReward):
        return s.UnknownRewardError(
            code=ErrorCode.UNKNOWN_REWARD,
            message=f"no reward with id {out.id!r}",
            reward_id=strawberry.ID(out.id),
        )
    return s.InvalidTransitionError(
        code=ErrorCode.INVALID_TRANSITION,
        message=f"a {out.status} reward cannot become {out.wanted}",
        status=s.RewardStatus[out.status],
    )


async def reward_ledger(
    info: Ctx,
    run_id: strawberry.ID,
    status: Annotated[
        s.RewardStatus | None, strawberry.argument(description="Only rewards with this status.")
    ] = None,
    first: Annotated[
        int, strawberry.argument(description=f"Page size, 1 to {rewards.MAX_LEDGER_PAGE}.")
    ] = 100,
    after: Annotated[
        str | None, strawberry.argument(description="The `endCursor` of the previous page.")
    ] = None,
) -> s.RewardLedger | None:
    if not 1 <= first <= rewards.MAX_LEDGER_PAGE:
        raise BadUserInputError(f"`first` must be between 1 and {rewards.MAX_LEDGER_PAGE}")
    found = await rewards.ledger(
        info.context.db,
        str(run_id),
        status=None if status is None else status.name,
        after=decode_cursor(after),
        limit=first + 1,
    )
    if found is None:
        return None
    run, rows = found
    page = rows[:first]
    return s.RewardLedger(
        run=_run(run),
        rewards=[_reward(r) for r in page],
        end_cursor=encode_cursor(page[-1].id) if len(rows) > first else None,
    )
