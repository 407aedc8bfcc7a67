"""Sources: registration of influencers, partners and campaigns, their reads, and the
performance leaderboard, against scripted graph answers."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from growthgraph.graph import entities, sources
from growthgraph.graph.labels import Kind
from growthgraph.graph.referrals import EARLIEST, LATEST
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, without_as_of

INFLUENCER = """
mutation($input: CreateInfluencerInput!) {
  createInfluencer(input: $input) {
    __typename
    ... on CreateInfluencerSuccess {
      created influencer { id kind handle platform followers engagementRate costCents }
    }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
    ... on IdConflictError { id }
  }
}
"""
PARTNER = """
mutation($input: CreatePartnerInput!) {
  createPartner(input: $input) {
    __typename
    ... on CreatePartnerSuccess { created partner { id name partnerKind costCents } }
    ... on Error { code message }
    ... on IdConflictError { id }
  }
}
"""
LOOKUPS = """
query($id: ID!) {
  influencer(id: $id) { id handle }
  partner(id: $id) { id name }
  campaign(id: $id) { id name utmSource utmMedium utmCampaign }
}
"""
PERFORMANCE = """
query($kind: SourceKind!, $sort: SourceSort!, $limit: Int!, $depth: Int!, $from: DateTime, $to: DateTime) {
  sourcePerformance(kind: $kind, sortBy: $sort, limit: $limit, maxDepth: $depth, from: $from, to: $to) {
    source { __typename id kind }
    directSignUps downlineSignUps converted conversionRate
    byDepth { depth signUps converted revenueCents }
    revenueDirectCents revenueNetworkCents costCents costPerAcquisitionCents
    reach engagementRate
  }
}
"""
INFLUENCER_NODE = {
    "id": "i1",
    "handle": "@ada",
    "platform": "tiktok",
    "followers": 5000,
    "engagementRate": 0.1,
}


def influencer_input(**more: Any) -> dict[str, Any]:
    fields = {"id": "i1", "handle": "@ada", "platform": "tiktok", "followers": 5000}
    return {"input": fields | {"engagementRate": 0.1} | more}


def performance(**more: Any) -> dict[str, Any]:
    return {"kind": "INFLUENCER", "sort": "DOWNLINE_SIGN_UPS", "limit": 10, "depth": 10} | more


async def test_a_new_influencer_is_created_without_null_properties(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(entities.FIND_ENTITY["Influencer"], [])
    fake.answer(entities.CREATE_ENTITY["Influencer"], lambda p: [{"n": p["props"]}])

    out = await gql.data(INFLUENCER, influencer_input())

    assert out["createInfluencer"] == {
        "__typename": "CreateInfluencerSuccess",
        "created": True,
        "influencer": {
            "id": "i1",
            "kind": "INFLUENCER",
            "handle": "@ada",
            "platform": "tiktok",
            "followers": 5000,
            "engagementRate": 0.1,
            "costCents": None,
        },
    }
    assert fake.ran(entities.FIND_ENTITY["Influencer"]) == [{"id": "i1"}]
    assert fake.ran(entities.CREATE_ENTITY["Influencer"]) == [{"props": INFLUENCER_NODE}]


async def test_an_identical_repeat_returns_the_stored_influencer(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(entities.FIND_ENTITY["Influencer"], [{"n": INFLUENCER_NODE}])

    out = await gql.data(INFLUENCER, influencer_input())

    assert out["createInfluencer"]["created"] is False
    assert out["createInfluencer"]["influencer"]["handle"] == "@ada"
    assert len(fake.calls) == 1  # nothing created


async def test_a_partner_with_other_values_under_the_same_id_is_a_conflict(
    gql: Gql, fake: FakeDatabase
) -> None:
    stored = {"id": "p1", "name": "Acme", "kind": "reseller"}
    fake.answer(entities.FIND_ENTITY["Partner"], [{"n": stored}])

    out = await gql.data(PARTNER, {"input": {"id": "p1", "name": "Acme", "kind": "AFFILIATE"}})

    assert out["createPartner"] == {
        "__typename": "IdConflictError",
        "code": "ID_CONFLICT",
        "message": "Partner 'p1' already exists with different values",
        "id": "p1",
    }
    assert len(fake.calls) == 1


async def test_invalid_influencer_input_lists_every_problem_and_touches_nothing(
    gql: Gql, fake: FakeDatabase
) -> None:
    out = await gql.data(
        INFLUENCER, influencer_input(handle=" ", followers=-1, engagementRate=1.5, costCents=-1)
    )

    assert out["createInfluencer"] == {
        "__typename": "InvalidInputError",
        "code": "INVALID_INPUT",
        "message": "handle must not be blank; followers must be zero or more; engagementRate "
        "must be between 0 and 1; costCents must be zero or more",
        "problems": [
            {"field": "handle", "message": "must not be blank"},
            {"field": "followers", "message": "must be zero or more"},
            {"field": "engagementRate", "message": "must be between 0 and 1"},
            {"field": "costCents", "message": "must be zero or more"},
        ],
    }
    assert fake.calls == []


async def test_lookups_by_id_map_records_and_answer_null_for_missing_ones(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(entities.GET_BY_IDS["Influencer"], [])
    fake.answer(entities.GET_BY_IDS["Partner"], [])
    campaign = {"id": "x1", "name": "Spring", "utmSource": "news", "utmMedium": "email"}
    fake.answer(entities.GET_BY_IDS["Campaign"], [{"n": campaign}])

    out = await gql.data(LOOKUPS, {"id": "x1"})

    assert out == {
        "influencer": None,
        "partner": None,
        "campaign": {
            "id": "x1",
            "name": "Spring",
            "utmSource": "news",
            "utmMedium": "email",
            "utmCampaign": None,
        },
    }


async def test_source_performance_adds_up_the_levels(gql: Gql, fake: FakeDatabase) -> None:
    # Levels arrive unordered and with the null of a source without any sign-up.
    levels = [
        {"depth": 2, "signUps": 3, "converted": 1, "revenue": 500},
        None,
        {"depth": 1, "signUps": 2, "converted": 1, "revenue": 300},
    ]
    rows: list[dict[str, Any]] = [
        {"s": INFLUENCER_NODE | {"costCents": 1000}, "levels": levels, "cost": 1000},
        {"s": INFLUENCER_NODE | {"id": "i2"}, "levels": [None], "cost": None},
    ]
    fake.answer(sources.SOURCE_PERFORMANCE[Kind.INFLUENCER], rows)

    out = await gql.data(PERFORMANCE, performance())

    first, second = out["sourcePerformance"]
    assert first == {
        "source": {"__typename": "Influencer", "id": "i1", "kind": "INFLUENCER"},
        "directSignUps": 2,
        "downlineSignUps": 5,
        "converted": 2,
        "conversionRate": 0.4,
        "byDepth": [
            {"depth": 1, "signUps": 2, "converted": 1, "revenueCents": 300},
            {"depth": 2, "signUps": 3, "converted": 1, "revenueCents": 500},
        ],
        "revenueDirectCents": 300,
        "revenueNetworkCents": 500,
        "costCents": 1000,
        "costPerAcquisitionCents": 500.0,
        "reach": 5000,
        "engagementRate": 0.1,
    }
    assert second["downlineSignUps"] == 0
    assert second["conversionRate"] is None
    assert second["costPerAcquisitionCents"] is None
    assert second["byDepth"] == []
    # No window given: the open window's stand-ins go to the index range.
    assert without_as_of(fake.ran(sources.SOURCE_PERFORMANCE[Kind.INFLUENCER])) == [
        {
            "start": EARLIEST,
            "end": LATEST,
            "maxDepth": 10,
            "sortBy": "DOWNLINE_SIGN_UPS",
            "limit": 10,
            "undated": True,
        }
    ]


async def test_partners_have_no_reach_and_the_window_is_passed_in_utc(
    gql: Gql, fake: FakeDatabase
) -> None:
    partner = {"id": "p1", "name": "Acme", "kind": "affiliate"}
    fake.answer(
        sources.SOURCE_PERFORMANCE[Kind.PARTNER],
        [
            {
                "s": partner,
                "levels": [{"depth": 1, "signUps": 4, "converted": 0, "revenue": 0}],
                "cost": None,
            }
        ],
    )
    window = {"from": "2024-05-01T02:00:00+02:00", "to": "2024-06-01T00:00:00Z"}

    out = await gql.data(
        PERFORMANCE, performance(kind="PARTNER", sort="COST_PER_ACQUISITION") | window
    )

    [row] = out["sourcePerformance"]
    assert row["source"] == {"__typename": "Partner", "id": "p1", "kind": "PARTNER"}
    assert (row["reach"], row["engagementRate"], row["costPerAcquisitionCents"]) == (
        None,
        None,
        None,
    )
    [params] = fake.ran(sources.SOURCE_PERFORMANCE[Kind.PARTNER])
    assert params["start"] == at("2024-05-01T00:00:00+00:00")
    assert params["start"].tzinfo is UTC
    assert params["end"] == at("2024-06-01T00:00:00+00:00")
    assert params["sortBy"] == "COST_PER_ACQUISITION"
    assert params["undated"] is False


async def test_source_performance_bounds(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(sources.SOURCE_PERFORMANCE[Kind.INFLUENCER], [])
    assert await gql.data(PERFORMANCE, performance(limit=100, depth=50)) == {
        "sourcePerformance": []
    }
    fake.calls.clear()

    assert await gql.error(PERFORMANCE, performance(limit=101)) == (
        "BAD_USER_INPUT",
        "`limit` must be between 1 and 100",
    )
    assert await gql.error(PERFORMANCE, performance(depth=51)) == (
        "BAD_USER_INPUT",
        "`maxDepth` must be between 1 and 50",
    )
    assert await gql.error(PERFORMANCE, performance(limit=0)) == (
        "BAD_USER_INPUT",
        "`limit` must be between 1 and 100",
    )
    assert fake.calls == []


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            {"from": "2024-05-02T00:00:00Z", "to": "2024-05-02T00:00:00Z"},
            "`from` must be earlier than `to`",
        ),
        ({"from": "2024-05-01T00:00:00"}, "`from` must include a time zone offset"),
        ({"to": "2024-05-01T00:00:00"}, "`to` must include a time zone offset"),
    ],
)
async def test_source_performance_refuses_a_bad_window(
    gql: Gql, fake: FakeDatabase, window: dict[str, str], message: str
) -> None:
    assert await gql.error(PERFORMANCE, performance() | window) == ("BAD_USER_INPUT", message)
    assert fake.calls == []
