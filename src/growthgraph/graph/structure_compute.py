"""Network-structure scores computed with igraph on a projection exported from Neo4j: no I/O here.

- Influence score: PageRank (damping 0.85) on the referral graph with every edge pointing from
  the referee to its referrer, so a referral is a vote for the referrer and votes flow up the
  cascade. Scores sum to 1 over all exported nodes; dangling nodes spread their score uniformly.
- Communities: Leiden, maximising modularity, on the undirected simple graph of social
  connections plus referrals (a pair tied both ways counts once), iterated until stable from a
  fixed seed. Ids are numbered from 0 by community size, largest first (ties by smallest member).
- Betweenness: unnormalised shortest-path betweenness on the same undirected graph.
- Weak nodes: inactive users (last activity before the cut-off) with betweenness above 0; their
  weak-node score is their betweenness.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import igraph

DAMPING = 0.85
SEED = 20240101

NodeKey = tuple[str, str]  # (label, id)


@dataclass(frozen=True, slots=True)
class Projection:
    """Nodes by position; edges as position pairs. ``last_active`` is None for non-users."""

    nodes: tuple[NodeKey, ...]
    last_active: tuple[datetime | None, ...]
    referrals: tuple[tuple[int, int], ...]  # (referrer, referee)
    connections: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Scores:
    influence: tuple[float, ...]
    community: tuple[int, ...]
    betweenness: tuple[float, ...]
    weak: tuple[bool, ...]
    communities: int
    modularity: float


def _undirected(p: Projection) -> igraph.Graph:
    graph = igraph.Graph(n=len(p.nodes), edges=[*p.referrals, *p.connections], directed=False)
    graph.simplify(multiple=True, loops=True)
    return graph


def _numbered(membership: list[int], nodes: tuple[NodeKey, ...]) -> list[int]:
    sizes = Counter(membership)
    first: dict[int, NodeKey] = {}
    for index, label in enumerate(membership):
        key = nodes[index]
        if label not in first or key < first[label]:
            first[label] = key
    order = sorted(sizes, key=lambda c: (-sizes[c], first[c]))
    renumber = {old: new for new, old in enumerate(order)}
    return [renumber[c] for c in membership]


def compute(p: Projection, *, inactive_before: datetime) -> Scores:
    """Every score for every node of the projection."""
    n = len(p.nodes)
    if n == 0:
        return Scores((), (), (), (), communities=0, modularity=0.0)
    votes = igraph.Graph(n=n, edges=[(b, a) for a, b in p.referrals], directed=True)
    influence = cast("list[float]", votes.pagerank(damping=DAMPING, directed=True))
    social = _undirected(p)
    # Leiden is randomised; a private, seeded generator makes each run reproducible.
    igraph.set_random_number_generator(random.Random(SEED))
    try:
        found = social.community_leiden(objective_function="modularity", n_iterations=-1)
    finally:
        igraph.set_random_number_generator(random)
    membership = _numbered(cast("list[int]", found.membership), p.nodes)
    modularity = float(cast("float", social.modularity(membership))) if social.ecount() else 0.0
    betweenness = cast("list[float]", social.betweenness(directed=False))
    weak = tuple(
        at is not None and at < inactive_before and betweenness[i] > 0
        for i, at in enumerate(p.last_active)
    )
    return Scores(
        influence=tuple(float(x) for x in influence),
        community=tuple(membership),
        betweenness=tuple(float(x) for x in betweenness),
        weak=weak,
        communities=len(set(membership)),
        modularity=modularity,
    )
