"""``recordActivity`` over HTTP: an activity is its user, instant and kind, so a repeat (in any
spelling of the instant) returns the stored one; every refusal code writes nothing; a retry with
an ``Idempotency-Key`` is replayed, and concurrent identical calls store one activity."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, ANALYST_KEY, Api
from tests.api.test_graphql import sign_up, user_input
from tests.support.snapshot import snapshot

ACTIVITY = """
mutation($userId: ID!, $at: DateTime!, $kind: String!) {
  recordActivity(userId: $userId, at: $at, kind: $kind) {
    __typename
    ... on RecordActivitySuccess { created activity { userId at kind } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field } }
    ... on UnknownUserError { ids }
    ... on ActivityBeforeSignUpError { signedUpAt }
  }
}
"""
STORED = """
MATCH (u:User)-[:DID]->(a:Activity)
RETURN u.id AS user, toString(a.at) AS at, a.kind AS kind ORDER BY user, at, kind
"""


def _record(api: Api, **fields: Any) -> dict[str, Any]:
    values = {"userId": "ann", "at": "2024-05-02T10:00:00Z", "kind": "login"} | fields
    result: dict[str, Any] = api.data(ACTIVITY, values)["recordActivity"]
    return result


async def test_an_activity_is_stored_once(api: Api, clean_db: Database) -> None:
    assert sign_up(api, user_input("ann", "2024-05-01T09:00:00Z"))["created"] is True
    first = _record(api)
    assert first == {
        "__typename": "RecordActivitySuccess",
        "created": True,
        "activity": {"userId": "ann", "at": "2024-05-02T10:00:00+00:00", "kind": "login"},
    }
    # The same instant in another offset is the same activity.
    again = _record(api, at="2024-05-02T12:00:00+02:00")
    assert again == first | {"created": False}
    # Another kind, or another instant, is another activity.
    assert _record(api, kind="order.placed")["created"] is True
    assert _record(api, at="2024-05-02T10:00:00.5Z")["created"] is True
    # At the very instant of the sign-up is allowed.
    assert _record(api, at="2024-05-01T09:00:00Z")["created"] is True
    assert await clean_db.read(STORED) == [
        {"user": "ann", "at": "2024-05-01T09:00:00Z", "kind": "login"},
        {"user": "ann", "at": "2024-05-02T10:00:00.5Z", "kind": "login"},
        {"user": "ann", "at": "2024-05-02T10:00:00Z", "kind": "login"},
        {"user": "ann", "at": "2024-05-02T10:00:00Z", "kind": "order.placed"},
    ]


async def test_every_refusal_writes_nothing(api: Api, clean_db: Database) -> None:
    assert sign_up(api, user_input("ann", "2024-05-01T09:00:00Z"))["created"] is True
    before = await snapshot(clean_db)

    unknown = _record(api, userId="nobody")
    assert unknown["code"] == "UNKNOWN_USER"
    assert unknown["ids"] == ["nobody"]

    early = _record(api, at="2024-05-01T08:59:59Z")
    assert early["code"] == "ACTIVITY_BEFORE_SIGN_UP"
    assert early["signedUpAt"] == "2024-05-01T09:00:00+00:00"

    naive = _record(api, at="2024-05-02T10:00:00")
    assert naive["code"] == "INVALID_INPUT"
    assert naive["problems"] == [{"field": "at"}]

    for kind in ("", "Login", "log in", "9lives", "x" * 65, "login\n"):
        bad = _record(api, kind=kind)
        assert bad["code"] == "INVALID_INPUT", kind
        assert bad["problems"] == [{"field": "kind"}], kind

    every = _record(api, userId="bad id", at="2024-05-02T10:00:00", kind="Nope")
    assert every["code"] == "INVALID_INPUT"
    assert [p["field"] for p in every["problems"]] == ["userId", "at", "kind"]

    assert await snapshot(clean_db) == before

    # Only writers and admins record: an analyst is refused before anything runs.
    refused = api.gql(
        ACTIVITY, {"userId": "ann", "at": "2024-05-02T10:00:00Z", "kind": "login"}, key=ANALYST_KEY
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(clean_db) == before


def _post(api: Api, key: str | None, variables: dict[str, Any]) -> Any:
    headers = {"X-API-Key": ADMIN_KEY} | ({} if key is None else {"Idempotency-Key": key})
    response = api.client.post(
        "/graphql", json={"query": ACTIVITY, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


async def test_a_retry_is_safe(api: Api, clean_db: Database) -> None:
    assert sign_up(api, user_input("ann", "2024-05-01T09:00:00Z"))["created"] is True
    values = {"userId": "ann", "at": "2024-05-03T10:00:00Z", "kind": "login"}
    first = _post(api, "act-1", values)
    assert first.json()["data"]["recordActivity"]["created"] is True
    replayed = _post(api, "act-1", values)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == first.json()
    # Without a key, the retry runs and finds the stored activity.
    assert _post(api, None, values).json()["data"]["recordActivity"]["created"] is False

    # Concurrent identical calls: one creates, the others find it.
    values = values | {"at": "2024-05-04T10:00:00Z"}

    def once(_: int) -> Any:
        return _post(api, None, values).json()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(once, range(6)))
    created = [a["data"]["recordActivity"]["created"] for a in answers]
    assert sorted(created) == [False] * 5 + [True]
    assert len(await clean_db.read(STORED)) == 2
