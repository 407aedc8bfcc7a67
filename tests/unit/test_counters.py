"""The in-memory counters of a forest, on a hand-worked example, and the key order."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from growthgraph.graph.counters import from_forest, node_key, split_key


def test_a_hand_worked_forest() -> None:
    # inf-1 -> a -> b -> c -> d -> e -> f -> g (a chain of 7 users), and a -> x, inf-1 -> y.
    chain = ["a", "b", "c", "d", "e", "f", "g"]
    parent_of = {node_key("User", "a"): node_key("Influencer", "inf-1")}
    for up, down in pairwise(chain):
        parent_of[node_key("User", down)] = node_key("User", up)
    parent_of[node_key("User", "x")] = node_key("User", "a")
    parent_of[node_key("User", "y")] = node_key("Influencer", "inf-1")
    got = from_forest(parent_of)
    assert got.below[node_key("Influencer", "inf-1")] == (2, 2, 1, 1, 1)  # a,y | b,x | c | d | e
    assert got.below[node_key("User", "a")] == (2, 1, 1, 1, 1)  # b,x | c | d | e | f
    assert got.below[node_key("User", "f")] == (1, 0, 0, 0, 0)
    assert node_key("User", "g") not in got.below
    assert got.above[node_key("User", "g")] == tuple(
        node_key("User", u) for u in ("f", "e", "d", "c", "b")
    )
    assert got.above[node_key("User", "b")] == (
        node_key("User", "a"),
        node_key("Influencer", "inf-1"),
        None,
        None,
        None,
    )


IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,12}", fullmatch=True)
LABELS = st.sampled_from(["User", "Influencer", "Partner"])


@given(st.lists(st.tuples(IDS, LABELS), min_size=2, max_size=30))
def test_keys_order_like_id_then_label(pairs: list[tuple[str, str]]) -> None:
    by_key = sorted(pairs, key=lambda p: node_key(p[1], p[0]))
    assert by_key == sorted(pairs)
    assert all(split_key(node_key(label, i)) == (label, i) for i, label in pairs)
