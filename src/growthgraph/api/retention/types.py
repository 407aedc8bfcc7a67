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
        "its root), else the user's own sign-up campaign, else a null group.",
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
    group: str | None = strawberry.field(
        description="The group (see `RetentionGrouping`); `all` when not split; null for the "
        "users without a campaign when grouped by `CAMPAIGN`."
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


@strawberry.enum(
    description="How to split the invite funnel. A group is fixed when the invite is sent."
)
class FunnelGrouping(Enum):
    NONE = strawberry.enum_value("NONE", description="No groups: the whole funnel only.")
    SOURCE = strawberry.enum_value(
        "SOURCE",
        description="The root the invitee is attributed to once it accepts (the last entry of "
        "its `attributionPath`): the sending influencer or partner (`influencer:<id>`, "
        "`partner:<id>`); for a sending user, the root of that user's own referral chain, or "
        "`user` when the chain starts at an organic user (the sender itself, if organic).",
    )
    CAMPAIGN = strawberry.enum_value(
        "CAMPAIGN",
        description="The invite's own campaign (`recordInvite`'s `campaignId`), else a null key. "
        "A sign-up that names another campaign stays in the invite's group.",
    )
    SENDER_KIND = strawberry.enum_value(
        "SENDER_KIND",
        description="The kind of the invite's sender: `user`, `influencer` or `partner`.",
    )


@strawberry.enum(description="A step of the invite funnel, in order.")
class FunnelStepName(Enum):
    INVITED = strawberry.enum_value(
        "INVITED", description="The invite was sent (in `[from, to)`, by `asOf`)."
    )
    SIGNED_UP = strawberry.enum_value(
        "SIGNED_UP",
        description="The invite was accepted by a sign-up, by `asOf`. Time: the sign-up.",
    )
    ACTIVE = strawberry.enum_value(
        "ACTIVE",
        description="That user had an activity (`recordActivity`) by `asOf`. Time: its first "
        "activity.",
    )
    CONVERTED = strawberry.enum_value(
        "CONVERTED",
        description="That user had a conversion at or after its first activity, by `asOf` "
        "(one before it does not count: the steps happen in order). Time: the first such "
        "conversion.",
    )


@strawberry.type(description="One step of the invite funnel.")
class FunnelStep:
    step: FunnelStepName
    count: int = strawberry.field(
        description="Invites that reached this step (each invite counts once: its one invitee)."
    )
    share_of_previous: float | None = strawberry.field(
        description="count / the previous step's count: the step's conversion. Null for "
        "INVITED and when the previous step is 0."
    )
    share_of_invited: float | None = strawberry.field(
        description="count / invites sent: the funnel's conversion up to this step. Null "
        "without invites."
    )
    drop_off: int = strawberry.field(
        description="Invites that reached the previous step but not this one (0 for INVITED)."
    )
    drop_off_share: float | None = strawberry.field(
        description="dropOff / the previous step's count = 1 - shareOfPrevious. Null for "
        "INVITED and when the previous step is 0."
    )
    median_time_seconds: float | None = strawberry.field(
        description="The median, over the invites that reached this step, of the time from the "
        "previous step's event to this one's (invite sent -> sign-up -> first activity -> "
        "first conversion after it), in seconds; the mean of the two middle values for an even "
        "count. Null for INVITED and when no invite reached the step."
    )
    median_time: str | None = strawberry.field(
        description="medianTimeSeconds as an ISO 8601 duration, rounded to whole seconds "
        "(`P3DT4H5M6S`)."
    )
    median_time_text: str | None = strawberry.field(
        description="medianTimeSeconds for a person: its two largest non-zero units of days, "
        "hours, minutes and seconds, rounded down (`3 days 4 hours`)."
    )


@strawberry.type(description="The funnel of the invites of one group.")
class FunnelGroup:
    key: str | None = strawberry.field(
        description="The group (see `FunnelGrouping`); null for the invites without a campaign "
        "when grouped by `CAMPAIGN`."
    )
    steps: list[FunnelStep] = strawberry.field(
        description="INVITED, SIGNED_UP, ACTIVE, CONVERTED, in order."
    )


@strawberry.type(
    description="The invite funnel: of the invites sent in `[from, to)` (and by `asOf`), how "
    "many were accepted by a sign-up, how many of those users then had an activity, and how "
    "many of those then converted, with the drop-off and the median time between steps. "
    "Sign-ups without an invite (organic users, referrals through a shared link) never enter."
)
class InviteFunnel:
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at: invites, sign-ups, activities and "
        "conversions after it do not count."
    )
    group_by: FunnelGrouping
    steps: list[FunnelStep] = strawberry.field(
        description="The whole funnel (every invite of the window): INVITED, SIGNED_UP, ACTIVE, "
        "CONVERTED, in order."
    )
    groups: list[FunnelGroup] = strawberry.field(
        description="The funnel per group of `groupBy`, most invites first, ties by key (a null "
        "key last), at most `limit`; empty for NONE."
    )
    truncated: bool = strawberry.field(description="More groups existed than `limit`.")
