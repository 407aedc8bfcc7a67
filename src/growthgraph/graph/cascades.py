"""Cascade structure: size, depth, breadth per level and structural virality of the referral tree
under a root, K per generation of a cascade, and the cascades that grew most in a period.

A cascade's size is the users below its root (the root not counted) and its depth the levels
below the root, followed at most ``maxDepth`` levels down (``graph.referrals``: one definition and
one default for every field).

Structural virality (Goel, Anderson, Hofman and Watts, Management Science 2016) is the mean
distance between all pairs of nodes of the cascade tree, the root being one of those nodes. On a
tree it equals the Wiener index (the sum of all pairwise distances) over n(n-1)/2, and the Wiener
index is the sum, over edges, of (nodes below the edge) x (nodes above it): one pass over the
edges, no all-pairs search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from growthgraph.graph import referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import REFERRER_LABELS, Kind, label_of
from growthgraph.graph.records import ReferrerRecord, referrer_from

MAX_DEPTH = referrals.MAX_CASCADE_DEPTH
MAX_NODES = 200_000
MAX_LARGEST = 100


# Every edge of the tree as (parent, child, depth of child); a depth-1 edge hangs off the root,
# whose id may equal a user's id (ids are unique per kind only), so it is reported as null.
CASCADE_TREE: dict[Kind, LiteralString] = {
    kind: """
MATCH (n:$LABEL {id: $id})
OPTIONAL MATCH p = (n)-[:REFERRED*1..50]->(u:User)
WHERE length(p) <= $maxDepth AND u.signedUpAt <= $asOf
WITH n, p, u ORDER BY length(p) LIMIT $maxNodes
RETURN n {.*} AS n,
       collect(CASE WHEN p IS NULL THEN null ELSE [
         CASE WHEN length(p) = 1 THEN null ELSE nodes(p)[-2].id END, u.id, length(p)
       ] END) AS edges
""".replace("$LABEL", label)
    for kind, label in REFERRER_LABELS.items()
}

# The members who signed up in the window, each walked up to its root (at most $maxDepth levels
# up, as a cascade is followed at most $maxDepth levels down).
LARGEST_CASCADES: LiteralString = (
    """
MATCH (u:User)
WHERE u.signedUpAt >= $start AND u.signedUpAt < $end AND u.signedUpAt <= $asOf
MATCH p = (top)-[:REFERRED*1..50]->(u)
WHERE length(p) <= $maxDepth AND NOT EXISTS { ()-[:REFERRED]->(top) }
WITH top, count(u) AS signUps
ORDER BY signUps DESC, top.id ASC,
  """
    + label_of("top")
    + """ ASC
LIMIT $limit
RETURN top {.*} AS top,
       """
    + label_of("top")
    + """
         AS label,
       signUps,
       COUNT {
         MATCH q = (top)-[:REFERRED*1..50]->(v:User)
         WHERE length(q) <= $maxDepth AND v.signedUpAt <= $asOf
       } AS downline
"""
)


@dataclass(frozen=True, slots=True)
class CascadeStats:
    root: ReferrerRecord
    size: int  # users below the root, the root not counted
    depth: int  # deepest level below the root (0 for a lone root)
    breadth: tuple[int, ...]  # nodes per level 1..depth
    structural_virality: float | None  # None for a lone root (no pair) or a truncated tree
    truncated: bool  # the tree had more than MAX_NODES users below the root (shallowest kept)


def structural_virality(edges: Sequence[tuple[str | None, str]]) -> float | None:
    """Mean pairwise distance in the tree made of ``edges`` (parent, child); the root is the
    parent ``None``. Children must come after their parents' own edges in depth order."""
    n = len(edges) + 1
    if n < 2:
        return None
    below: Counter[str | None] = Counter()
    for _, child in edges:
        below[child] += 1  # the child itself
    # Deepest first, add each subtree's size to its parent.
    for parent, child in reversed(edges):
        if parent is not None:
            below[parent] += below[child]
    wiener = sum(below[child] * (n - below[child]) for _, child in edges)
    return wiener / (n * (n - 1) / 2)


async def cascade_stats(
    db: Database, kind: Kind, root_id: str, *, max_depth: int, as_of: datetime = referrals.LATEST
) -> CascadeStats | None:
    """The tree under a root of the users who had signed up at or before ``as_of``."""
    if not 1 <= max_depth <= MAX_DEPTH:
        raise ValueError(f"max_depth must be 1..{MAX_DEPTH}")
    rows = await db.read(
        CASCADE_TREE[kind],
        {"id": root_id, "maxDepth": max_depth, "maxNodes": MAX_NODES + 1, "asOf": as_of},
    )
    if not rows:
        return None
    raw: list[list[Any]] = [e for e in rows[0]["edges"] if e is not None]
    truncated = len(raw) > MAX_NODES
    ordered = sorted(raw[:MAX_NODES], key=lambda e: (int(e[2]), str(e[1])))
    edges = [(None if e[0] is None else str(e[0]), str(e[1])) for e in ordered]
    levels = Counter(int(e[2]) for e in ordered)
    depth = max(levels, default=0)
    return CascadeStats(
        root=referrer_from(kind, rows[0]["n"]),
        size=len(edges),
        depth=depth,
        breadth=tuple(levels[d] for d in range(1, depth + 1)),
        structural_virality=None if truncated else structural_virality(edges),
        truncated=truncated,
    )


@dataclass(frozen=True, slots=True)
class GrowingCascade:
    root: ReferrerRecord
    sign_ups: int  # users below the root who signed up in the period
    size: int  # users below the root who had signed up by as_of


async def largest_cascades(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    limit: int,
    max_depth: int,
    as_of: datetime = referrals.LATEST,
) -> list[GrowingCascade]:
    """The cascades with the most members signed up in ``[start, end)``; only users who had
    signed up at or before ``as_of`` count, in the period and in the size."""
    if not 1 <= limit <= MAX_LARGEST:
        raise ValueError(f"limit must be 1..{MAX_LARGEST}")
    if not 1 <= max_depth <= MAX_DEPTH:
        raise ValueError(f"max_depth must be 1..{MAX_DEPTH}")
    rows = await db.read(
        LARGEST_CASCADES,
        {"start": start, "end": end, "limit": limit, "maxDepth": max_depth, "asOf": as_of},
    )
    return [
        GrowingCascade(
            root=referrer_from(row["label"], row["top"]),
            sign_ups=int(row["signUps"]),
            size=int(row["downline"]),
        )
        for row in rows
    ]


MAX_GENERATIONS = referrals.MAX_CASCADE_DEPTH - 1


@dataclass(frozen=True, slots=True)
class Generation:
    """Generation ``g`` of a cascade: the users exactly ``g`` REFERRED hops below the root.
    ``k`` is the next generation's size over this one's (None when this one is empty)."""

    generation: int
    size: int
    k: float | None


async def generations(
    db: Database,
    kind: Kind,
    root_id: str,
    *,
    max_generation: int,
    as_of: datetime = referrals.LATEST,
) -> list[Generation] | None:
    """Generations 0 (the root) to ``max_generation`` of the users who had signed up at or
    before ``as_of``; None if the root does not exist."""
    if not 1 <= max_generation <= MAX_GENERATIONS:
        raise ValueError(f"max_generation must be 1..{MAX_GENERATIONS}")
    found = await referrals.cascade(db, kind, root_id, max_depth=max_generation + 1, as_of=as_of)
    if found is None:
        return None
    sizes = {0: 1} | {level.depth: level.sign_ups for level in found.levels}
    return [
        Generation(
            generation=g,
            size=sizes.get(g, 0),
            k=sizes.get(g + 1, 0) / sizes[g] if sizes.get(g, 0) else None,
        )
        for g in range(max_generation + 1)
    ]
