"""The referral counters computed with networkx from the edges alone, and the stored ones read
node by node (small graphs only: it reads every node), to compare the two."""

from __future__ import annotations

from typing import LiteralString

import networkx as nx

from growthgraph.graph.database import Database
from tests.support.oracle import Node

Counters = tuple[list[int | None], list[str | None]]

STORED_COUNTERS: LiteralString = """
MATCH (n) WHERE n:User OR n:Influencer OR n:Partner
RETURN [l IN labels(n) WHERE l IN ['User', 'Influencer', 'Partner']][0] AS label, n.id AS id,
       [n.below1, n.below2, n.below3, n.below4, n.below5] AS below,
       [n.above1, n.above2, n.above3, n.above4, n.above5] AS above
"""


def expected_counters(graph: nx.DiGraph[Node]) -> dict[Node, Counters]:
    """From the edges alone: how many users sit exactly k hops below each node (absent when
    none), and the "<id> <Label>" of the node exactly k hops above each user, k = 1..5."""
    out: dict[Node, Counters] = {}
    for node in graph.nodes:
        below: list[int | None] = []
        level = {node}
        for _ in range(5):
            level = {child for parent in level for child in graph.successors(parent)}
            below.append(len(level) or None)
        above: list[str | None] = []
        current = node
        for _ in range(5):
            parents = list(graph.predecessors(current))
            if not parents:
                break
            current = parents[0]
            above.append(f"{current[1]} {current[0]}")
        above += [None] * (5 - len(above))
        out[node] = (below, above if node[0] == "User" else [None] * 5)
    return out


async def stored_counters(db: Database) -> dict[Node, Counters]:
    rows = await db.read(STORED_COUNTERS)
    return {(r["label"], r["id"]): (list(r["below"]), list(r["above"])) for r in rows}


def wrong_counters(stored: dict[Node, Counters], wanted: dict[Node, Counters]) -> set[str]:
    """What a check should report: "<id> <Label> above" or "... below" for every node whose
    stored values differ from the wanted ones (a user can be wrong both ways)."""
    wrong: set[str] = set()
    for node, (below, above) in wanted.items():
        have_below, have_above = stored[node]
        if [c or 0 for c in have_below] != [c or 0 for c in below]:
            wrong.add(f"{node[1]} {node[0]} below")
        if node[0] == "User" and have_above != above:
            wrong.add(f"{node[1]} {node[0]} above")
    return wrong
