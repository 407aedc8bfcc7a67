"""Root fields of the cascade questions: K per generation, the structure of one cascade, and
the cascades that grew most in a period."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import CASCADE_DEPTH, GENERATIONS, LARGEST_LIMIT
from growthgraph.api.cascades.types import CascadeGeneration, CascadeStructure, GrowingCascade
from growthgraph.api.context import Info
from growthgraph.api.enums import TO_KIND
from growthgraph.api.types import Root, referrer
from growthgraph.api.window import AsOf, From, To, resolve_as_of, window
from growthgraph.graph import cascades, referrals


async def cascade_generations(
    info: Info,
    top: Root,
    max_generation: Annotated[int, GENERATIONS.argument()] = 10,
    as_of: AsOf = None,
) -> list[CascadeGeneration] | None:
    GENERATIONS.check(max_generation)
    at = resolve_as_of(as_of, now=info.context.now())
    found = await cascades.generations(
        info.context.db, TO_KIND[top.kind], str(top.id), max_generation=max_generation, as_of=at
    )
    if found is None:
        return None
    return [CascadeGeneration(as_of=at, generation=g.generation, size=g.size, k=g.k) for g in found]


async def cascade_structure(
    info: Info,
    top: Root,
    max_depth: Annotated[int, CASCADE_DEPTH.argument()] = referrals.DEFAULT_CASCADE_DEPTH,
    as_of: AsOf = None,
) -> CascadeStructure | None:
    CASCADE_DEPTH.check(max_depth)
    at = resolve_as_of(as_of, now=info.context.now())
    found = await cascades.cascade_stats(
        info.context.db, TO_KIND[top.kind], str(top.id), max_depth=max_depth, as_of=at
    )
    if found is None:
        return None
    return CascadeStructure(
        as_of=at,
        root=referrer(found.root),
        size=found.size,
        depth=found.depth,
        breadth=list(found.breadth),
        structural_virality=found.structural_virality,
        truncated=found.truncated,
    )


async def largest_cascades(
    info: Info,
    start: From,
    end: To,
    limit: Annotated[int, LARGEST_LIMIT.argument()] = 10,
    max_depth: Annotated[int, CASCADE_DEPTH.argument()] = referrals.DEFAULT_CASCADE_DEPTH,
    as_of: AsOf = None,
) -> list[GrowingCascade]:
    lo, hi = window(start, end)
    LARGEST_LIMIT.check(limit)
    CASCADE_DEPTH.check(max_depth)
    at = resolve_as_of(as_of, now=info.context.now(), after=lo)
    rows = await cascades.largest_cascades(
        info.context.db, start=lo, end=hi, limit=limit, max_depth=max_depth, as_of=at
    )
    return [
        GrowingCascade(as_of=at, root=referrer(r.root), sign_ups=r.sign_ups, size=r.size)
        for r in rows
    ]


@strawberry.type
class CascadesQuery:
    cascade_generations: list[CascadeGeneration] | None = strawberry.field(
        resolver=cascade_generations,
        description="K per generation of the cascade under a root referrer: for generation g "
        "(users exactly g REFERRED hops below the root; 0 is the root), its size and "
        "K_g = size(g+1) / size(g). Generations 0 to `maxGeneration`, empty ones included. "
        "As of `asOf` (default now): users who signed up after it are left out. Null if the "
        "root does not exist.",
    )
    cascade_structure: CascadeStructure | None = strawberry.field(
        resolver=cascade_structure,
        description="Size, depth, breadth per level and structural virality of the cascade "
        "under a root: the users below it, the root not counted, down to `maxDepth` levels (the "
        "same users as `referralCascade`, `sourcePerformance` and `fraudSignals` count). As of "
        "`asOf` (default now): users who signed up after it are left out. Null if the root "
        "does not exist.",
    )
    largest_cascades: list[GrowingCascade] = strawberry.field(
        resolver=largest_cascades,
        description="The cascades (the users below a root that has no referrer, the root not "
        "counted, down to `maxDepth` levels) with the most members who signed up in [from, to), "
        "most first; ties by root id, then kind. At most `limit` (1 to 100). Taken as of `asOf` "
        "(default now): users who signed up after it count neither in the period nor in the "
        "size.",
    )
