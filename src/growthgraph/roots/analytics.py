"""Root fields of growth analytics: the events it needs (invites, conversions) and the
questions it answers (viral coefficient, growth over time). Definitions live in each field's
description and in docs/metrics.md."""

from __future__ import annotations

import strawberry

from growthgraph.resolvers import analytics_events, analytics_growth, analytics_sources, rewards
from growthgraph.schema.analytics_events import RecordConversionResult, RecordInviteResult
from growthgraph.schema.analytics_growth import CascadeGeneration, Growth, ViralCoefficient
from growthgraph.schema.analytics_sources import (
    CascadeStructure,
    GrowingCascade,
    SourcePerformance,
)
from growthgraph.schema.rewards import (
    CreateRewardRuleResult,
    RewardLedger,
    RunRewardsResult,
    SetRewardStatusResult,
)


@strawberry.type(description="Growth analytics. Every definition is in the field descriptions.")
class AnalyticsQuery:
    viral_coefficient: ViralCoefficient = strawberry.field(
        resolver=analytics_growth.viral_coefficient,
        description="Viral coefficient (K-factor) of the cohort of users who signed up in "
        "[from, to), optionally split by campaign, channel or acquisition source kind: invites "
        "per member x invite-to-sign-up conversion, the direct-referral form (referees per "
        "member) and the viral cycle time. An empty cohort has zero members and null ratios.",
    )
    cascade_generations: list[CascadeGeneration] | None = strawberry.field(
        resolver=analytics_growth.cascade_generations,
        description="K per generation of the cascade under a root referrer: for generation g "
        "(users exactly g REFERRED hops below the root; 0 is the root), its size and "
        "K_g = size(g+1) / size(g). Generations 0 to `maxGeneration`, empty ones included. "
        "Null if the root does not exist.",
    )
    growth: Growth = strawberry.field(
        resolver=analytics_growth.growth,
        description="Sign-ups in [from, to) per UTC day, ISO week or month, split by "
        "acquisition source (organic, user referral, influencer, partner) and by campaign, with "
        "the share of network-driven growth. At most 1000 buckets.",
    )
    source_performance: list[SourcePerformance] = strawberry.field(
        resolver=analytics_sources.source_performance,
        description="Leaderboard of influencers or partners: direct sign-ups, the whole "
        "downline and sign-ups by depth, conversion rate, revenue directly and through the "
        "network, cost per acquisition when the cost is known, and reach next to engagement "
        "rate. Sorted by `sortBy`, ties by id; at most `limit` (1 to 100) sources.",
    )
    cascade_structure: CascadeStructure | None = strawberry.field(
        resolver=analytics_sources.cascade_structure,
        description="Size, depth, breadth per level and structural virality of the referral "
        "tree under a root. Null if the root does not exist.",
    )
    largest_cascades: list[GrowingCascade] = strawberry.field(
        resolver=analytics_sources.largest_cascades,
        description="The cascades (trees under a root that has no referrer) with the most "
        "members who signed up in [from, to), most first; ties by root id, then kind. At most "
        "`limit` (1 to 100).",
    )


@strawberry.type(description="Growth events. Each write is idempotent and atomic.")
class AnalyticsMutation:
    record_invite: RecordInviteResult = strawberry.field(
        resolver=analytics_events.record_invite,
        description="Record an invitation sent by a user, influencer or partner. Repeating an "
        "identical call returns the stored invite; another invite under the same id, or the "
        "same id from another sender, is an ID_CONFLICT.",
    )
    record_conversion: RecordConversionResult = strawberry.field(
        resolver=analytics_events.record_conversion,
        description="Record a paying event of an existing user (revenue in cents). Repeating an "
        "identical call returns the stored conversion.",
    )


@strawberry.type(
    description="Multi-tier rewards. Each write is idempotent and atomic; definitions are in "
    "the field and input descriptions and in docs/metrics.md."
)
class RewardsMutation:
    create_reward_rule: CreateRewardRuleResult = strawberry.field(
        resolver=rewards.create_reward_rule,
        description="Register a reward rule: per level a share of revenue and/or a fixed "
        "amount, an optional two-sided referee reward, an optional cap per beneficiary and "
        "period.",
    )
    run_rewards: RunRewardsResult = strawberry.field(
        resolver=rewards.run_rewards,
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
        resolver=rewards.set_reward_status,
        description="Move a reward along PENDING -> APPROVED -> PAID, or to REJECTED; every "
        "move is recorded with its time in the reward's history. Repeating a move is harmless.",
    )


@strawberry.type(description="Reward ledgers.")
class RewardsQuery:
    reward_ledger: RewardLedger | None = strawberry.field(
        resolver=rewards.reward_ledger,
        description="A page of the ledger of one run, by reward id. Null if the run does not "
        "exist.",
    )
