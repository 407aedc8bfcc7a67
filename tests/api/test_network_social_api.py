"""connectUsers and peopleYouMayKnow over HTTP: typed errors that write nothing, the ranking
against networkx, argument bounds, and one database round trip per suggestion list."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import Api
from tests.support import social
from tests.support.snapshot import snapshot

CONNECT = """
mutation($a: ID!, $b: ID!, $at: DateTime) {
  connectUsers(a: $a, b: $b, at: $at) {
    __typename
    ... on ConnectUsersSuccess { created at a { id } b { id } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field } }
    ... on UnknownUserError { ids }
    ... on SelfConnectionError { id }
  }
}
"""
PYMK = """
query($id: ID!, $limit: Int!, $evidence: Int!) {
  peopleYouMayKnow(userId: $id, limit: $limit, evidence: $evidence) {
    user { id }
    commonConnections
    adamicAdar
    sharedConnections { id name }
  }
}
"""


def connect(api: Api, a: str, b: str, at: str | None = "2024-05-01T10:00:00Z") -> dict[str, Any]:
    out: dict[str, Any] = api.data(CONNECT, {"a": a, "b": b, "at": at})["connectUsers"]
    return out


async def test_connect_users_and_its_errors(api: Api, clean_db: Database) -> None:
    await load_dataset(clean_db, social.social_dataset(["u1", "u2"], []))
    ok = connect(api, "u2", "u1", "2024-05-01T12:00:00+02:00")
    assert ok == {
        "__typename": "ConnectUsersSuccess",
        "created": True,
        "at": "2024-05-01T10:00:00+00:00",
        "a": {"id": "u1"},
        "b": {"id": "u2"},
    }
    assert connect(api, "u1", "u2", None)["created"] is False
    before = await snapshot(clean_db)
    refusals = [
        (("u1", "ghost"), "UnknownUserError", "UNKNOWN_USER"),
        (("u1", "u1"), "SelfConnectionError", "SELF_CONNECTION"),
        (("u1", "bad id"), "InvalidInputError", "INVALID_INPUT"),
        (("", "u2"), "InvalidInputError", "INVALID_INPUT"),
    ]
    for (a, b), typename, code in refusals:
        out = connect(api, a, b)
        assert out["__typename"] == typename, out
        assert out["code"] == code
    naive = connect(api, "u1", "u2", "2024-05-01T10:00:00")
    assert naive["code"] == "INVALID_INPUT"
    assert naive["problems"] == [{"field": "at"}]
    assert connect(api, "ghost", "u1")["ids"] == ["ghost"]
    assert await snapshot(clean_db) == before


async def test_people_you_may_know_over_http(api: Api, clean_db: Database) -> None:
    edges = [("u", "a"), ("u", "b"), ("a", "x"), ("b", "x"), ("a", "y"), ("y", "z")]
    data = social.social_dataset(sorted({n for e in edges for n in e}), edges)
    await load_dataset(clean_db, data)
    expected = social.people_you_may_know(social.graph_of(data), "u")
    before = api.round_trips
    got = api.data(PYMK, {"id": "u", "limit": 10, "evidence": 1})["peopleYouMayKnow"]
    assert api.round_trips == before + 1
    assert [(g["user"]["id"], g["commonConnections"]) for g in got] == [
        (e[0], e[1]) for e in expected
    ]
    assert [g["adamicAdar"] for g in got] == pytest.approx([e[2] for e in expected])
    # x is shared through a (3 connections) and b (2): b, the more telling one, comes first.
    assert [[s["id"] for s in g["sharedConnections"]] for g in got] == [["b"], ["a"]]
    assert api.data(PYMK, {"id": "ghost", "limit": 10, "evidence": 1})["peopleYouMayKnow"] is None
    for limit, evidence in ((0, 1), (101, 1), (5, 0), (5, 21)):
        body = api.gql(PYMK, {"id": "u", "limit": limit, "evidence": evidence})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
