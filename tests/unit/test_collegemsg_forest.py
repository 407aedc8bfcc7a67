"""The CollegeMsg referral forest reproduces every figure in its data-set README.

The figures are recomputed with networkx from the derived edges, so the loader's rule and the
README's numbers check each other.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from growthgraph.loading.dataset import Dataset
from tests.support.collegemsg import (
    CollegeMsgForest,
    collegemsg_dataset,
    collegemsg_edges,
    collegemsg_forest,
    collegemsg_messages,
    collegemsg_user_id,
    signup_seconds,
)
from tests.support.datasets import DATASETS_DIR_ENV, dataset_file

NODES = 1_899


@pytest.fixture(scope="module")
def forest() -> CollegeMsgForest:
    return collegemsg_forest()


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return collegemsg_dataset()


@pytest.fixture(scope="module")
def graph(dataset: Dataset) -> nx.DiGraph[str]:
    """Referrer -> referee over every user, roots and isolated users included."""
    referrals: nx.DiGraph[str] = nx.DiGraph()
    referrals.add_nodes_from(u.id for u in dataset.users)
    referrals.add_edges_from((referrer, referee) for referrer, referee, _ in collegemsg_edges())
    return referrals


def test_the_message_file_matches_its_published_counts() -> None:
    messages = collegemsg_messages()
    assert len(messages) == 59_835
    assert len({(m.sender, m.recipient) for m in messages}) == 20_296
    assert (messages[0].at, messages[-1].at) == (1_082_040_961, 1_098_777_142)


def test_every_node_becomes_a_user(forest: CollegeMsgForest, dataset: Dataset) -> None:
    assert forest.nodes == tuple(range(1, NODES + 1))
    assert len(dataset.users) == NODES
    assert {u.id for u in dataset.users} == {collegemsg_user_id(n) for n in forest.nodes}


def test_referred_edges_and_roots(graph: nx.DiGraph[str]) -> None:
    roots = [n for n, degree in graph.in_degree() if degree == 0]
    assert graph.number_of_edges() == 1_296
    assert len(roots) == 603


def test_it_is_a_forest_with_one_referrer_each(graph: nx.DiGraph[str]) -> None:
    assert nx.is_forest(graph)
    assert nx.is_branching(graph)


def test_trees_and_their_sizes(graph: nx.DiGraph[str]) -> None:
    sizes = sorted((len(tree) for tree in nx.weakly_connected_components(graph)), reverse=True)
    assert len(sizes) == 603
    assert sizes[:5] == [79, 50, 49, 42, 40]
    assert sizes.count(1) == 358


def test_depth_histogram(graph: nx.DiGraph[str]) -> None:
    # In a forest a node's ancestors are exactly the path to its root, so their count is its depth.
    depths = Counter(len(nx.ancestors(graph, node)) for node in graph)
    assert dict(depths) == {0: 603, 1: 892, 2: 317, 3: 71, 4: 13, 5: 3}


def test_referrers(graph: nx.DiGraph[str]) -> None:
    referrals_made = {node: degree for node, degree in graph.out_degree() if degree > 0}
    top = sorted(referrals_made.items(), key=lambda item: (-item[1], item[0]))[:5]
    assert len(referrals_made) == 427
    assert top == [("cm-9", 42), ("cm-41", 39), ("cm-32", 32), ("cm-400", 31), ("cm-103", 27)]


def test_no_two_senders_tie_for_a_referral(forest: CollegeMsgForest) -> None:
    assert forest.tied_referrals == 0


def test_senders_and_silent_nodes(forest: CollegeMsgForest) -> None:
    assert len(forest.first_sent) == 1_350
    assert NODES - len(forest.first_sent) == 549


def test_referral_times_are_the_referring_message(dataset: Dataset) -> None:
    signed_up = {u.id: u.signed_up_at for u in dataset.users}
    for _, referee, at in collegemsg_edges():
        assert signed_up[referee] == at


def test_every_referrer_signed_up_strictly_earlier(dataset: Dataset) -> None:
    signed_up = {u.id: u.signed_up_at for u in dataset.users}
    assert all(signed_up[referrer] < at for referrer, _, at in collegemsg_edges())


def test_root_referrers_would_tie_without_the_one_second_lead(forest: CollegeMsgForest) -> None:
    # Why roots sign up a second before their first message: 73 referrals are a root's very first
    # message, so "sign-up = first activity" would give referrer and referee the same instant.
    referred = {r.referee for r in forest.referrals}
    ties = [
        r
        for r in forest.referrals
        if r.referrer not in referred and forest.first_sent[r.referrer] == r.at
    ]
    signups = signup_seconds(forest)
    assert len(ties) == 73
    assert all(signups[r.referrer] == r.at - 1 for r in ties)


def test_users_come_in_sign_up_order_with_referrers_first(dataset: Dataset) -> None:
    position = {u.id: i for i, u in enumerate(dataset.users)}
    times = [u.signed_up_at for u in dataset.users]
    assert times == sorted(times)
    for user in dataset.users:
        if user.referrer_id is not None:
            assert user.referrer_kind == "USER"
            assert position[user.referrer_id] < position[user.id]


def test_a_missing_data_set_fails_loudly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATASETS_DIR_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=DATASETS_DIR_ENV):
        dataset_file("college-msg", "CollegeMsg.txt.gz")
