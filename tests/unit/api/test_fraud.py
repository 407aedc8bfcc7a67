"""Fraud: ``fraudSignals`` and ``velocityBursts`` over scripted downlines, and the fraud flags."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.config import Role
from growthgraph.graph import changes, fraud
from growthgraph.graph.labels import Kind
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, user_props, without_as_of

SIGNALS = """
query($id: ID!, $depth: Int! = 10, $users: Int! = 5000, $window: Int! = 60, $min: Int! = 2,
      $cap: Int! = 2, $limit: Int! = 20) {
  fraudSignals(root: {kind: INFLUENCER, id: $id}, maxDepth: $depth, maxUsers: $users,
               burstWindowMinutes: $window, burstMinSignUps: $min, cap: $cap, limit: $limit) {
    root { __typename id }
    downlineSize truncated
    sharedHashClusters { score size members { id } sharedHashes { kind hash users } }
    velocityBursts { score referrer { id } windowStart windowEnd signUps users { id } }
    capsExceeded { score referrer { id } periodStart signUps cap overCap { id } }
    nearDuplicates { score size members { id name } reasons }
  }
}
"""
BURSTS = """
query($since: DateTime!, $until: DateTime!, $window: Int! = 60, $min: Int! = 2, $limit: Int! = 20) {
  velocityBursts(since: $since, until: $until, windowMinutes: $window, minSignUps: $min, limit: $limit) {
    score referrer { __typename id } windowStart windowEnd signUps users { id }
  }
}
"""
FLAG = """
mutation($id: ID!, $reason: String!) {
  flagUser(userId: $id, reason: $reason) {
    __typename
    ... on FlagUserSuccess { userId flaggedAt reason alreadyFlagged }
    ... on Error { code message }
    ... on UnknownUserError { ids }
    ... on InvalidInputError { problems { field message } }
  }
}
"""
UNFLAG = """
mutation($id: ID!) {
  unflagUser(userId: $id) {
    __typename
    ... on UnflagUserSuccess { userId wasFlagged }
    ... on Error { code message }
  }
}
"""
ROOT = {"id": "i1", "handle": "@i", "platform": "yt", "followers": 10, "engagementRate": 0.5}


def member(
    uid: str, time: str, depth: int, parent: tuple[str, str], **props: Any
) -> dict[str, Any]:
    return {
        "u": user_props(uid, signed_up=f"2024-05-01T{time}:00+00:00", **props),
        "depth": depth,
        "parentLabel": parent[0],
        "parentId": parent[1],
    }


# a, b, c joined under i1 within 20 minutes; d under a two hours later.
# a and b share an IP hash, b and c a device hash; a and b share an e-mail key ("jdoe"),
# a and d a name key ("doe jane").
DOWNLINE = [
    member(
        "a", "10:00", 1, ("Influencer", "i1"), ipHash="h1", email="j.doe+x7@a.com", name="Jane Doe"
    ),
    member(
        "b",
        "10:10",
        1,
        ("Influencer", "i1"),
        ipHash="h1",
        deviceHash="d1",
        email="jdoe@b.com",
        name="Bob Smith",
    ),
    member(
        "c", "10:20", 1, ("Influencer", "i1"), deviceHash="d1", email="carol@c.com", name="Carol"
    ),
    member("d", "12:00", 2, ("User", "a"), email="dave@d.com", name="Doe Jane"),
]


async def test_fraud_signals_of_a_small_downline(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(fraud.DOWNLINE[Kind.INFLUENCER], [{"root": ROOT, "rows": DOWNLINE}])

    out = (await gql.data(SIGNALS, {"id": "i1"}))["fraudSignals"]

    assert out["root"] == {"__typename": "Influencer", "id": "i1"}
    assert (out["downlineSize"], out["truncated"]) == (4, False)
    assert out["sharedHashClusters"] == [
        {
            "score": 0.75,
            "size": 3,
            "members": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            "sharedHashes": [
                {"kind": "DEVICE", "hash": "d1", "users": 2},
                {"kind": "IP", "hash": "h1", "users": 2},
            ],
        }
    ]
    assert out["velocityBursts"] == [
        {
            "score": 1.5,
            "referrer": {"id": "i1"},
            "windowStart": "2024-05-01T10:00:00+00:00",
            "windowEnd": "2024-05-01T11:00:00+00:00",
            "signUps": 3,
            "users": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
        }
    ]
    assert out["capsExceeded"] == [
        {
            "score": 1.5,
            "referrer": {"id": "i1"},
            "periodStart": "2024-05-01T00:00:00+00:00",
            "signUps": 3,
            "cap": 2,
            "overCap": [{"id": "c"}],
        }
    ]
    assert out["nearDuplicates"] == [
        {
            "score": 0.75,
            "size": 3,
            "members": [
                {"id": "a", "name": "Jane Doe"},
                {"id": "b", "name": "Bob Smith"},
                {"id": "d", "name": "Doe Jane"},
            ],
            "reasons": ["email:jdoe", "name:doe jane"],
        }
    ]
    assert without_as_of(fake.ran(fraud.DOWNLINE[Kind.INFLUENCER])) == [
        {"id": "i1", "maxDepth": 10, "maxUsers": 5001}
    ]


async def test_evidence_from_personal_data_is_masked_for_analysts(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(fraud.DOWNLINE[Kind.INFLUENCER], [{"root": ROOT, "rows": DOWNLINE}])

    out = (await gql.data(SIGNALS, {"id": "i1"}, role=Role.ANALYST))["fraudSignals"]

    [group] = out["nearDuplicates"]
    assert group["reasons"] == ["email:[masked]", "name:[masked]"]
    assert {m["name"] for m in group["members"]} == {"[masked]"}


async def test_a_truncated_downline_examines_the_earliest_users(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(fraud.DOWNLINE[Kind.INFLUENCER], [{"root": ROOT, "rows": DOWNLINE}])

    out = (await gql.data(SIGNALS, {"id": "i1", "users": 3, "limit": 1}))["fraudSignals"]

    assert (out["downlineSize"], out["truncated"]) == (3, True)
    # Without d, a and b remain linked by their e-mail key only.
    assert out["nearDuplicates"] == [
        {
            "score": pytest.approx(2 / 3),
            "size": 2,
            "members": [{"id": "a", "name": "Jane Doe"}, {"id": "b", "name": "Bob Smith"}],
            "reasons": ["email:jdoe"],
        }
    ]
    assert fake.ran(fraud.DOWNLINE[Kind.INFLUENCER])[0]["maxUsers"] == 4


async def test_fraud_signals_bounds_and_missing_root(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(fraud.DOWNLINE[Kind.INFLUENCER], [])
    largest = {
        "depth": 50,
        "users": 20_000,
        "window": 44_640,
        "min": 10_000,
        "cap": 100_000,
        "limit": 100,
    }
    assert await gql.data(SIGNALS, {"id": "i1"} | largest) == {"fraudSignals": None}
    assert without_as_of(fake.ran(fraud.DOWNLINE[Kind.INFLUENCER])) == [
        {"id": "i1", "maxDepth": 50, "maxUsers": 20_001}
    ]
    fake.calls.clear()

    for name, value, message in [
        ("depth", 51, "`maxDepth` must be between 1 and 50"),
        ("users", 20_001, "`maxUsers` must be between 1 and 20000"),
        ("window", 44_641, "`burstWindowMinutes` must be between 1 and 44640"),
        ("min", 10_001, "`burstMinSignUps` must be between 2 and 10000"),
        ("min", 1, "`burstMinSignUps` must be between 2 and 10000"),
        ("cap", 100_001, "`cap` must be between 1 and 100000"),
        ("limit", 101, "`limit` must be between 1 and 100"),
    ]:
        assert await gql.error(SIGNALS, {"id": "i1", name: value}) == ("BAD_USER_INPUT", message)
    assert fake.calls == []


def sign_up_row(
    uid: str, time: str, referrer: dict[str, Any] | None, label: str | None
) -> dict[str, Any]:
    return {
        "u": user_props(uid, signed_up=f"2024-05-01T{time}:00+00:00"),
        "r": referrer,
        "label": label,
    }


async def test_velocity_bursts_over_a_period(gql: Gql, fake: FakeDatabase) -> None:
    partner = {"id": "p1", "name": "Acme", "kind": "affiliate"}
    fake.answer(
        fraud.SIGN_UPS_IN_PERIOD,
        [
            sign_up_row("u1", "10:00", partner, "Partner"),
            sign_up_row("u2", "10:30", partner, "Partner"),
            sign_up_row("u3", "10:40", None, None),  # organic: no referrer, no burst
            sign_up_row("u5", "10:50", user_props("u1"), "User"),
            sign_up_row("u4", "11:05", partner, "Partner"),
        ],
    )
    period = {"since": "2024-05-01T00:00:00Z", "until": "2024-06-01T00:00:00Z"}  # 31 days

    out = await gql.data(BURSTS, period)

    # p1's sign-ups at 10:00, 10:30, 11:05: no 60-minute window holds all three; the first
    # window holding two wins.
    assert out["velocityBursts"] == [
        {
            "score": 1.0,
            "referrer": {"__typename": "Partner", "id": "p1"},
            "windowStart": "2024-05-01T10:00:00+00:00",
            "windowEnd": "2024-05-01T11:00:00+00:00",
            "signUps": 2,
            "users": [{"id": "u1"}, {"id": "u2"}],
        }
    ]
    assert without_as_of(fake.ran(fraud.SIGN_UPS_IN_PERIOD)) == [
        {
            "since": at("2024-05-01T00:00:00+00:00"),
            "until": at("2024-06-01T00:00:00+00:00"),
            "maxRows": 50_001,
        }
    ]


async def test_velocity_bursts_refusals(gql: Gql, fake: FakeDatabase) -> None:
    period: dict[str, Any] = {"since": "2024-05-01T00:00:00Z", "until": "2024-06-01T00:00:00Z"}
    fake.answer(fraud.SIGN_UPS_IN_PERIOD, [])
    assert await gql.data(BURSTS, period | {"window": 44_640, "min": 10_000, "limit": 100}) == {
        "velocityBursts": []
    }
    fake.calls.clear()

    span = "`until` must be after `since` and at most 31 days later"
    for variables, message in [
        (period | {"until": "2024-06-01T00:00:01Z"}, span),
        (period | {"until": period["since"]}, span),
        (period | {"since": "2024-05-01T00:00:00"}, "`since` must include a time zone offset"),
        (period | {"window": 44_641}, "`windowMinutes` must be between 1 and 44640"),
        (period | {"min": 1}, "`minSignUps` must be between 2 and 10000"),
        (period | {"limit": 101}, "`limit` must be between 1 and 100"),
    ]:
        assert await gql.error(BURSTS, variables) == ("BAD_USER_INPUT", message)
    assert fake.calls == []

    fake.answer(fraud.SIGN_UPS_IN_PERIOD, [sign_up_row("u", "10:00", None, None)] * 50_001)
    assert await gql.error(BURSTS, period) == (
        "BAD_USER_INPUT",
        "more than 50000 sign-ups in the period; narrow the period",
    )


async def test_flag_user(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(
        fraud.FLAG_USER,
        lambda p: [
            {
                "id": p["id"],
                "flaggedAt": "2024-05-01T10:00:00Z",
                "reason": "first reason",
                "already": True,
            }
        ],
    )

    out = await gql.data(FLAG, {"id": "u1", "reason": "  ring of fakes  "})

    # A repeat keeps the first flag's time and reason.
    assert out["flagUser"] == {
        "__typename": "FlagUserSuccess",
        "userId": "u1",
        "flaggedAt": "2024-05-01T10:00:00+00:00",
        "reason": "first reason",
        "alreadyFlagged": True,
    }
    [params] = fake.ran(fraud.FLAG_USER)
    assert (params["id"], params["reason"]) == ("u1", "ring of fakes")
    assert fake.calls[0].how == "tx"
    assert fake.ran(changes.APPEND) == []  # a repeat flags nothing new: no change


async def test_flag_refusals(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(fraud.FLAG_USER, [])
    fake.answer(fraud.UNFLAG_USER, [])
    unknown = {
        "__typename": "UnknownUserError",
        "code": "UNKNOWN_USER",
        "message": "no user with id 'u9'",
    }

    assert (await gql.data(FLAG, {"id": "u9", "reason": "x"}))["flagUser"] == unknown | {
        "ids": ["u9"]
    }
    assert (await gql.data(UNFLAG, {"id": "u9"}))["unflagUser"] == unknown
    fake.calls.clear()

    blank = await gql.data(FLAG, {"id": "u9", "reason": " "})
    assert blank["flagUser"]["problems"] == [{"field": "reason", "message": "must not be blank"}]
    assert await gql.error(FLAG, {"id": "u9", "reason": "x"}, role=Role.WRITER) == (
        "FORBIDDEN",
        "Only the admin role may run flagUser.",
    )
    assert fake.calls == []


async def test_unflag_user_reports_whether_a_flag_was_removed(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(fraud.UNFLAG_USER, [{"id": "u1", "was": False}])
    out = await gql.data(UNFLAG, {"id": "u1"})
    assert out["unflagUser"] == {
        "__typename": "UnflagUserSuccess",
        "userId": "u1",
        "wasFlagged": False,
    }
    assert fake.ran(fraud.UNFLAG_USER) == [{"id": "u1"}]
