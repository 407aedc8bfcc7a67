"""Social-graph rows for the tests (email-Eu-core as users and connections, small hand-worked
graphs) and a networkx oracle for people-you-may-know."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import networkx as nx

from growthgraph.loading.dataset import ConnectionRow, Dataset, UserRow
from tests.support.email_eu import email_eu_user_id, load_email_eu

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def user_row(uid: str, hour: int = 0, **extra: object) -> UserRow:
    return UserRow(
        id=uid,
        name=f"User {uid}",
        email=f"{uid}@example.com",
        signed_up_at=T0 + timedelta(hours=hour),
        **extra,  # type: ignore[arg-type]
    )


def social_dataset(users: Iterable[str], edges: Iterable[tuple[str, str]]) -> Dataset:
    return Dataset(
        users=[user_row(u) for u in users],
        connections=[ConnectionRow(a, b, T0) for a, b in edges],
    )


def email_eu_dataset() -> Dataset:
    data = load_email_eu()
    return social_dataset(
        (email_eu_user_id(n) for n in data.nodes),
        ((email_eu_user_id(a), email_eu_user_id(b)) for a, b in data.edges),
    )


def graph_of(data: Dataset) -> nx.Graph[str]:
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(u.id for u in data.users)
    graph.add_edges_from((c.a, c.b) for c in data.connections)
    return graph


def people_you_may_know(graph: nx.Graph[str], user: str) -> list[tuple[str, int, float]]:
    """Every non-neighbour with at least one common neighbour, as (id, common, Adamic-Adar),
    ranked by common desc, Adamic-Adar desc (to 9 places, so float noise cannot reorder), id."""
    candidates = [c for c in graph.nodes if c != user and not graph.has_edge(user, c)]
    scored: list[tuple[str, int, float]] = []
    pairs = [(user, c) for c in candidates]
    adamic = {(u, v): p for u, v, p in nx.adamic_adar_index(graph, pairs)}
    for c in candidates:
        common = len(list(nx.common_neighbors(graph, user, c)))
        if common:
            scored.append((c, common, adamic[(user, c)]))
    scored.sort(key=lambda t: (-t[1], -round(t[2], 9), t[0]))
    return scored


def adamic_adar_by_hand(graph: nx.Graph[str], u: str, v: str) -> float:
    return sum(1 / math.log(graph.degree(w)) for w in nx.common_neighbors(graph, u, v))
