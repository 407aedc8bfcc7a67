"""Subscriptions against the running service (``growthgraph serve`` in its own process) with a
real ``graphql-transport-ws`` client: sign-ups arrive in commit order, none lost or doubled across
a restart with ``after``, two processes send the same events in the same order, filters keep
what an independent walk of the same edges says, masking follows the key's role, and refusals
close with their codes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from growthgraph.config import Settings
from growthgraph.graph import users
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.outcomes import Written
from tests.api.conftest import ADMIN_KEY, ANALYST_KEY, API_KEYS
from tests.support.live import gql, next_payloads, open_live, service, subscribe

T0 = datetime(2024, 6, 1, tzinfo=UTC)
SIGN_UPS = """
subscription($after: Int, $filter: SignUpFilter) {
  signUps(after: $after, filter: $filter) {
    seq user { id name } referrerKind referrerId campaignId
  }
}
"""
RECORD = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) { __typename ... on Error { code } }
}
"""


def sign_up_input(uid: str, ref: str | None = None, minutes: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": uid,
        "name": f"Name {uid}",
        "email": f"{uid}@example.com",
        "signedUpAt": (T0 + timedelta(minutes=minutes)).isoformat(),
    }
    if ref is not None:
        data["referrer"] = {"kind": "USER", "id": ref}
    return data


async def record(url: str, uid: str, ref: str | None = None, minutes: int = 0) -> None:
    out = await gql(url, RECORD, {"input": sign_up_input(uid, ref, minutes)}, key=ADMIN_KEY)
    assert out["recordSignUp"]["__typename"] == "RecordSignUpSuccess", out


def seen(payloads: list[Any]) -> list[tuple[int, str]]:
    return [(p["data"]["signUps"]["seq"], p["data"]["signUps"]["user"]["id"]) for p in payloads]


@pytest.fixture
def env() -> dict[str, str]:
    return {"GROWTHGRAPH_API_KEYS": API_KEYS}


async def test_sign_ups_in_order_and_resumed_across_a_restart(
    clean_db: Database, settings: Settings, tmp_path: Path, env: dict[str, str]
) -> None:
    with service(settings, tmp_path, "first", **env) as url:
        ws = await subscribe(url, SIGN_UPS, {"after": 0}, key=ADMIN_KEY)
        for i in range(5):
            await record(url, f"a{i}", None if i == 0 else f"a{i - 1}", minutes=i)
        first = seen(await next_payloads(ws, 5))
        assert first == [(i + 1, f"a{i}") for i in range(5)]
        await ws.close()
    # While no service runs, three more sign-ups are committed (straight to the database).
    for i in range(5, 8):
        outcome = await users.record_sign_up(
            clean_db,
            users.SignUp(
                id=f"a{i}",
                name="N",
                email=f"a{i}@example.com",
                signed_up_at=T0 + timedelta(minutes=i),
                referrer_kind=Kind.USER,
                referrer_id=f"a{i - 1}",
            ),
        )
        assert isinstance(outcome, Written)
    with service(settings, tmp_path, "second", **env) as url:
        last_seq = first[-1][0]
        ws = await subscribe(url, SIGN_UPS, {"after": last_seq}, key=ADMIN_KEY)
        await record(url, "a8", "a7", minutes=8)
        resumed = seen(await next_payloads(ws, 4))
        assert resumed == [(i + 1, f"a{i}") for i in range(5, 9)]
        # Nothing doubled: no fifth message comes.
        with pytest.raises(TimeoutError):
            await next_payloads(ws, 1, wait=1.0)
        await ws.close()


async def test_two_processes_send_the_same_events_in_the_same_order(
    clean_db: Database, settings: Settings, tmp_path: Path, env: dict[str, str]
) -> None:
    with (
        service(settings, tmp_path, "one", **env) as one,
        service(settings, tmp_path, "two", **env) as two,
    ):
        ws_one = await subscribe(one, SIGN_UPS, {"after": 0}, key=ADMIN_KEY)
        ws_two = await subscribe(two, SIGN_UPS, {"after": 0}, key=ADMIN_KEY)
        # Concurrent writes through both processes.
        await asyncio.gather(
            *(record(one if i % 2 else two, f"c{i}", minutes=i) for i in range(12))
        )
        got_one = seen(await next_payloads(ws_one, 12))
        got_two = seen(await next_payloads(ws_two, 12))
        assert got_one == got_two
        assert [s for s, _ in got_one] == list(range(1, 13))
        assert sorted(u for _, u in got_one) == sorted(f"c{i}" for i in range(12))
        await ws_one.close()
        await ws_two.close()


async def test_filters_masking_and_other_subscriptions(
    clean_db: Database, settings: Settings, tmp_path: Path, env: dict[str, str]
) -> None:
    # A small forest: r1 -> x1 -> x2, r1 -> x3, r2 -> y1 (edges listed once, below).
    edges = {"x1": "r1", "x2": "x1", "x3": "r1", "y1": "r2"}

    def under(root: str, uid: str) -> bool:  # the oracle: walk the edges up
        node = edges.get(uid)
        while node is not None:
            if node == root:
                return True
            node = edges.get(node)
        return False

    with service(settings, tmp_path, "filters", **env) as url:
        await record(url, "r1")
        await record(url, "r2")
        subtree = await subscribe(
            url, SIGN_UPS, {"filter": {"referrer": {"kind": "USER", "id": "r1"}}}, key=ANALYST_KEY
        )
        board = await subscribe(
            url,
            "subscription { leaderboard(degree: 1, limit: 2) { seq entries { referrer { id } signUps } } }",
            key=ADMIN_KEY,
        )
        initial = (await next_payloads(board, 1))[0]["data"]["leaderboard"]
        assert initial["entries"] == []
        for i, uid in enumerate(["x1", "x2", "x3", "y1"]):
            await record(url, uid, edges[uid], minutes=i + 1)
        expected = [u for u in ["x1", "x2", "x3", "y1"] if under("r1", u)]
        got = await next_payloads(subtree, len(expected))
        assert [p["data"]["signUps"]["user"]["id"] for p in got] == expected
        # The analyst's events are masked as its queries are.
        assert {p["data"]["signUps"]["user"]["name"] for p in got} == {"[masked]"}
        # The leaderboard is sent again only when it changes; its last state is the oracle's.
        counts: dict[str, int] = {}
        for parent in edges.values():
            counts[parent] = counts.get(parent, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
        latest: dict[str, Any] = initial
        async with asyncio.timeout(20):
            while [(e["referrer"]["id"], e["signUps"]) for e in latest["entries"]] != top:
                latest = (await next_payloads(board, 1))[0]["data"]["leaderboard"]
        assert latest["seq"] >= 6
        for ws in (subtree, board):
            await ws.close()


async def test_refusals_close_with_their_codes(
    clean_db: Database, settings: Settings, tmp_path: Path, env: dict[str, str]
) -> None:
    async def close_code(payload: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        ws = await open_live(url, payload, headers)
        async with asyncio.timeout(10):
            await ws.wait_closed()
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code

    with service(settings, tmp_path, "refusals", GROWTHGRAPH_LIVE_CONNECTIONS="2", **env) as url:
        assert await close_code({}) == 4401  # no key
        assert await close_code({"apiKey": "not-a-key"}) == 4401
        assert await close_code({"apiKey": ADMIN_KEY}, {"X-API-Key": ANALYST_KEY}) == 4401
        # The connection cap per client.
        kept = [await subscribe(url, SIGN_UPS, key=ADMIN_KEY) for _ in range(2)]
        assert await close_code({"apiKey": ADMIN_KEY}) == 4429
        # Another client is not affected; a closed connection frees its place.
        other = await subscribe(url, SIGN_UPS, key=ANALYST_KEY)
        await kept[0].close()
        await asyncio.sleep(0.5)
        again = await subscribe(url, SIGN_UPS, key=ADMIN_KEY)
        # A refused argument is an error for that subscription, with its code.
        await again.send(
            json.dumps(
                {
                    "id": "2",
                    "type": "subscribe",
                    "payload": {"query": "subscription { leaderboard(degree: 9) { seq } }"},
                }
            )
        )
        async with asyncio.timeout(10):
            while True:
                message = json.loads(await again.recv())
                if message.get("id") == "2":
                    break
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # Queries and mutations are not run over the WebSocket.
        await again.send(
            json.dumps({"id": "3", "type": "subscribe", "payload": {"query": "{ __typename }"}})
        )
        async with asyncio.timeout(10):
            while True:
                message = json.loads(await again.recv())
                if message.get("id") == "3" or message.get("type") is None:
                    break
        assert message["type"] == "error", message
        for ws in (kept[1], other, again):
            await ws.close()
