"""Types of cohort retention and the invite funnel."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry


@strawberry.enum(description="The calendar period of a retention cohort (UTC).")
class RetentionInterval(Enum):
    WEEK = "week"
    MONTH = "month"


@strawberry.enum(
    description="How to split retention cohorts, following the attribution of `attributionPath`."
)
class RetentionGrouping(Enum):
    NONE = "NONE"
    ACQUISITION = strawberry.enum_value(
        "ACQUISITION",
        description="`referred` (a referral edge comes into the user) or `organic`.",
    )
    SOURCE = strawberry.enum_value(
        "SOURCE",
        description="The root of the user's referral chain: `influencer:<id>`, "
        "`partner:<id>`, `user` (the chain starts at an organic user) or `organic` (not "
        "referred).",
    )
    CAMPAIGN = strawberry.enum_value(
        "CAMPAIGN",
        description="The campaign of the referral that brought the chain in (the edge out of "
        "its root), else the user's own sign-up campaign, else `none`.",
    )


@strawberry.type(description="One period after a cohort's sign-up period.")
class RetentionPeriod:
    index: int = strawberry.field(
        description="0 is the sign-up period itself, 1 the next calendar week or month, ..."
    )
    start: datetime = strawberry.field(description="When the period starts (UTC).")
    active: int = strawberry.field(
        description="Cohort members with at least one activity in the period, up to `asOf`."
    )
    share: float = strawberry.field(description="`active` / the cohort's `size`.")
    complete: bool = strawberry.field(
        description="The period had ended by `asOf`; otherwise the share can still grow."
    )


@strawberry.type(description="The users of one group who signed up in one calendar period.")
class RetentionCohort:
    start: datetime = strawberry.field(description="Start of the sign-up period (UTC).")
    group: str = strawberry.field(
        description="The group (see `RetentionGrouping`); `all` when not split."
    )
    size: int = strawberry.field(description="Users in the cohort.")
    periods: list[RetentionPeriod] = strawberry.field(
        description="Periods 0..`periods` that had begun by `asOf`, in order."
    )


@strawberry.type(
    description="Cohort retention: for users who signed up in `[from, to)` (and by `asOf`), "
    "grouped by sign-up week or month, the share active in each following period."
)
class CohortRetention:
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at: activities after it do not count."
    )
    interval: RetentionInterval
    cohorts: list[RetentionCohort] = strawberry.field(
        description="Non-empty cohorts, by start, then group."
    )
    truncated: bool = strawberry.field(
        description="More (cohort, group) pairs existed than the 2,000 returned."
    )
