"""Types of the money questions: what each source returns on what it cost, and the lifetime
value of customers, referred against organic. Definitions: docs/metrics.md (Money)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from growthgraph.api.types import Campaign, Influencer, Partner

CostSource = Annotated[Influencer | Partner | Campaign, strawberry.union("CostSource")]


@strawberry.type(
    description="What an influencer, partner or campaign returned on what it cost, in a window "
    "`[from, to)`. Its users are, for an influencer or partner, its whole downline (every user "
    "below it in the referral forest, up to 50 hops: the users attributed to it); for a "
    "campaign, the users whose `campaignId` is the campaign."
)
class SourceReturn:
    source: CostSource
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at (the `asOf` asked for, else the time "
        "of the request): nothing after it counted."
    )
    direct_sign_ups: int = strawberry.field(
        description="Users the source acquired itself (an influencer's or partner's direct "
        "referrals; every user of a campaign), signed up in the window."
    )
    sign_ups: int = strawberry.field(
        description="All its users signed up in the window (the whole downline, for an "
        "influencer or partner)."
    )
    conversions: int = strawberry.field(
        description="Conversions (paying events) of its users dated in the window, whenever "
        "those users signed up."
    )
    paying_users: int = strawberry.field(
        description="Its users with at least one conversion dated in the window."
    )
    revenue_cents: int = strawberry.field(
        description="Revenue of those conversions: what its users paid in the window."
    )
    cost_cents: int | None = strawberry.field(
        description="What was spent on the source in the window: its cost entries "
        "(`recordCost`) dated in the window, plus its undated `costCents` only when neither "
        "`from` nor `to` is given. Null when no cost applies (unknown)."
    )
    rewards_paid_cents: int = strawberry.field(
        description="Rewards with status PAID, marked paid in the window: for an influencer or "
        "partner those paid to it; for a campaign those paid on its users' conversions (to "
        "anyone)."
    )
    roi: float | None = strawberry.field(
        description="Return on investment: (revenueCents - costCents - rewardsPaidCents) / "
        "(costCents + rewardsPaidCents). 0.5 means half again what was spent came back; -1 "
        "means nothing came back. Null when the cost is unknown or nothing was spent."
    )
    cost_per_acquisition_cents: float | None = strawberry.field(
        description="CPA: costCents / directSignUps (as `sourcePerformance` defines it). Null "
        "when the cost is unknown or there are no direct sign-ups."
    )
    average_order_value_cents: float | None = strawberry.field(
        description="AOV: revenueCents / conversions. Null without conversions."
    )


@strawberry.enum(description="How to split the users of a lifetime-value cohort.")
class LtvGrouping(Enum):
    NONE = strawberry.enum_value("NONE", description="No groups; the totals only.")
    SOURCE = strawberry.enum_value(
        "SOURCE",
        description="By the root of the user's referral chain: `influencer:<id>`, "
        "`partner:<id>`, `user` (chains that start at an organic user) or `organic` (the "
        "same keys as `cohortRetention` and `inviteFunnel`).",
    )
    CAMPAIGN = strawberry.enum_value(
        "CAMPAIGN", description="By the user's `campaignId`; users without one in a null key."
    )
    COHORT_WEEK = strawberry.enum_value(
        "COHORT_WEEK", description="By the week (Monday, UTC) of sign-up, as YYYY-MM-DD."
    )
    COHORT_MONTH = strawberry.enum_value(
        "COHORT_MONTH", description="By the month of sign-up (its first day, UTC), as YYYY-MM-DD."
    )


@strawberry.type(description="Revenue to date and within N days of sign-up of a set of users.")
class LtvFigures:
    users: int
    paying_users: int = strawberry.field(description="Users with a conversion at or before `asOf`.")
    revenue_to_date_cents: int = strawberry.field(
        description="Revenue of their conversions at or before `asOf`."
    )
    average_to_date_cents: float | None = strawberry.field(
        description="Lifetime value to date: revenueToDateCents / users; null without users."
    )
    mature_users: int = strawberry.field(
        description="Users whose `withinDays` days after sign-up had all passed by `asOf`; only "
        "they count in the within-N-days figures, so young cohorts are not understated."
    )
    revenue_within_cents: int = strawberry.field(
        description="Revenue of the mature users' conversions in their first `withinDays` days "
        "(`signedUpAt` <= at < `signedUpAt` + withinDays)."
    )
    average_within_cents: float | None = strawberry.field(
        description="N-day lifetime value: revenueWithinCents / matureUsers; null without "
        "mature users."
    )


@strawberry.type(description="A group of the cohort, referred users against organic ones.")
class LtvGroup:
    key: str | None = strawberry.field(description="The group, as `groupBy` names it.")
    referred: LtvFigures = strawberry.field(description="Users with a referrer.")
    organic: LtvFigures = strawberry.field(description="Users without a referrer.")
    all: LtvFigures
    uplift_to_date: float | None = strawberry.field(
        description="referred.averageToDateCents / baseline.averageToDateCents - 1, where the "
        "baseline is the group's organic users, or the whole cohort's organic users when "
        "grouped by SOURCE (a source's users are all referred). 0.2: a referred user is worth "
        "20% more. Null when either average is missing or the baseline's is 0."
    )
    uplift_within: float | None = strawberry.field(
        description="As upliftToDate, with the N-day averages (averageWithinCents)."
    )


@strawberry.type(
    description="Lifetime value of the users who signed up in `[from, to)` (and before "
    "`asOf`), referred against organic."
)
class LifetimeValue:
    as_of: datetime = strawberry.field(description="The instant the figures are taken at.")
    within_days: int
    referred: LtvFigures
    organic: LtvFigures
    all: LtvFigures
    uplift_to_date: float | None = strawberry.field(
        description="referred.averageToDateCents / organic.averageToDateCents - 1."
    )
    uplift_within: float | None = strawberry.field(
        description="referred.averageWithinCents / organic.averageWithinCents - 1: the fair "
        "comparison, every user measured over the same number of days."
    )
    groups: list[LtvGroup] = strawberry.field(
        description="Per group of `groupBy`, by key (a null key first); empty for NONE."
    )
