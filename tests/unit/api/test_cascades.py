"""Cascades: ``cascadeGenerations``, ``cascadeStructure`` and ``largestCascades`` over scripted
trees and rows."""

from __future__ import annotations

from typing import Any

from growthgraph.graph import cascades, referrals
from growthgraph.graph.labels import Kind
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, user_props, without_as_of

GENERATIONS = """
query($kind: ReferrerKind!, $id: ID!, $max: Int!) {
  cascadeGenerations(root: {kind: $kind, id: $id}, maxGeneration: $max) { generation size k }
}
"""
STRUCTURE = """
query($kind: ReferrerKind!, $id: ID!, $depth: Int!) {
  cascadeStructure(root: {kind: $kind, id: $id}, maxDepth: $depth) {
    root { __typename id } size depth breadth structuralVirality truncated
  }
}
"""
LARGEST = """
query($from: DateTime!, $to: DateTime!, $limit: Int!) {
  largestCascades(from: $from, to: $to, limit: $limit) { root { __typename id kind } signUps size }
}
"""
INFLUENCER_NODE = {
    "id": "i1",
    "handle": "@i",
    "platform": "yt",
    "followers": 9,
    "engagementRate": 0.2,
}


def root(kind: str = "USER", rid: str = "r", **more: Any) -> dict[str, Any]:
    return {"kind": kind, "id": rid} | more


async def test_generations_and_their_k(gql: Gql, fake: FakeDatabase) -> None:
    node = user_props("r")
    fake.answer(
        referrals.CASCADE[Kind.USER],
        [{"n": node, "depth": 1, "signUps": 2}, {"n": node, "depth": 2, "signUps": 4}],
    )

    out = await gql.data(GENERATIONS, root(max=3))

    # Sizes 1, 2, 4, 0: each generation's K is the next size over its own.
    assert out["cascadeGenerations"] == [
        {"generation": 0, "size": 1, "k": 2.0},
        {"generation": 1, "size": 2, "k": 2.0},
        {"generation": 2, "size": 4, "k": 0.0},
        {"generation": 3, "size": 0, "k": None},
    ]
    # One generation deeper than asked is read, for the last generation's K.
    assert without_as_of(fake.ran(referrals.CASCADE[Kind.USER])) == [{"id": "r", "maxDepth": 4}]


async def test_generations_bound_and_missing_root(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(referrals.CASCADE[Kind.PARTNER], [])
    assert await gql.data(GENERATIONS, root("PARTNER", max=49)) == {"cascadeGenerations": None}
    assert without_as_of(fake.ran(referrals.CASCADE[Kind.PARTNER])) == [{"id": "r", "maxDepth": 50}]
    fake.calls.clear()

    assert await gql.error(GENERATIONS, root(max=50)) == (
        "BAD_USER_INPUT",
        "`maxGeneration` must be between 1 and 49",
    )
    assert await gql.error(GENERATIONS, root(max=0)) == (
        "BAD_USER_INPUT",
        "`maxGeneration` must be between 1 and 49",
    )
    assert fake.calls == []


async def test_structure_of_a_small_tree(gql: Gql, fake: FakeDatabase) -> None:
    # r -> a, r -> b, a -> c, c -> d; edges arrive in any order, root edges with a null parent.
    edges = [[None, "b", 1], ["c", "d", 3], None, [None, "a", 1], ["a", "c", 2]]
    fake.answer(cascades.CASCADE_TREE[Kind.INFLUENCER], [{"n": INFLUENCER_NODE, "edges": edges}])

    out = await gql.data(STRUCTURE, root("INFLUENCER", "i1", depth=50))

    # Pairwise distances: r-a 1, r-b 1, r-c 2, r-d 3, a-b 2, a-c 1, a-d 2, b-c 3, b-d 4,
    # c-d 1: 20 over 10 pairs.
    assert out["cascadeStructure"] == {
        "root": {"__typename": "Influencer", "id": "i1"},
        "size": 4,
        "depth": 3,
        "breadth": [2, 1, 1],
        "structuralVirality": 2.0,
        "truncated": False,
    }
    assert without_as_of(fake.ran(cascades.CASCADE_TREE[Kind.INFLUENCER])) == [
        {"id": "i1", "maxDepth": 50, "maxNodes": 200_001}
    ]


async def test_a_lone_root_has_no_virality_and_a_missing_root_is_null(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(cascades.CASCADE_TREE[Kind.USER], [{"n": user_props("r"), "edges": []}])
    fake.answer(cascades.CASCADE_TREE[Kind.PARTNER], [])

    lone = await gql.data(STRUCTURE, root(depth=1))
    missing = await gql.data(STRUCTURE, root("PARTNER", depth=1))

    assert lone["cascadeStructure"] == {
        "root": {"__typename": "User", "id": "r"},
        "size": 0,
        "depth": 0,
        "breadth": [],
        "structuralVirality": None,
        "truncated": False,
    }
    assert missing == {"cascadeStructure": None}


async def test_structure_depth_bound(gql: Gql, fake: FakeDatabase) -> None:
    assert await gql.error(STRUCTURE, root(depth=51)) == (
        "BAD_USER_INPUT",
        "`maxDepth` must be between 1 and 50",
    )
    assert fake.calls == []


async def test_largest_cascades_do_not_count_the_root_in_the_size(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(
        cascades.LARGEST_CASCADES,
        [
            {"top": INFLUENCER_NODE, "label": "Influencer", "signUps": 7, "downline": 9},
            {"top": user_props("u1"), "label": "User", "signUps": 3, "downline": 0},
        ],
    )
    window = {"from": "2024-05-01T00:00:00-05:00", "to": "2024-05-08T00:00:00Z"}

    out = await gql.data(LARGEST, window | {"limit": 100})

    assert out["largestCascades"] == [
        {
            "root": {"__typename": "Influencer", "id": "i1", "kind": "INFLUENCER"},
            "signUps": 7,
            "size": 9,
        },
        {"root": {"__typename": "User", "id": "u1", "kind": "USER"}, "signUps": 3, "size": 0},
    ]
    assert without_as_of(fake.ran(cascades.LARGEST_CASCADES)) == [
        {
            "start": at("2024-05-01T05:00:00+00:00"),
            "end": at("2024-05-08T00:00:00+00:00"),
            "limit": 100,
            "maxDepth": 50,
        }
    ]


async def test_largest_cascades_bounds(gql: Gql, fake: FakeDatabase) -> None:
    window: dict[str, Any] = {"from": "2024-05-01T00:00:00Z", "to": "2024-05-08T00:00:00Z"}
    for variables, message in [
        (window | {"limit": 101}, "`limit` must be between 1 and 100"),
        (window | {"limit": 0}, "`limit` must be between 1 and 100"),
        (
            {"from": window["to"], "to": window["from"], "limit": 1},
            "`from` must be earlier than `to`",
        ),
    ]:
        assert await gql.error(LARGEST, variables) == ("BAD_USER_INPUT", message)
    assert fake.calls == []
