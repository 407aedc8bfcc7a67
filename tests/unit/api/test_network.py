"""Network: ``connectUsers`` and ``peopleYouMayKnow`` against scripted graph answers."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.config import Role
from growthgraph.graph import network
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, user_props

CONNECT = """
mutation($a: ID!, $b: ID!, $at: DateTime) {
  connectUsers(a: $a, b: $b, at: $at) {
    __typename
    ... on ConnectUsersSuccess { a { id email } b { id } at created }
    ... on Error { code message }
    ... on UnknownUserError { ids }
    ... on SelfConnectionError { id }
    ... on InvalidInputError { problems { field message } }
  }
}
"""
PYMK = """
query($id: ID!, $limit: Int! = 10, $evidence: Int! = 5) {
  peopleYouMayKnow(userId: $id, limit: $limit, evidence: $evidence) {
    user { id } commonConnections adamicAdar sharedConnections { id }
  }
}
"""


def connection_state(a: bool = True, b: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "a": user_props("u1") if a else None,
            "b": user_props("u2") if b else None,
            "connected": False,
            "at": None,
        }
    ]


async def test_a_connection_is_stored_smaller_id_first(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(network.CONNECTION_STATE, connection_state())
    fake.answer(
        network.CONNECT,
        [
            {
                "a": user_props("u1"),
                "b": user_props("u2"),
                "at": "2024-05-01T08:00:00Z",
                "created": True,
            }
        ],
    )

    out = await gql.data(CONNECT, {"a": "u2", "b": "u1", "at": "2024-05-01T10:00:00+02:00"})

    assert out["connectUsers"] == {
        "__typename": "ConnectUsersSuccess",
        "a": {"id": "u1", "email": "u1@example.com"},
        "b": {"id": "u2"},
        "at": "2024-05-01T08:00:00+00:00",
        "created": True,
    }
    params = {"a": "u1", "b": "u2", "at": at("2024-05-01T08:00:00+00:00")}
    assert fake.ran(network.CONNECTION_STATE) == [params]
    assert fake.ran(network.CONNECT) == [params]
    assert fake.round_trips == 1


async def test_a_repeat_without_a_time_keeps_the_stored_edge(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(network.CONNECTION_STATE, connection_state())
    fake.answer(
        network.CONNECT,
        [{"a": user_props("u1"), "b": user_props("u2"), "at": None, "created": False}],
    )

    out = await gql.data(CONNECT, {"a": "u1", "b": "u2"}, role=Role.WRITER)

    assert out["connectUsers"] == {
        "__typename": "ConnectUsersSuccess",
        "a": {"id": "u1", "email": "[masked]"},
        "b": {"id": "u2"},
        "at": None,
        "created": False,
    }
    assert fake.ran(network.CONNECT)[0]["at"] is None


@pytest.mark.parametrize(
    ("a", "b", "missing"),
    [(False, True, ["u1"]), (True, False, ["u2"]), (False, False, ["u1", "u2"])],
)
async def test_unknown_users_are_named_and_nothing_is_written(
    gql: Gql, fake: FakeDatabase, a: bool, b: bool, missing: list[str]
) -> None:
    fake.answer(network.CONNECTION_STATE, connection_state(a, b))

    out = await gql.data(CONNECT, {"a": "u2", "b": "u1"})

    assert out["connectUsers"] == {
        "__typename": "UnknownUserError",
        "code": "UNKNOWN_USER",
        "message": "no user with id " + ", ".join(f"'{i}'" for i in missing),
        "ids": missing,
    }
    assert [c.statement for c in fake.calls] == [network.CONNECTION_STATE]


async def test_self_connections_and_invalid_input_touch_nothing(
    gql: Gql, fake: FakeDatabase
) -> None:
    itself = await gql.data(CONNECT, {"a": "u1", "b": "u1"})
    assert itself["connectUsers"] == {
        "__typename": "SelfConnectionError",
        "code": "SELF_CONNECTION",
        "message": "a user cannot be connected to themselves",
        "id": "u1",
    }
    bad = await gql.data(CONNECT, {"a": "", "b": "u1", "at": "2024-05-01T10:00:00"})
    assert bad["connectUsers"]["problems"] == [
        {"field": "a", "message": "must not be empty"},
        {"field": "at", "message": "must include a time zone offset, e.g. 2024-05-01T12:00:00Z"},
    ]
    assert fake.calls == []


async def test_people_you_may_know_maps_suggestions_with_their_evidence(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(
        network.PEOPLE_YOU_MAY_KNOW,
        [
            {
                "user": user_props("c1"),
                "common": 2,
                "adamicAdar": 2.5,
                "shared": [user_props("m1"), user_props("m2")],
            },
            {
                "user": user_props("c2"),
                "common": 1,
                "adamicAdar": 0.9,
                "shared": [user_props("m2")],
            },
        ],
    )

    out = await gql.data(PYMK, {"id": "u1", "limit": 100, "evidence": 20})

    assert out["peopleYouMayKnow"] == [
        {
            "user": {"id": "c1"},
            "commonConnections": 2,
            "adamicAdar": 2.5,
            "sharedConnections": [{"id": "m1"}, {"id": "m2"}],
        },
        {
            "user": {"id": "c2"},
            "commonConnections": 1,
            "adamicAdar": 0.9,
            "sharedConnections": [{"id": "m2"}],
        },
    ]
    assert fake.ran(network.PEOPLE_YOU_MAY_KNOW) == [
        {"id": "u1", "limit": 100, "evidence": 20, "erased": "[erased]"}
    ]
    assert fake.ran(network.USER_EXISTS) == []  # suggestions prove the user exists


@pytest.mark.parametrize(("exists", "expected"), [([], None), ([{"id": "u1"}], [])])
async def test_no_suggestions_is_null_for_an_unknown_user_and_empty_otherwise(
    gql: Gql, fake: FakeDatabase, exists: list[dict[str, Any]], expected: list[Any] | None
) -> None:
    fake.answer(network.PEOPLE_YOU_MAY_KNOW, [])
    fake.answer(network.USER_EXISTS, exists)

    assert await gql.data(PYMK, {"id": "u1"}) == {"peopleYouMayKnow": expected}
    assert fake.ran(network.USER_EXISTS) == [{"id": "u1"}]


async def test_people_you_may_know_bounds(gql: Gql, fake: FakeDatabase) -> None:
    for variables, message in [
        ({"limit": 101}, "`limit` must be between 1 and 100"),
        ({"limit": 0}, "`limit` must be between 1 and 100"),
        ({"evidence": 21}, "`evidence` must be between 1 and 20"),
    ]:
        assert await gql.error(PYMK, {"id": "u1"} | variables) == ("BAD_USER_INPUT", message)
    assert fake.calls == []
