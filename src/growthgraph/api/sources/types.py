"""Types of the sources (influencers, partners, campaigns): their registration inputs and
results, and their performance leaderboards."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from growthgraph.api.enums import CostSourceKind, PartnerKind
from growthgraph.api.errors import IdConflictError, InvalidInputError, created_flag
from growthgraph.api.lists import SortDirection
from growthgraph.api.types import Campaign, Influencer, Partner, Referrer


@strawberry.input
class CreateInfluencerInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the influencer.")
    handle: str
    platform: str = strawberry.field(description="instagram, tiktok, youtube, ...")
    followers: int = strawberry.field(description="Audience size; zero or more.")
    engagement_rate: float = strawberry.field(description="From 0 to 1.")
    cost_cents: int | None = strawberry.field(
        default=None,
        description="What the deal cost, in cents, undated: it counts only in figures over all "
        "time (no `from`/`to`). Record dated costs with `recordCost`. Zero or more.",
    )


@strawberry.input
class CreatePartnerInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the partner.")
    name: str
    kind: PartnerKind
    cost_cents: int | None = strawberry.field(
        default=None,
        description="What the deal cost, in cents, undated: it counts only in figures over all "
        "time (no `from`/`to`). Record dated costs with `recordCost`. Zero or more.",
    )


@strawberry.input
class CreateCampaignInput:
    id: strawberry.ID = strawberry.field(description="Your stable id for the campaign.")
    name: str
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None


@strawberry.enum(description="The kinds of source that have a performance leaderboard.")
class SourceKind(Enum):
    INFLUENCER = "INFLUENCER"
    PARTNER = "PARTNER"


@strawberry.enum(description="How to rank a source leaderboard; ties are broken by id.")
class SourceSort(Enum):
    DIRECT_SIGN_UPS = strawberry.enum_value("DIRECT_SIGN_UPS", description="Most first.")
    DOWNLINE_SIGN_UPS = strawberry.enum_value("DOWNLINE_SIGN_UPS", description="Most first.")
    CONVERSION_RATE = strawberry.enum_value(
        "CONVERSION_RATE", description="Highest first; sources without sign-ups last."
    )
    REVENUE = strawberry.enum_value(
        "REVENUE", description="Most revenue (direct plus network) first."
    )
    COST_PER_ACQUISITION = strawberry.enum_value(
        "COST_PER_ACQUISITION",
        description="Cheapest first; sources without a cost or without direct sign-ups last.",
    )


@strawberry.type(description="A source's sign-ups exactly `depth` REFERRED hops below it.")
class DepthPerformance:
    depth: int
    sign_ups: int
    converted: int = strawberry.field(description="Of those users, how many paid at least once.")
    revenue_cents: int = strawberry.field(description="Revenue of all their conversions.")


@strawberry.type(
    description="How an influencer or partner performed. Sign-ups count users whose "
    "`signedUpAt` lies in the window, at most `maxDepth` hops below the source; revenue counts "
    "every conversion of those users."
)
class SourcePerformance:
    source: Referrer
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at (the `asOf` asked for, else the time "
        "of the request): nothing after it counted."
    )
    direct_sign_ups: int = strawberry.field(description="Users the source referred directly.")
    downline_sign_ups: int = strawberry.field(
        description="Users below the source down to `maxDepth` levels (its cascade, the source "
        "not counted), direct ones included."
    )
    by_depth: list[DepthPerformance] = strawberry.field(
        description="Downline sign-ups per depth, depths with sign-ups only, shallowest first."
    )
    converted: int = strawberry.field(
        description="Downline users who paid at least once (a Conversion at any time)."
    )
    conversion_rate: float | None = strawberry.field(
        description="converted / downlineSignUps; null without sign-ups."
    )
    revenue_direct_cents: int = strawberry.field(
        description="Revenue of the users the source referred directly."
    )
    revenue_network_cents: int = strawberry.field(
        description="Revenue of the users below the direct ones (depth 2 and deeper): what the "
        "source brought in through the network."
    )
    cost_cents: int | None = strawberry.field(
        description="What was spent on the source in the window: the sum of its cost entries "
        "(`recordCost`) dated in the window, plus its undated `costCents` only when no window "
        "bound is given. Null when the source has no cost that applies (unknown)."
    )
    cost_per_acquisition_cents: float | None = strawberry.field(
        description="CPA: costCents / directSignUps, both for the same window. Null when the "
        "cost is unknown or there are no direct sign-ups."
    )
    reach: int | None = strawberry.field(
        description="Audience size (an influencer's followers); null for partners."
    )
    engagement_rate: float | None = strawberry.field(
        description="An influencer's engagement rate (0 to 1), next to its reach; null for "
        "partners."
    )


@strawberry.type(description="The influencer as stored.")
class CreateInfluencerSuccess:
    influencer: Influencer
    created: bool = created_flag()


@strawberry.type(description="The partner as stored.")
class CreatePartnerSuccess:
    partner: Partner
    created: bool = created_flag()


@strawberry.type(description="The campaign as stored.")
class CreateCampaignSuccess:
    campaign: Campaign
    created: bool = created_flag()


CreateInfluencerResult = Annotated[
    CreateInfluencerSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreateInfluencerResult"),
]


CreatePartnerResult = Annotated[
    CreatePartnerSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreatePartnerResult"),
]


CreateCampaignResult = Annotated[
    CreateCampaignSuccess | InvalidInputError | IdConflictError,
    strawberry.union("CreateCampaignResult"),
]


@strawberry.input(description="An influencer, partner or campaign, by kind and id.")
class CostSourceRef:
    kind: CostSourceKind
    id: strawberry.ID


@strawberry.input(
    description="Money spent on a source at an instant (a fee, a payout, an ad spend). A spend "
    "over a period is recorded dated at the period's start, or as one entry per part of it."
)
class RecordCostInput:
    id: strawberry.ID = strawberry.field(
        description="Your stable id for the cost entry; repeating it is safe (idempotent)."
    )
    source: CostSourceRef = strawberry.field(description="The existing source it was spent on.")
    amount_cents: int = strawberry.field(
        description="The amount in cents, in the one currency all money in the graph uses; "
        "zero or more."
    )
    at: datetime = strawberry.field(
        description="When it was spent; must carry a time zone offset. Windowed figures count "
        "the entries dated in their window."
    )
    note: str | None = strawberry.field(default=None, description="Free text, e.g. an invoice.")


@strawberry.type(description="Money spent on an influencer, partner or campaign.")
class Cost:
    id: strawberry.ID
    source_kind: CostSourceKind
    source_id: strawberry.ID
    amount_cents: int
    at: datetime = strawberry.field(description="When it was spent (UTC).")
    note: str | None


@strawberry.type(description="The cost entry as stored.")
class RecordCostSuccess:
    cost: Cost
    created: bool = created_flag()


# --- the lists' filters and orders (graph.sources.INFLUENCER_LIST, ...) ------------------------
_DIRECT = strawberry.enum_value(
    "DIRECT_SIGN_UPS",
    description="Sign-ups it referred directly (one REFERRED hop below), the stored counter "
    "`topReferrers(degree: 1)` reads; none counts as zero.",
)
_SECOND = strawberry.enum_value(
    "SECOND_DEGREE_SIGN_UPS",
    description="Sign-ups exactly two REFERRED hops below it, the stored counter "
    "`topReferrers(degree: 2)` reads; none counts as zero.",
)
_NAME = strawberry.enum_value(
    "NAME",
    description="The name, by Unicode code point (capitals before lower case, a character "
    "outside the Basic Multilingual Plane after every one inside it), the same order on every "
    "page.",
)


@strawberry.input(
    description="Which influencers a list holds. Every field given must match; omitted fields "
    "admit everyone."
)
class InfluencerFilter:
    platform: str | None = strawberry.field(
        default=None, description="Influencers on this platform, exactly as stored (tiktok)."
    )
    min_followers: int | None = strawberry.field(
        default=None, description="Influencers with at least this many followers."
    )
    max_followers: int | None = strawberry.field(
        default=None, description="Influencers with at most this many followers."
    )


@strawberry.enum(description="What a list of influencers is sorted by; ties always break by id.")
class InfluencerSortField(Enum):
    ID = "ID"
    FOLLOWERS = strawberry.enum_value("FOLLOWERS", description="Audience size.")
    ENGAGEMENT_RATE = strawberry.enum_value("ENGAGEMENT_RATE", description="From 0 to 1.")
    DIRECT_SIGN_UPS = _DIRECT
    SECOND_DEGREE_SIGN_UPS = _SECOND


@strawberry.input(description="The order of a list of influencers.")
class InfluencerOrder:
    field: InfluencerSortField = InfluencerSortField.ID
    direction: SortDirection = SortDirection.ASC


@strawberry.input(description="Which partners a list holds; all when `partnerKind` is omitted.")
class PartnerFilter:
    partner_kind: PartnerKind | None = strawberry.field(
        default=None, description="Partners of this kind of partnership."
    )


@strawberry.enum(description="What a list of partners is sorted by; ties always break by id.")
class PartnerSortField(Enum):
    ID = "ID"
    NAME = _NAME
    DIRECT_SIGN_UPS = _DIRECT
    SECOND_DEGREE_SIGN_UPS = _SECOND


@strawberry.input(description="The order of a list of partners.")
class PartnerOrder:
    field: PartnerSortField = PartnerSortField.ID
    direction: SortDirection = SortDirection.ASC


@strawberry.input(
    description="Which campaigns a list holds. Every field given must match; omitted fields "
    "admit every campaign."
)
class CampaignFilter:
    utm_source: str | None = strawberry.field(
        default=None, description="Campaigns with this `utm_source`, exactly as stored."
    )
    utm_medium: str | None = strawberry.field(
        default=None, description="Campaigns with this `utm_medium`, exactly as stored."
    )


@strawberry.enum(description="What a list of campaigns is sorted by; ties always break by id.")
class CampaignSortField(Enum):
    ID = "ID"
    NAME = _NAME


@strawberry.input(description="The order of a list of campaigns.")
class CampaignOrder:
    field: CampaignSortField = CampaignSortField.ID
    direction: SortDirection = SortDirection.ASC
