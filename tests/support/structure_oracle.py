"""Independent network-structure answers: networkx on the same rows, and NMI by hand."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

import networkx as nx

from growthgraph.loading.dataset import Dataset
from tests.support.oracle import LABEL_OF_KIND

Node = tuple[str, str]


def nodes_of(data: Dataset) -> list[Node]:
    return [
        *(("User", u.id) for u in data.users),
        *(("Influencer", i.id) for i in data.influencers),
        *(("Partner", p.id) for p in data.partners),
    ]


def votes_graph(data: Dataset) -> nx.DiGraph[Node]:
    """Referral edges reversed: each referee points at (votes for) its referrer."""
    graph: nx.DiGraph[Node] = nx.DiGraph()
    graph.add_nodes_from(nodes_of(data))
    for u in data.users:
        if u.referrer_kind is not None and u.referrer_id is not None:
            graph.add_edge(("User", u.id), (LABEL_OF_KIND[u.referrer_kind], u.referrer_id))
    return graph


def structure_graph(data: Dataset) -> nx.Graph[Node]:
    """Social connections plus referrals, undirected and simple."""
    graph: nx.Graph[Node] = nx.Graph()
    graph.add_nodes_from(nodes_of(data))
    graph.add_edges_from(votes_graph(data).edges)
    graph.add_edges_from((("User", c.a), ("User", c.b)) for c in data.connections if c.a != c.b)
    return graph


def pagerank(data: Dataset) -> dict[Node, float]:
    ranks: dict[Node, float] = nx.pagerank(votes_graph(data), alpha=0.85, tol=1e-12, max_iter=1000)
    return ranks


def nmi(found: Sequence[Hashable], truth: Sequence[Hashable]) -> float:
    """Normalised mutual information 2 I(X;Y) / (H(X) + H(Y)) of two labelings of one list."""
    n = len(found)
    assert n == len(truth) > 0
    pairs = Counter(zip(found, truth, strict=True))
    a, b = Counter(found), Counter(truth)

    def entropy(counts: Mapping[Hashable, int]) -> float:
        return -sum(c / n * math.log(c / n) for c in counts.values())

    mutual = sum(c / n * math.log(c * n / (a[x] * b[y])) for (x, y), c in pairs.items())
    denominator = entropy(a) + entropy(b)
    return 1.0 if denominator == 0 else 2 * mutual / denominator
