"""Real concurrency over HTTP: many clients at once, each on its own connection and thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, Api

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename
    ... on RecordSignUpSuccess { created }
    ... on Error { code }
  }
}
"""
INFLUENCER = """
mutation($id: ID!, $handle: String!) {
  createInfluencer(input: {id: $id, handle: $handle, platform: "tiktok", followers: 10,
                           engagementRate: 0.1}) { __typename }
}
"""
COUNTS = """
MATCH (u:User {id: $id})
OPTIONAL MATCH (src)-[r:REFERRED]->(u)
RETURN count(DISTINCT u) AS users, count(r) AS edges, collect(src.id) AS referrers
"""
CLIENTS = 24


def burst(api: Api, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def post(variables: dict[str, Any]) -> dict[str, Any]:
        with httpx.Client(base_url=api.url, timeout=60, headers={"X-API-Key": ADMIN_KEY}) as c:
            response = c.post("/graphql", json={"query": SIGN_UP, "variables": variables})
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            assert "errors" not in body, body
            return body["data"]["recordSignUp"]  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(post, payloads))


def user(uid: str, referrer: str) -> dict[str, Any]:
    return {
        "input": {
            "id": uid,
            "name": "Race",
            "email": f"{uid}@example.com",
            "signedUpAt": "2024-06-01T00:00:00Z",
            "referrer": {"kind": "INFLUENCER", "id": referrer},
        }
    }


async def test_same_sign_up_at_once_makes_one_user_and_one_edge(
    api: Api, clean_db: Database
) -> None:
    api.data(INFLUENCER, {"id": "inf-race", "handle": "inf-race"})
    results = burst(api, [user("u-race", "inf-race")] * CLIENTS)
    created = [r for r in results if r.get("created") is True]
    assert len(created) == 1, results
    assert all(r["__typename"] == "RecordSignUpSuccess" for r in results), results
    rows = await clean_db.read(COUNTS, {"id": "u-race"})
    assert rows == [{"users": 1, "edges": 1, "referrers": ["inf-race"]}]


async def test_same_referee_from_many_referrers_gets_one_edge(api: Api, clean_db: Database) -> None:
    referrers = [f"inf-r{i}" for i in range(CLIENTS)]
    for rid in referrers:
        api.data(INFLUENCER, {"id": rid, "handle": rid})
    results = burst(api, [user("u-contested", rid) for rid in referrers])
    winners = [r for r in results if r["__typename"] == "RecordSignUpSuccess"]
    assert len([r for r in winners if r["created"]]) == 1, results
    assert {r.get("code") for r in results if r["__typename"] != "RecordSignUpSuccess"} <= {
        "ALREADY_REFERRED"
    }
    rows = await clean_db.read(COUNTS, {"id": "u-contested"})
    assert rows[0]["users"] == 1
    assert rows[0]["edges"] == 1
    assert rows[0]["referrers"][0] in referrers
