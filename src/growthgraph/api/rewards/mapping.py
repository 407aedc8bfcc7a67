"""Reward records as schema types."""

from __future__ import annotations

import strawberry

from growthgraph.api.enums import FROM_KIND
from growthgraph.api.rewards import types as s
from growthgraph.graph import rewards
from growthgraph.graph.labels import Kind


def rule(r: rewards.RuleRecord) -> s.RewardRule:
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


def run(r: rewards.RunRecord) -> s.RewardRun:
    return s.RewardRun(
        id=strawberry.ID(r.id),
        rule_id=strawberry.ID(r.rule_id),
        start=r.start,
        end=r.end,
        rewards=r.rewards,
        total_cents=r.total_cents,
    )


def reward(r: rewards.RewardRecord) -> s.Reward:
    return s.Reward(
        id=strawberry.ID(r.id),
        run_id=strawberry.ID(r.run_id),
        conversion_id=strawberry.ID(r.conversion_id),
        level=r.level,
        beneficiary_kind=FROM_KIND[Kind(r.beneficiary_label)],
        beneficiary_id=strawberry.ID(r.beneficiary_id),
        amount_cents=r.amount_cents,
        capped_cents=r.capped_cents,
        status=s.RewardStatus[r.status],
        history=[s.RewardStatusChange(status=s.RewardStatus[st], at=t) for st, t in r.history],
    )
