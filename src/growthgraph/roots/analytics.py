"""Root fields of growth analytics: the events it needs (invites, conversions) and the
questions it answers (viral coefficient, growth over time). Definitions live in each field's
description and in docs/metrics.md."""

from __future__ import annotations

import strawberry

from growthgraph.resolvers import analytics_events, analytics_growth
from growthgraph.schema.analytics_events import RecordConversionResult, RecordInviteResult
from growthgraph.schema.analytics_growth import CascadeGeneration, Growth, ViralCoefficient


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
