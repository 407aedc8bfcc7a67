"""Idempotency records: a running request holds its key under a lease it renews, so the key of a
process killed mid-request frees as soon as the lease lapses (not after a fixed minute);
records are purged after the retention period (at start-up and periodically) and count as absent
once past it; a query sent with the header is never recorded."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, Api
from tests.support.server import serve

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) { __typename ... on RecordSignUpSuccess { created } }
}
"""
REFERRER = "lease-ref"
PENDING = "MATCH (k:IdempotencyKey {state: 'pending'}) RETURN count(k) AS n"


def payload(uid: str, referrer: str | None = None) -> bytes:
    data: dict[str, Any] = {
        "id": uid,
        "name": "L",
        "email": f"{uid}@example.com",
        "signedUpAt": "2024-06-02T00:00:00Z",
    }
    if referrer is not None:
        data["referrer"] = {"kind": "USER", "id": referrer}
    return json.dumps({"query": SIGN_UP, "variables": {"input": data}}).encode()


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def post(
    client: httpx.AsyncClient, body: bytes, key: str, api_key: str | None = None
) -> httpx.Response:
    headers = {"Idempotency-Key": key, "content-type": "application/json"}
    if api_key is not None:
        headers["X-API-Key"] = api_key
    return await client.post("/graphql", content=body, headers=headers)


async def eventually(check: Callable[[], Awaitable[bool]], within: float, what: str) -> float:
    """Wait until ``check`` holds; returns how long it took."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, f"not within {within} s: {what}"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


@asynccontextmanager
async def locked(db: Database, user_id: str) -> AsyncGenerator[None]:
    """Hold a write lock on a user: a sign-up it refers waits (its counters lock the referrer)."""
    taken = asyncio.Event()
    done = asyncio.Event()

    async def hold(tx: Any) -> None:  # the driver's managed transaction
        await (await tx.run("MATCH (u:User {id: $id}) SET u._lock = true", id=user_id)).consume()
        await (await tx.run("MATCH (u:User {id: $id}) REMOVE u._lock", id=user_id)).consume()
        taken.set()
        await done.wait()

    holder = asyncio.ensure_future(db.write_tx(hold))
    await taken.wait()
    try:
        yield
    finally:
        done.set()
        await holder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def pending_count(db: Database) -> int:
    return int((await db.read(PENDING))[0]["n"])


async def test_a_killed_holder_frees_its_key_once_its_lease_lapses(
    settings: Settings, clean_db: Database, tmp_path: Path
) -> None:
    await clean_db.write(
        "CREATE (:User {id: $id, name: 'R', email: 'r@example.com', "
        "signedUpAt: datetime('2024-06-01T00:00:00Z')})",
        {"id": REFERRER},
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROWTHGRAPH_", "NEO4J_"))}
    env |= {
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GROWTHGRAPH_DEMO_DATA": "0",
        "GROWTHGRAPH_LOG_LEVEL": "warning",
        "GROWTHGRAPH_IDEMPOTENCY_LEASE": "2",
    }
    body = payload("lease-killed", REFERRER)
    with (tmp_path / "serve.log").open("w") as out:
        server = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "growthgraph.cli", "serve", "--workers", "1"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

            async def ready() -> bool:
                assert server.returncode is None, (tmp_path / "serve.log").read_text()
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, 120, "the server answers")
            async with locked(clean_db, REFERRER):
                running = asyncio.ensure_future(post(client, body, "k-killed"))
                await eventually(
                    lambda: has_pending(clean_db), 30, "the request holds its key and waits"
                )
                server.kill()  # mid-request: nothing will complete or release the claim
                await server.wait()
                await asyncio.gather(running, return_exceptions=True)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    killed_at = time.monotonic()
    assert await pending_count(clean_db) == 1

    app = create_app(settings.model_copy(update={"idempotency_lease": 2.0}))
    with serve(app, lifespan="on") as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            answers: list[httpx.Response] = []

            async def runs() -> bool:
                answers.append(await post(client, body, "k-killed"))
                if answers[-1].status_code == 409:
                    return False
                assert answers[-1].status_code == 200, answers[-1].text
                return True

            await eventually(runs, 10, "the dead holder's key frees (lease 2 s)")
    assert time.monotonic() - killed_at < 10
    assert answers[-1].json()["data"]["recordSignUp"]["created"] is True
    assert {r.status_code for r in answers[:-1]} <= {409}
    users = await clean_db.read("MATCH (u:User {id: 'lease-killed'}) RETURN count(u) AS n")
    assert users == [{"n": 1}]


async def has_pending(db: Database) -> bool:
    return await pending_count(db) == 1


async def test_a_running_request_keeps_its_key_past_the_lease(
    settings: Settings, clean_db: Database
) -> None:
    await clean_db.write(
        "CREATE (:User {id: $id, name: 'R', email: 'r@example.com', "
        "signedUpAt: datetime('2024-06-01T00:00:00Z')})",
        {"id": REFERRER},
    )
    body = payload("lease-long", REFERRER)
    app = create_app(settings.model_copy(update={"idempotency_lease": 1.0}))
    with serve(app, lifespan="on") as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            async with locked(clean_db, REFERRER):
                running = asyncio.ensure_future(post(client, body, "k-long"))
                await eventually(lambda: has_pending(clean_db), 30, "the request holds its key")
                started = time.monotonic()
                while time.monotonic() - started < 3.5:  # several leases long
                    retry = await post(client, body, "k-long")
                    assert retry.status_code == 409, retry.text
                    assert not running.done()
                    await asyncio.sleep(0.3)
            first = await running
            assert first.json()["data"]["recordSignUp"]["created"] is True
            replay = await post(client, body, "k-long")
            assert replay.headers["idempotent-replayed"] == "true"
            assert replay.json() == first.json()
    users = await clean_db.read("MATCH (u:User {id: 'lease-long'}) RETURN count(u) AS n")
    assert users == [{"n": 1}]


QUERY = "{ users(first: 1) { edges { cursor } } }"
BOTH = 'query Read { users(first: 1) { edges { cursor } } } mutation Write { createPartner(input: {id: "p-both", name: "B", kind: AFFILIATE}) { __typename } }'


async def test_queries_are_never_recorded(api: Api, clean_db: Database) -> None:
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as client:
        for body in (
            {"query": QUERY},
            {"query": "{ __typename }"},
            {"query": BOTH, "operationName": "Read"},
        ):
            answer = await post(client, json.dumps(body).encode(), "k-read", ADMIN_KEY)
            assert answer.status_code == 200, answer.text  # never IDEMPOTENCY_KEY_REUSED
            assert "errors" not in answer.json()
            assert "idempotent-replayed" not in answer.headers
        assert await clean_db.read("MATCH (k:IdempotencyKey) RETURN count(k) AS n") == [{"n": 0}]
        write = json.dumps({"query": BOTH, "operationName": "Write"}).encode()
        assert (await post(client, write, "k-write", ADMIN_KEY)).status_code == 200
        stored = await clean_db.read("MATCH (k:IdempotencyKey) RETURN k.fingerprint AS f")
        assert stored == [{"f": fingerprint(write)}]


BACKDATE = """
MATCH (k:IdempotencyKey {fingerprint: $fingerprint})
SET k.at = datetime() - duration({seconds: $seconds})
"""
RECORDS = "MATCH (k:IdempotencyKey) RETURN k.fingerprint AS f ORDER BY f"


async def test_records_are_purged_after_the_retention(
    api: Api, settings: Settings, clean_db: Database
) -> None:
    old, young = payload("ret-old"), payload("ret-young")
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as client:
        for body, key in ((old, "k-old"), (young, "k-young")):
            assert (await post(client, body, key, ADMIN_KEY)).status_code == 200
    day = 86_400.0
    await clean_db.write(BACKDATE, {"fingerprint": fingerprint(old), "seconds": 2 * day})
    await clean_db.write(BACKDATE, {"fingerprint": fingerprint(young), "seconds": day / 2})

    async def only_young() -> bool:
        return await clean_db.read(RECORDS) == [{"f": fingerprint(young)}]

    # Start-up purges what is older than the retention (one day here); younger records stay.
    aged = settings.model_copy(update={"idempotency_retention": day})
    with serve(create_app(aged), lifespan="on"):
        await eventually(only_young, 15, "the start-up purge removes the old record")
    assert await only_young()

    # Then periodically: with a retention of 2 s, a record goes within a few seconds.
    short = settings.model_copy(update={"idempotency_retention": 2.0})
    with serve(create_app(short), lifespan="on") as url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            fresh = payload("ret-fresh")
            assert (await post(client, fresh, "k-fresh")).status_code == 200
            assert {"f": fingerprint(fresh)} in await clean_db.read(RECORDS)

            async def none_left() -> bool:
                return await clean_db.read(RECORDS) == []

            await eventually(none_left, 15, "the periodic purge removes expired records")


async def test_a_record_past_the_retention_counts_as_absent(api: Api, clean_db: Database) -> None:
    first, other = payload("abs-1"), payload("abs-2")
    async with httpx.AsyncClient(base_url=api.url, timeout=60) as client:
        assert (await post(client, first, "k-abs", ADMIN_KEY)).status_code == 200
        assert (await post(client, other, "k-abs", ADMIN_KEY)).status_code == 422
        # Past the retention (one day by default), even before a purge runs: the key is free.
        await clean_db.write(BACKDATE, {"fingerprint": fingerprint(first), "seconds": 2 * 86_400})
        reused = await post(client, other, "k-abs", ADMIN_KEY)
        assert reused.status_code == 200, reused.text
        assert "idempotent-replayed" not in reused.headers
        assert reused.json()["data"]["recordSignUp"]["created"] is True
    assert await clean_db.read(RECORDS) == [{"f": fingerprint(other)}]
