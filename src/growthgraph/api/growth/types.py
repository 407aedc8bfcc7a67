"""Types of the growth questions: the viral coefficient of a cohort and sign-ups over time."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.types import Campaign, campaign


@strawberry.enum(description="How to split a sign-up cohort.")
class CohortGrouping(Enum):
    NONE = strawberry.enum_value("NONE", description="One group: the whole cohort.")
    CAMPAIGN = strawberry.enum_value(
        "CAMPAIGN", description="By the member's own `campaignId` (null: no campaign)."
    )
    CHANNEL = strawberry.enum_value(
        "CHANNEL", description="By the member's own acquisition `channel` (null: none given)."
    )
    SOURCE_KIND = strawberry.enum_value(
        "SOURCE_KIND",
        description="By how the member was acquired: ORGANIC (no referrer), USER, INFLUENCER "
        "or PARTNER (the kind of its referrer).",
    )


@strawberry.enum(description="Calendar buckets, in UTC.")
class GrowthInterval(Enum):
    DAY = strawberry.enum_value("DAY", description="UTC days.")
    WEEK = strawberry.enum_value("WEEK", description="ISO weeks, Monday 00:00 UTC to Monday.")
    MONTH = strawberry.enum_value("MONTH", description="Calendar months in UTC.")


@strawberry.type(
    description="Viral coefficient of a group of cohort members. Counts follow the members' own "
    "invites and referrals at any time (not only inside the cohort window). Ratios are null "
    "when their denominator is zero."
)
class ViralGroup:
    key: str | None = strawberry.field(
        description="The group's value of the grouping (a campaign id, a channel, a source "
        "kind); null for the whole cohort and for members without a value."
    )
    members: int = strawberry.field(description="Cohort members in the group.")
    invites_sent: int = strawberry.field(description="Invites the members sent.")
    invites_accepted: int = strawberry.field(
        description="Of those invites, how many were accepted by a sign-up."
    )
    invites_per_member: float | None = strawberry.field(description="invitesSent / members.")
    invite_conversion: float | None = strawberry.field(
        description="Invite-to-sign-up conversion: invitesAccepted / invitesSent."
    )
    invite_k: float | None = strawberry.field(
        description="The K-factor as the growth literature defines it (the article-standard K): "
        "invites sent per member x invite conversion = invitesPerMember x inviteConversion, "
        "which equals invitesAccepted / members. Above 1, each member brings in more than one "
        "new member through invites. With `within`, only invites accepted within that many days "
        "of being sent count."
    )
    referees: int = strawberry.field(
        description="Users the members referred directly (one REFERRED hop), by any channel."
    )
    referral_k: float | None = strawberry.field(
        description="Not the standard K: the direct-referral ratio referees / members, which "
        "counts every user a member referred by any channel (invites or not). It is at least "
        "inviteK when every accepted invite is also a referral. With `within`, only referees "
        "who signed up within that many days of the member count."
    )
    viral_cycle_time_seconds: float | None = strawberry.field(
        description="Viral cycle time: the median, over every referral made by a member, of the "
        "time from the member's sign-up to its referee's sign-up, in seconds (with an even "
        "number of referrals, the mean of the two middle values). Null without referrals."
    )
    viral_cycle_time: str | None = strawberry.field(
        description="viralCycleTimeSeconds as an ISO 8601 duration, rounded to whole seconds "
        "(P3DT4H5M6S is 3 days, 4 hours, 5 minutes and 6 seconds). Null without referrals."
    )
    viral_cycle_time_text: str | None = strawberry.field(
        description="viralCycleTimeSeconds for a person: its two largest non-zero units of "
        'days, hours, minutes and seconds, rounded down ("3 days 4 hours", "1 hour 2 '
        'minutes", "0 seconds"). Null without referrals.'
    )


@strawberry.type(
    description="Viral coefficient of the cohort of users who signed up in [from, to)."
)
class ViralCoefficient:
    start: datetime = strawberry.field(name="from", description="Cohort start (inclusive).")
    end: datetime = strawberry.field(name="to", description="Cohort end (exclusive).")
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at (the `asOf` asked for, else the time "
        "of the request): nothing after it counted."
    )
    within: int | None = strawberry.field(
        description="The conversion window in days that applied; null when every conversion "
        "to date counted."
    )
    total: ViralGroup = strawberry.field(description="The whole cohort (key null).")
    groups: list[ViralGroup] = strawberry.field(
        description="The cohort split by `groupBy`, largest group first, ties by key (null "
        "last); at most `limit` groups. Empty when `groupBy` is NONE."
    )


@strawberry.type(
    description="Sign-ups of one calendar bucket by acquisition source. Only sign-ups inside "
    "the requested window count, so the first and last buckets may be partial."
)
class GrowthBucket:
    start: datetime = strawberry.field(description="Bucket start (UTC).")
    total: int = strawberry.field(description="All sign-ups in the bucket.")
    organic: int = strawberry.field(description="Sign-ups with no referrer.")
    user_referral: int = strawberry.field(description="Sign-ups referred by another user.")
    influencer: int = strawberry.field(description="Sign-ups referred by an influencer.")
    partner: int = strawberry.field(description="Sign-ups referred by a partner.")
    network_share: float | None = strawberry.field(
        description="Share of network-driven growth: userReferral / total (user-to-user "
        "referrals, the viral loop). Null for an empty bucket."
    )
    referred_share: float | None = strawberry.field(
        description="Share of referred sign-ups of any source: (userReferral + influencer + "
        "partner) / total. Null for an empty bucket."
    )


@strawberry.type(description="Sign-ups of one calendar bucket attributed to one campaign.")
class CampaignGrowth:
    start: datetime = strawberry.field(description="Bucket start (UTC).")
    campaign_id: strawberry.ID
    sign_ups: int = strawberry.field(description="Sign-ups whose `campaignId` is this campaign.")

    @strawberry.field(
        description="The campaign itself; null when no campaign has this id (sign-ups may name "
        "a campaign that was never registered). Batched: one round trip per response."
    )
    async def campaign(self, info: Info) -> Campaign | None:
        found = await info.context.campaign_by_id(str(self.campaign_id))
        return None if found is None else campaign(found)


@strawberry.type(description="Sign-ups over time in [from, to), in calendar buckets.")
class Growth:
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at (the `asOf` asked for, else the time "
        "of the request): later sign-ups did not count."
    )
    interval: GrowthInterval
    total: GrowthBucket = strawberry.field(
        description="The whole window as one bucket (its `start` is `from`)."
    )
    buckets: list[GrowthBucket] = strawberry.field(
        description="Every bucket that overlaps the window, in order, empty ones included."
    )
    by_campaign: list[CampaignGrowth] = strawberry.field(
        description="Non-zero sign-ups per bucket and campaign, by bucket then campaign id; "
        "sign-ups without a campaign are left out. At most 5000 rows."
    )
    by_campaign_truncated: bool = strawberry.field(
        description="True when `byCampaign` was cut at its 5000-row limit."
    )
