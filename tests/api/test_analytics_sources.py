"""Source leaderboards and cascade structure over HTTP on the hand-built network, with a deal
cost and conversions added; expected numbers are worked out by hand in the comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import ConversionRow, load_dataset
from tests.api.conftest import Api
from tests.support.handmade import at, handmade

LEADERBOARD = """
query($kind: SourceKind!, $sort: SourceSort!, $limit: Int!, $depth: Int!) {
  sourcePerformance(kind: $kind, sortBy: $sort, limit: $limit, maxDepth: $depth) {
    source { id kind }
    directSignUps downlineSignUps converted conversionRate
    revenueDirectCents revenueNetworkCents costCents costPerAcquisitionCents
    reach engagementRate
    byDepth { depth signUps converted revenueCents }
  }
}
"""
STRUCTURE = """
query($root: ReferrerRef!) {
  cascadeStructure(root: $root) { root { id } size depth breadth structuralVirality truncated }
}
"""
LARGEST = """
query($from: DateTime!, $to: DateTime!) {
  largestCascades(from: $from, to: $to, limit: 3) { root { id kind } signUps size }
}
"""


@pytest.fixture
async def hand(clean_db: Database) -> None:
    data = handmade()
    # Influencer x cost 300; inf-b has no cost. c1 (direct under x) pays 100 twice, c3 pays 50;
    # b0 pays 70.
    data.influencers = [
        replace(data.influencers[0], cost_cents=300),
        data.influencers[1],
    ]
    data.conversions = [
        ConversionRow("p1", "c1", at(2), 100),
        ConversionRow("p2", "c1", at(3), 100),
        ConversionRow("p3", "c3", at(4), 50),
        ConversionRow("p4", "b0", at(30) + timedelta(days=1), 70),
    ]
    await load_dataset(clean_db, data)


@pytest.mark.usefixtures("hand")
def test_influencer_leaderboard_by_hand(api: Api) -> None:
    variables = {"kind": "INFLUENCER", "sort": "REVENUE", "limit": 10, "depth": 50}
    before = api.round_trips
    got = api.data(LEADERBOARD, variables)["sourcePerformance"]
    assert api.round_trips - before == 1  # one statement for the whole leaderboard
    # x: chain c1..c8 (depths 1..8); converted c1, c3 -> 2 of 8; revenue 200 direct, 50 deeper.
    x: dict[str, Any] = {
        "source": {"id": "x", "kind": "INFLUENCER"},
        "directSignUps": 1,
        "downlineSignUps": 8,
        "converted": 2,
        "conversionRate": 0.25,
        "revenueDirectCents": 200,
        "revenueNetworkCents": 50,
        "costCents": 300,
        "costPerAcquisitionCents": 300.0,
        "reach": 1000,
        "engagementRate": 0.05,
        "byDepth": [
            {"depth": d, "signUps": 1, "converted": int(d in (1, 3)),
             "revenueCents": {1: 200, 3: 50}.get(d, 0)}
            for d in range(1, 9)
        ],
    }  # fmt: skip
    # inf-b: b0..b4 direct; b0 paid 70.
    b: dict[str, Any] = {
        "source": {"id": "inf-b", "kind": "INFLUENCER"},
        "directSignUps": 5,
        "downlineSignUps": 5,
        "converted": 1,
        "conversionRate": 0.2,
        "revenueDirectCents": 70,
        "revenueNetworkCents": 0,
        "costCents": None,
        "costPerAcquisitionCents": None,
        "reach": 50,
        "engagementRate": 0.2,
        "byDepth": [{"depth": 1, "signUps": 5, "converted": 1, "revenueCents": 70}],
    }
    assert got == [x, b]
    by_direct = api.data(LEADERBOARD, variables | {"sort": "DIRECT_SIGN_UPS", "limit": 1})
    assert [r["source"]["id"] for r in by_direct["sourcePerformance"]] == ["inf-b"]
    # Only x has a cost; inf-b goes last.
    by_cpa = api.data(LEADERBOARD, variables | {"sort": "COST_PER_ACQUISITION"})
    assert [r["source"]["id"] for r in by_cpa["sourcePerformance"]] == ["x", "inf-b"]
    shallow = api.data(LEADERBOARD, variables | {"depth": 2})["sourcePerformance"]
    assert shallow[0]["downlineSignUps"] == 2
    partners = api.data(LEADERBOARD, variables | {"kind": "PARTNER"})["sourcePerformance"]
    assert partners[0]["source"] == {"id": "p1", "kind": "PARTNER"}
    assert (partners[0]["downlineSignUps"], partners[0]["reach"]) == (3, None)


@pytest.mark.usefixtures("hand")
def test_cascade_structure_and_largest_by_hand(api: Api) -> None:
    star = api.data(STRUCTURE, {"root": {"kind": "INFLUENCER", "id": "inf-b"}})
    # inf-b and 5 leaves (size 5, the root not counted): 5 pairs at distance 1, 10 pairs at
    # distance 2 among the 6 nodes of the tree.
    assert star["cascadeStructure"] == {
        "root": {"id": "inf-b"},
        "size": 5,
        "depth": 1,
        "breadth": [5],
        "structuralVirality": pytest.approx(25 / 15),
        "truncated": False,
    }
    chain = api.data(STRUCTURE, {"root": {"kind": "INFLUENCER", "id": "x"}})["cascadeStructure"]
    # A path of 9 nodes, 8 below the root: mean distance (9 + 1) / 3.
    assert (chain["size"], chain["depth"], chain["breadth"]) == (8, 8, [1] * 8)
    assert chain["structuralVirality"] == pytest.approx(10 / 3)
    lone = api.data(STRUCTURE, {"root": {"kind": "USER", "id": "o1"}})["cascadeStructure"]
    assert (lone["size"], lone["structuralVirality"]) == (0, None)
    assert api.data(STRUCTURE, {"root": {"kind": "USER", "id": "zz"}}) == {"cascadeStructure": None}
    # [0h, 24h), the roots not counted: influencer x's cascade gains c1..c8 (8 of 8); inf-b
    # gains b0..b3 (4 of 5); partner p1 gains pp1, pp2, pp1a (3 of 3) and user x gains ux1, ux2,
    # ux1a (3 of 3; its own sign-up is not its cascade's). Ties by id: "p1" < "x".
    largest = api.data(LARGEST, {"from": at(0).isoformat(), "to": at(24).isoformat()})
    assert largest["largestCascades"] == [
        {"root": {"id": "x", "kind": "INFLUENCER"}, "signUps": 8, "size": 8},
        {"root": {"id": "inf-b", "kind": "INFLUENCER"}, "signUps": 4, "size": 5},
        {"root": {"id": "p1", "kind": "PARTNER"}, "signUps": 3, "size": 3},
    ]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (LEADERBOARD, {"kind": "PARTNER", "sort": "REVENUE", "limit": 0, "depth": 5}),
        (LEADERBOARD, {"kind": "PARTNER", "sort": "REVENUE", "limit": 5, "depth": 51}),
        (LARGEST, {"from": at(5).isoformat(), "to": at(1).isoformat()}),
    ],
)
def test_bad_arguments_are_refused(api: Api, query: str, variables: dict[str, Any]) -> None:
    body = api.gql(query, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
