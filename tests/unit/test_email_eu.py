"""The email-Eu-core loader yields the social graph its data-set README describes."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

from tests.support.email_eu import EmailEuCore, email_eu_user_id, load_email_eu


@pytest.fixture(scope="module")
def email() -> EmailEuCore:
    return load_email_eu()


@pytest.fixture(scope="module")
def graph(email: EmailEuCore) -> nx.Graph[int]:
    social: nx.Graph[int] = nx.Graph()
    social.add_nodes_from(email.nodes)
    social.add_edges_from(email.edges)
    return social


def test_nodes_edges_and_departments(email: EmailEuCore) -> None:
    assert len(email.nodes) == 1_005
    assert len(email.edges) == 16_064
    assert email.self_loops_dropped == 642
    assert len(set(email.departments.values())) == 42
    assert set(email.departments) == set(email.nodes)


def test_edges_are_undirected_distinct_and_loop_free(email: EmailEuCore) -> None:
    assert all(u < v for u, v in email.edges)
    assert len(set(email.edges)) == len(email.edges)


def test_the_graph_matches_the_published_structure(graph: nx.Graph[int]) -> None:
    triangles = nx.triangles(graph)
    assert isinstance(triangles, dict)  # one count per node when no node is named
    assert graph.number_of_edges() == 16_064
    assert sum(triangles.values()) // 3 == 105_461
    assert round(nx.average_clustering(graph), 4) == 0.3994
    assert len(max(nx.connected_components(graph), key=len)) == 986


def test_department_sizes(email: EmailEuCore) -> None:
    sizes = Counter(email.departments.values())
    assert sizes.most_common(3) == [(4, 109), (14, 92), (1, 65)]
    assert min(sizes.values()) == 1


def test_user_ids() -> None:
    assert email_eu_user_id(7) == "eu-7"
