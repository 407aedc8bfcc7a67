"""Referrals: ``topReferrers``, ``referralCascade`` and ``attributionPath``, and the batched
nested reads of a referrer (``referrals``, ``referredBy``), against scripted graph answers."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.api.schema import build_schema
from growthgraph.config import Role
from growthgraph.graph import referrals
from growthgraph.graph.labels import Kind
from growthgraph.graph.referrals import EARLIEST, LATEST
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, make_settings, user_props, without_as_of

TOP = """
query($degree: Int!, $limit: Int!, $since: DateTime, $until: DateTime, $kinds: [ReferrerKind!]) {
  topReferrers(degree: $degree, limit: $limit, since: $since, until: $until, kinds: $kinds) {
    signUps referrer { __typename id kind }
  }
}
"""
TOP_NESTED = """
{
  topReferrers(degree: 1) {
    referrer {
      id
      ... on User { referredBy { id } }
      referrals(first: 1) { totalCount edges { node { id } } pageInfo { hasNextPage } }
    }
  }
}
"""
CASCADE = """
query($kind: ReferrerKind!, $id: ID!, $depth: Int!) {
  referralCascade(root: {kind: $kind, id: $id}, maxDepth: $depth) {
    root { id kind } total depth levels { depth signUps }
  }
}
"""
PATH = "query($id: ID!) { attributionPath(userId: $id) { __typename id kind } }"
PARTNER_NODE = {"id": "p1", "name": "Acme", "kind": "affiliate"}


def top(**more: Any) -> dict[str, Any]:
    return {"degree": 1, "limit": 10} | more


def ranked(params: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {"n": user_props("u1"), "label": "User", "signUps": 4},
        {"n": PARTNER_NODE, "label": "Partner", "signUps": 2},
    ]
    return rows[: params["limit"]]


async def test_top_referrers_read_the_counters_without_a_window(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(referrals.TOP_REFERRERS_BY_COUNTERS[2], ranked)

    out = await gql.data(TOP, top(degree=2, kinds=["PARTNER", "USER", "PARTNER"]))

    assert out["topReferrers"] == [
        {"signUps": 4, "referrer": {"__typename": "User", "id": "u1", "kind": "USER"}},
        {"signUps": 2, "referrer": {"__typename": "Partner", "id": "p1", "kind": "PARTNER"}},
    ]
    # Kinds are deduplicated in the order given and become labels.
    assert fake.ran(referrals.TOP_REFERRERS_BY_COUNTERS[2]) == [
        {"since": EARLIEST, "until": LATEST, "labels": ["Partner", "User"], "limit": 10}
    ]


async def test_top_referrers_in_a_small_window_group_by_the_above_keys(
    gql: Gql, fake: FakeDatabase
) -> None:
    # The first statement finds few sign-ups in the window and answers them grouped.
    def first(params: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"final": False, "inWindow": 3, "grouped": ranked(params), "top": [], "read": 0}]

    fake.answer(referrals.TOP_REFERRERS_BY_THRESHOLD[3], first)

    out = await gql.data(TOP, top(degree=3, limit=1, since="2024-05-01T00:00:00Z"))

    assert [r["referrer"]["id"] for r in out["topReferrers"]] == ["u1"]
    [params] = fake.ran(referrals.TOP_REFERRERS_BY_THRESHOLD[3])
    assert params["until"] == LATEST
    assert params["labels"] == ["User", "Influencer", "Partner"]  # every kind when omitted
    assert params["limit"] == 1
    assert params["cap"] == referrals.GROUPED_BELOW


async def test_without_counters_top_referrers_scan(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(referrals.TOP_REFERRERS_SCAN[1], ranked)
    scanning = Gql(gql.schema, fake, make_settings(referral_counters=False))

    out = await scanning.data(TOP, top())

    assert len(out["topReferrers"]) == 2
    assert [c.statement for c in fake.calls] == [referrals.TOP_REFERRERS_SCAN[1]]


async def test_top_referrers_bounds(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(referrals.TOP_REFERRERS_BY_COUNTERS[5], [])
    assert await gql.data(TOP, top(degree=5, limit=100)) == {"topReferrers": []}
    assert fake.ran(referrals.TOP_REFERRERS_BY_COUNTERS[5])[0]["limit"] == 100
    fake.calls.clear()

    refused = [
        (top(degree=6), "`degree` must be between 1 and 5"),
        (top(degree=0), "`degree` must be between 1 and 5"),
        (top(limit=101), "`limit` must be between 1 and 100"),
        (top(degree=6, limit=101), "`degree` must be between 1 and 5"),  # the first one wins
        (
            top(since="2024-05-02T00:00:00Z", until="2024-05-01T00:00:00Z"),
            "`since` must be earlier than `until`",
        ),
        (top(until="2024-05-01T00:00:00"), "`until` must include a time zone offset"),
    ]
    for variables, message in refused:
        assert await gql.error(TOP, variables) == ("BAD_USER_INPUT", message)
    assert fake.calls == []


async def test_nested_referrals_and_referrers_are_batched_per_level(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(
        referrals.TOP_REFERRERS_BY_COUNTERS[1],
        [
            {"n": user_props("u1"), "label": "User", "signUps": 2},
            {"n": user_props("u2"), "label": "User", "signUps": 1},
        ],
    )
    fake.answer(
        referrals.REFERRALS_OF[Kind.USER],
        [{"pid": "u1", "users": [user_props("u3"), user_props("u4")]}],
    )
    fake.answer(referrals.REFERRAL_COUNTS[Kind.USER], [{"pid": "u1", "n": 2}])
    fake.answer(
        referrals.REFERRED_BY,
        [
            {
                "uid": "u2",
                "n": user_props("u1"),
                "label": "User",
                "at": "2024-05-01T10:00:00+00:00",
                "channel": None,
                "campaignId": None,
            }
        ],
    )

    out = await gql.data(TOP_NESTED)

    assert out["topReferrers"] == [
        {
            "referrer": {
                "id": "u1",
                "referredBy": None,
                "referrals": {
                    "totalCount": 2,
                    "edges": [{"node": {"id": "u3"}}],
                    "pageInfo": {"hasNextPage": True},
                },
            }
        },
        {
            "referrer": {
                "id": "u2",
                "referredBy": {"id": "u1"},
                "referrals": {"totalCount": 0, "edges": [], "pageInfo": {"hasNextPage": False}},
            }
        },
    ]
    # One round trip per kind of nested read, for both parents together.
    assert fake.ran(referrals.REFERRALS_OF[Kind.USER]) == [
        {"ids": ["u1", "u2"], "after": "", "limit": 2}
    ]
    assert fake.ran(referrals.REFERRAL_COUNTS[Kind.USER]) == [{"ids": ["u1", "u2"]}]
    assert fake.ran(referrals.REFERRED_BY) == [{"ids": ["u1", "u2"]}]
    assert fake.round_trips == 4


async def test_referral_cascade_levels_total_and_depth(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(
        referrals.CASCADE[Kind.PARTNER],
        [
            {"n": PARTNER_NODE, "depth": 1, "signUps": 3},
            {"n": PARTNER_NODE, "depth": 2, "signUps": 4},
            {"n": PARTNER_NODE, "depth": 4, "signUps": 1},
        ],
    )

    out = await gql.data(CASCADE, {"kind": "PARTNER", "id": "p1", "depth": 50})

    assert out["referralCascade"] == {
        "root": {"id": "p1", "kind": "PARTNER"},
        "total": 8,
        "depth": 4,
        "levels": [
            {"depth": 1, "signUps": 3},
            {"depth": 2, "signUps": 4},
            {"depth": 4, "signUps": 1},
        ],
    }
    assert without_as_of(fake.ran(referrals.CASCADE[Kind.PARTNER])) == [
        {"id": "p1", "maxDepth": 50}
    ]


async def test_a_lone_root_has_depth_zero_and_a_missing_one_is_null(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(
        referrals.CASCADE[Kind.USER], [{"n": user_props("u1"), "depth": None, "signUps": 0}]
    )
    fake.answer(referrals.CASCADE[Kind.INFLUENCER], [])

    lone = await gql.data(CASCADE, {"kind": "USER", "id": "u1", "depth": 5})
    missing = await gql.data(CASCADE, {"kind": "INFLUENCER", "id": "u1", "depth": 5})

    assert lone["referralCascade"] == {
        "root": {"id": "u1", "kind": "USER"},
        "total": 0,
        "depth": 0,
        "levels": [],
    }
    assert missing == {"referralCascade": None}


async def test_referral_cascade_depth_bound(gql: Gql, fake: FakeDatabase) -> None:
    assert await gql.error(CASCADE, {"kind": "USER", "id": "u1", "depth": 51}) == (
        "BAD_USER_INPUT",
        "`maxDepth` must be between 1 and 50",
    )
    assert fake.calls == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], None),
        ([{"chain": None, "referred": False}], []),
        (
            [
                {
                    "chain": [
                        {"n": user_props("u2"), "label": "User"},
                        {"n": PARTNER_NODE, "label": "Partner"},
                    ],
                    "referred": True,
                }
            ],
            [
                {"__typename": "User", "id": "u2", "kind": "USER"},
                {"__typename": "Partner", "id": "p1", "kind": "PARTNER"},
            ],
        ),
    ],
)
async def test_attribution_path(
    gql: Gql, fake: FakeDatabase, rows: list[dict[str, Any]], expected: list[Any] | None
) -> None:
    fake.answer(referrals.ATTRIBUTION_PATH, rows)
    assert await gql.data(PATH, {"id": "u3"}) == {"attributionPath": expected}
    assert fake.ran(referrals.ATTRIBUTION_PATH) == [{"id": "u3"}]


async def test_a_chain_past_the_bound_is_refused_not_organic(gql: Gql, fake: FakeDatabase) -> None:
    # Referred, yet no root within the walk: an empty path would claim the user is organic.
    fake.answer(referrals.ATTRIBUTION_PATH, [{"chain": None, "referred": True}])
    code, message = await gql.error(PATH, {"id": "u3"})
    assert code == "CHAIN_TOO_LONG"
    assert "more than 1000 referrals below its root" in message


async def test_anonymous_callers_read_only_the_public_aggregates(fake: FakeDatabase) -> None:
    settings = make_settings(public_aggregates=True)
    public = Gql(build_schema(settings), fake, settings)
    fake.answer(referrals.TOP_REFERRERS_BY_COUNTERS[1], ranked)

    out = await public.data(TOP, top(limit=1), role=None)
    assert out["topReferrers"][0]["signUps"] == 4

    assert await public.error(PATH, {"id": "u3"}, role=None) == (
        "UNAUTHENTICATED",
        "Send an API key (X-API-Key or Authorization: Bearer) to read this.",
    )
    assert len(fake.calls) == 1  # the refused read made no round trip
    fake.answer(referrals.ATTRIBUTION_PATH, [])
    assert await public.data(PATH, {"id": "u3"}, role=Role.ANALYST) == {"attributionPath": None}
