"""``totalCount`` on every connection: right (checked against networkx and the loaded rows),
counted only when selected, and batched across nested lists."""

from __future__ import annotations

import pytest
import pytest_asyncio

from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import seed
from growthgraph.loading.dataset import Dataset, load_dataset
from tests.api.conftest import Api
from tests.support import oracle


@pytest_asyncio.fixture(scope="module")
async def data(db: Database) -> Dataset:
    dataset = seed.generate(users=600, seed=23)
    await delete_everything(db)
    await load_dataset(db, dataset, batch_size=500)
    return dataset


def test_root_lists_count_everything(api: Api, data: Dataset) -> None:
    got = api.data(
        "{ users(first: 3) { totalCount edges { cursor } }"
        "  influencers(first: 1) { totalCount } partners(first: 1) { totalCount }"
        "  campaigns(first: 1) { totalCount } }"
    )
    assert got["users"]["totalCount"] == len(data.users)
    assert len(got["users"]["edges"]) == 3
    assert got["influencers"]["totalCount"] == len(data.influencers)
    assert got["partners"]["totalCount"] == len(data.partners)
    assert got["campaigns"]["totalCount"] == len(data.campaigns)


def test_the_count_does_not_depend_on_the_page(api: Api, data: Dataset) -> None:
    first = api.data("{ users(first: 5) { totalCount pageInfo { endCursor } } }")["users"]
    after = first["pageInfo"]["endCursor"]
    second = api.data(
        "query($a: String) { users(first: 100, after: $a) { totalCount } }", {"a": after}
    )
    assert first["totalCount"] == second["users"]["totalCount"] == len(data.users)


def test_nested_referral_counts_match_the_graph(api: Api, data: Dataset) -> None:
    graph = oracle.referral_graph(data)
    got = api.data(
        "{ influencers(first: 100) { edges { node { id "
        "  referrals(first: 2) { totalCount edges { node { id "
        "    referrals(first: 1) { totalCount } } } } } } } }"
    )
    checked = 0
    for edge in got["influencers"]["edges"]:
        node = edge["node"]
        page = node["referrals"]
        assert page["totalCount"] == graph.out_degree(("Influencer", node["id"]))
        for child in page["edges"]:
            user = child["node"]
            assert user["referrals"]["totalCount"] == graph.out_degree(("User", user["id"]))
            checked += 1
    assert checked >= 5
    assert any(e["node"]["referrals"]["totalCount"] > 2 for e in got["influencers"]["edges"])


@pytest.mark.usefixtures("data")
def test_counted_only_when_asked_and_batched(api: Api) -> None:
    page = (
        "{ influencers(first: 50) { edges { node { referrals(first: 3) { edges { cursor } } } } } }"
    )
    counted = (
        "{ influencers(first: 50) { totalCount edges { node { "
        "  referrals(first: 3) { totalCount edges { cursor } } } } } }"
    )
    before = api.round_trips
    api.data(page)
    plain = api.round_trips - before
    before = api.round_trips
    api.data(counted)
    with_counts = api.round_trips - before
    # Compiled reads: the page, its count and the fifty nested counts are one statement (the
    # general path's batching is held in tests/api/test_compiled_reads.py).
    assert plain == with_counts == 1
