"""Types of source performance (influencers, partners) and cascade structure."""

from __future__ import annotations

from enum import Enum

import strawberry

from growthgraph.schema.types import Referrer


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
    direct_sign_ups: int = strawberry.field(description="Users the source referred directly.")
    downline_sign_ups: int = strawberry.field(
        description="Users anywhere below the source (its whole downline), direct ones included."
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
    cost_cents: int | None = strawberry.field(description="What the deal cost; null if unknown.")
    cost_per_acquisition_cents: float | None = strawberry.field(
        description="CPA: costCents / directSignUps. Null when the cost is unknown or there "
        "are no direct sign-ups."
    )
    reach: int | None = strawberry.field(
        description="Audience size (an influencer's followers); null for partners."
    )
    engagement_rate: float | None = strawberry.field(
        description="An influencer's engagement rate (0 to 1), next to its reach; null for "
        "partners."
    )


@strawberry.type(
    description="The structure of the referral tree under a root, root included, as in Goel, "
    "Anderson, Hofman and Watts (Management Science, 2016)."
)
class CascadeStructure:
    root: Referrer
    size: int = strawberry.field(description="Nodes of the tree, the root included.")
    depth: int = strawberry.field(description="The deepest level below the root; 0 alone.")
    breadth: list[int] = strawberry.field(
        description="Nodes per level: element i is the number of users exactly i+1 hops below "
        "the root."
    )
    structural_virality: float | None = strawberry.field(
        description="The mean shortest-path distance between all pairs of nodes of the tree "
        "(edges undirected, root included). Near 2 for a broadcast (a star: everyone joined "
        "through the root); larger for viral, many-generation spread. Null for a lone root and "
        "for a truncated tree."
    )
    truncated: bool = strawberry.field(
        description="True when the tree had more than 200000 users within `maxDepth`; only the "
        "shallowest were counted."
    )


@strawberry.type(description="A cascade and how much it grew in the period.")
class GrowingCascade:
    root: Referrer = strawberry.field(
        description="The root: a referrer with no referrer of its own."
    )
    sign_ups: int = strawberry.field(
        description="Members of the tree (a user root included) who signed up in the period."
    )
    size: int = strawberry.field(
        description="The whole tree at any time, root included, down to 50 levels."
    )
