"""Reward records as schema types."""

from __future__ import annotations

import strawberry

from growthgraph.api.rewards import types as s
from growthgraph.graph import rewards


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
