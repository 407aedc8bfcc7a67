"""Independent answers computed with networkx from the same rows that were loaded into Neo4j.

Nodes are ``(label, id)`` pairs, labels as in the graph (User, Influencer, Partner), because ids are
only unique per kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import networkx as nx

from growthgraph.loading.dataset import Dataset

Node = tuple[str, str]
LABEL_OF_KIND = {"USER": "User", "INFLUENCER": "Influencer", "PARTNER": "Partner"}


def referral_graph(data: Dataset) -> nx.DiGraph[Node]:
    graph: nx.DiGraph[Node] = nx.DiGraph()
    for inf in data.influencers:
        graph.add_node(("Influencer", inf.id))
    for ptn in data.partners:
        graph.add_node(("Partner", ptn.id))
    for user in data.users:
        graph.add_node(("User", user.id), signed_up_at=user.signed_up_at)
    for user in data.users:
        if user.referrer_kind is not None and user.referrer_id is not None:
            graph.add_edge((LABEL_OF_KIND[user.referrer_kind], user.referrer_id), ("User", user.id))
    return graph


def _in_window(at: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or at >= since) and (until is None or at < until)


def top_referrers(
    graph: nx.DiGraph[Node],
    *,
    degree: int,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
    labels: Iterable[str] = ("User", "Influencer", "Partner"),
) -> list[tuple[Node, int]]:
    wanted = set(labels)
    counts: Counter[Node] = Counter()
    for node in graph.nodes:
        if node[0] not in wanted:
            continue
        distances: dict[Node, int] = nx.single_source_shortest_path_length(
            graph, node, cutoff=degree
        )
        for other, dist in distances.items():
            if dist == degree and _in_window(graph.nodes[other]["signed_up_at"], since, until):
                counts[node] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0][1], item[0][0]))
    return ranked[:limit]


def cascade_levels(graph: nx.DiGraph[Node], root: Node, max_depth: int) -> dict[int, int]:
    distances: dict[Node, int] = nx.single_source_shortest_path_length(
        graph, root, cutoff=max_depth
    )
    levels = Counter(d for d in distances.values() if d > 0)
    return dict(sorted(levels.items()))


def attribution_chain(graph: nx.DiGraph[Node], user_id: str) -> list[Node]:
    chain: list[Node] = []
    node: Node = ("User", user_id)
    while True:
        parents = list(graph.predecessors(node))
        assert len(parents) <= 1, "the referral graph must be a forest"
        if not parents:
            return chain
        node = parents[0]
        chain.append(node)
