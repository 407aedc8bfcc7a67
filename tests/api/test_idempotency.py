"""Idempotency keys: a retried request is answered from the record, never run twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, WRITER_KEY, Api

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) { __typename ... on RecordSignUpSuccess { created user { id } } }
}
"""
USERS = "MATCH (u:User) WHERE u.id STARTS WITH 'idem-' RETURN u.id AS id ORDER BY id"


def body(uid: str) -> dict[str, Any]:
    return {
        "query": SIGN_UP,
        "variables": {
            "input": {
                "id": uid,
                "name": "I",
                "email": f"{uid}@example.com",
                "signedUpAt": "2024-06-01T00:00:00Z",
            }
        },
    }


def post(api: Api, payload: dict[str, Any], key: str, api_key: str = ADMIN_KEY) -> httpx.Response:
    return api.client.post(
        "/graphql", json=payload, headers={"Idempotency-Key": key, "X-API-Key": api_key}
    )


async def test_a_retry_is_replayed_not_rerun(api: Api, clean_db: Database) -> None:
    first = post(api, body("idem-1"), "k-1")
    assert first.json()["data"]["recordSignUp"]["created"] is True
    assert "idempotent-replayed" not in first.headers
    again = post(api, body("idem-1"), "k-1")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()  # the first answer, created: true, not a second run
    # Without the key the operation runs again, and says it created nothing.
    plain = api.gql(SIGN_UP, body("idem-1")["variables"])
    assert plain["data"]["recordSignUp"]["created"] is False
    assert await clean_db.read(USERS) == [{"id": "idem-1"}]


async def test_reusing_a_key_for_another_request_is_refused(api: Api, clean_db: Database) -> None:
    assert post(api, body("idem-2"), "k-2").status_code == 200
    other = post(api, body("idem-3"), "k-2")
    assert other.status_code == 422
    assert other.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    # Another client's same key is its own.
    mine = post(api, body("idem-3"), "k-2", api_key=WRITER_KEY)
    assert mine.status_code == 200
    assert await clean_db.read(USERS) == [{"id": "idem-2"}, {"id": "idem-3"}]


async def test_refused_requests_do_not_burn_the_key(api: Api, clean_db: Database) -> None:
    broken = post(api, {"query": "mutation { nope }"}, "k-4")
    assert broken.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert await clean_db.read("MATCH (k:IdempotencyKey) RETURN count(k) AS n") == [{"n": 0}]
    bad = api.client.post("/graphql", json=body("idem-5"), headers={"Idempotency-Key": "a b"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "INVALID_IDEMPOTENCY_KEY"


async def test_concurrent_retries_run_once(api: Api, clean_db: Database) -> None:
    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=api.url, timeout=60) as client:
            return client.post(
                "/graphql",
                json=body("idem-6"),
                headers={"Idempotency-Key": "k-6", "X-API-Key": ADMIN_KEY},
            )

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(send, range(12)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 409}
    ran = [r for r in responses if r.status_code == 200 and "idempotent-replayed" not in r.headers]
    assert len(ran) == 1
    assert ran[0].json()["data"]["recordSignUp"]["created"] is True
    in_use = [r for r in responses if r.status_code == 409]
    assert all(
        r.json()["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_IN_USE" for r in in_use
    )
    assert await clean_db.read(USERS) == [{"id": "idem-6"}]
