"""Automatic persisted queries over HTTP, as an Apollo client speaks them: the hash alone, the
document on a miss, then the hash alone again; a mutation sent by hash is still a mutation."""

from __future__ import annotations

from typing import Any

from growthgraph.graph.database import Database
from growthgraph.http.persisted import query_hash
from tests.api.conftest import ANALYST_KEY, Api

USER = "query Apq($id: ID!) { user(id: $id) { id country } }"


def post(api: Api, body: dict[str, Any], key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"X-API-Key": key} if key else {}
    response = api.client.post("/graphql", json=body, headers=headers)
    payload: dict[str, Any] = response.json()
    return response.status_code, payload


def hashed(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "variables": variables or {},
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": query_hash(query)}},
    }


SIGN_UP = """
mutation Apq($input: RecordSignUpInput!) {
  recordSignUp(input: $input) { __typename ... on RecordSignUpSuccess { user { id } } }
}
"""


def test_hash_miss_then_document_then_hit(api: Api, clean_db: Database) -> None:
    api.data(
        SIGN_UP,
        {
            "input": {
                "id": "apq-1",
                "name": "A",
                "email": "a@example.com",
                "signedUpAt": "2026-01-02T03:04:05Z",
                "country": "NL",
            }
        },
    )
    query = USER + " # a fresh document for this test"
    status, miss = post(api, hashed(query, {"id": "apq-1"}))
    assert status == 200
    assert miss == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    status, first = post(api, {**hashed(query, {"id": "apq-1"}), "query": query})
    assert status == 200
    assert first == {"data": {"user": {"id": "apq-1", "country": "NL"}}}
    status, again = post(api, hashed(query, {"id": "apq-1"}))
    assert (status, again) == (200, first)
    # The remembered document runs under the caller's own role and limits.
    status, analyst = post(api, hashed(query, {"id": "apq-1"}), key=ANALYST_KEY)
    assert status == 200
    assert analyst["data"]["user"]["id"] == "apq-1"


def test_a_hash_that_is_not_the_documents_is_refused(api: Api, clean_db: Database) -> None:
    body = {**hashed("{ __typename }"), "query": "{ networkSummary { users } }"}
    status, answer = post(api, body)
    assert status == 400
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    status, miss = post(api, hashed("{ __typename }"))
    assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_a_mutation_by_hash_runs_once_with_an_idempotency_key(api: Api, clean_db: Database) -> None:
    variables = {
        "input": {
            "id": "apq-2",
            "name": "B",
            "email": "b@example.com",
            "signedUpAt": "2026-01-02T03:04:05Z",
        }
    }
    post(api, {**hashed(SIGN_UP, variables), "query": SIGN_UP})
    # Known now: the same mutation by hash alone, twice under one key, creates one user.
    first = api.client.post(
        "/graphql",
        json=hashed(SIGN_UP, {"input": {**variables["input"], "id": "apq-3"}}),
        headers={"Idempotency-Key": "apq-key-3"},
    )
    second = api.client.post(
        "/graphql",
        json=hashed(SIGN_UP, {"input": {**variables["input"], "id": "apq-3"}}),
        headers={"Idempotency-Key": "apq-key-3"},
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers.get("idempotent-replayed") == "true"
    count = api.data("{ users(first: 100) { totalCount } }")["users"]["totalCount"]
    assert count == 2


def test_a_mutation_by_hash_is_refused_over_get(api: Api, clean_db: Database) -> None:
    post(api, {**hashed(SIGN_UP), "query": SIGN_UP})
    import json

    response = api.client.get(
        "/graphql",
        params={"extensions": json.dumps(hashed(SIGN_UP)["extensions"]), "variables": "{}"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 405
