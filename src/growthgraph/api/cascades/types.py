"""Types of the cascade questions: generations, structure and the largest cascades."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.api.types import Referrer


@strawberry.type(
    description="Generation g of a cascade: the users exactly g REFERRED hops below the root "
    "(generation 0 is the root itself)."
)
class CascadeGeneration:
    as_of: datetime = strawberry.field(
        description="The instant the cascade is taken at (the `asOf` asked for, else the time "
        "of the request): users who signed up after it were left out."
    )
    generation: int
    size: int = strawberry.field(description="Users in this generation (1 for generation 0).")
    k: float | None = strawberry.field(
        description="K of this generation: the next generation's size / this generation's "
        "size, i.e. how many new users each member of this generation referred directly. Null "
        "when this generation is empty."
    )


@strawberry.type(
    description="The structure of the cascade under a root (the users below it, down to "
    "`maxDepth` levels), as in Goel, Anderson, Hofman and Watts (Management Science, 2016)."
)
class CascadeStructure:
    as_of: datetime = strawberry.field(
        description="The instant the cascade is taken at (the `asOf` asked for, else the time "
        "of the request): users who signed up after it were left out."
    )
    root: Referrer
    size: int = strawberry.field(
        description="The cascade's size: users below the root, the root not counted."
    )
    depth: int = strawberry.field(description="The deepest level below the root; 0 alone.")
    breadth: list[int] = strawberry.field(
        description="Nodes per level: element i is the number of users exactly i+1 hops below "
        "the root."
    )
    structural_virality: float | None = strawberry.field(
        description="The mean shortest-path distance between all pairs of nodes of the tree "
        "(edges undirected; the tree's nodes are the root and the `size` users below it). "
        "Near 2 for a broadcast (a star: everyone joined through the root); larger for viral, "
        "many-generation spread. Null for a lone root and for a truncated tree."
    )
    truncated: bool = strawberry.field(
        description="True when the tree had more than 200000 users within `maxDepth`; only the "
        "shallowest were counted."
    )


@strawberry.type(description="A cascade and how much it grew in the period.")
class GrowingCascade:
    as_of: datetime = strawberry.field(
        description="The instant the figures are taken at (the `asOf` asked for, else the time "
        "of the request): users who signed up after it were left out."
    )
    root: Referrer = strawberry.field(
        description="The root: a referrer with no referrer of its own."
    )
    sign_ups: int = strawberry.field(
        description="Users below the root (the root not counted), down to `maxDepth` levels, "
        "who signed up in the period."
    )
    size: int = strawberry.field(
        description="The cascade's size at `asOf`: users below the root who had signed up by "
        "then, the root not counted, down to `maxDepth` levels (at most 50)."
    )
