"""An Idempotency-Key request during a Neo4j outage: every answer is coded JSON, and a key whose
outcome could not be recorded never blocks the retry once the database is back. The link to
Neo4j is cut with the test proxy right after the write committed, before its answer is recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph import users
from growthgraph.graph.database import Database
from tests.support.proxy import CuttableProxy, proxied
from tests.support.server import serve

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) { __typename ... on RecordSignUpSuccess { created user { id } } }
}
"""
BODY = {
    "query": SIGN_UP,
    "variables": {
        "input": {
            "id": "outage-1",
            "name": "O",
            "email": "outage-1@example.com",
            "signedUpAt": "2024-06-01T00:00:00Z",
        }
    },
}
HEADERS = {"Idempotency-Key": "k-outage"}


@pytest.fixture
def proxy(settings: Settings) -> Iterator[CuttableProxy]:
    target = urlparse(settings.neo4j_uri)
    assert target.hostname is not None
    assert target.port is not None
    with proxied(target.hostname, target.port) as cuttable:
        yield cuttable


async def wait_ready(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 30
    while (await client.get("/readyz", timeout=30)).status_code != 200:
        assert time.monotonic() < deadline, "the service did not recover"
        await asyncio.sleep(0.2)


def code_of(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/json"), response.text
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


async def test_an_unrecorded_outcome_never_blocks_the_retry(
    settings: Settings, proxy: CuttableProxy, clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_sign_up = users.record_sign_up

    async def then_cut(*args: Any, **kwargs: Any) -> Any:
        done = await record_sign_up(*args, **kwargs)  # committed
        proxy.cut()  # the outage starts before the answer can be recorded
        return done

    monkeypatch.setattr(users, "record_sign_up", then_cut)
    # A long lease: only releasing the claim can free the key within this test.
    through = settings.model_copy(
        update={"neo4j_uri": f"bolt://127.0.0.1:{proxy.port}", "idempotency_lease": 300.0}
    )
    with serve(create_app(through), lifespan="on") as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            first = await client.post("/graphql", json=BODY, headers=HEADERS)
            # The write committed: its answer is given, as JSON, though it could not be recorded.
            assert first.status_code == 200, first.text
            assert first.json()["data"]["recordSignUp"]["created"] is True
            monkeypatch.setattr(users, "record_sign_up", record_sign_up)

            during = await client.post("/graphql", json=BODY, headers=HEADERS)
            assert (during.status_code, code_of(during)) == (503, "SERVICE_UNAVAILABLE")
            query = await client.post(
                "/graphql",
                json={"query": "{ users(first: 1) { edges { cursor } } }"},
                headers=HEADERS,
            )
            assert query.status_code == 200
            assert [e["extensions"]["code"] for e in query.json()["errors"]] == [
                "SERVICE_UNAVAILABLE"
            ]

            proxy.open()
            await wait_ready(client)
            retry = await client.post("/graphql", json=BODY, headers=HEADERS)
            assert retry.status_code == 200, retry.text  # not 409: nothing runs under this key
            assert "idempotent-replayed" not in retry.headers
            # It ran again (the first run's answer was never recorded) and wrote nothing.
            assert retry.json()["data"]["recordSignUp"]["created"] is False
            again = await client.post("/graphql", json=BODY, headers=HEADERS)
            assert again.headers["idempotent-replayed"] == "true"
            assert again.json() == retry.json()
    assert await clean_db.read("MATCH (u:User) RETURN u.id AS id") == [{"id": "outage-1"}]
    keys = await clean_db.read("MATCH (k:IdempotencyKey) RETURN k.state AS state")
    assert keys == [{"state": "done"}]
