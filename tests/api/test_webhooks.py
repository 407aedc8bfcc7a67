"""Webhooks against two running service processes and a receiver on loopback that fails some
deliveries: every change of the registered kinds arrives signed (checked with an independent
HMAC), failed attempts are retried with backoff until accepted, each delivery is accepted exactly
once although two processes send, and the records say what happened."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from growthgraph.config import Settings
from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, API_KEYS, WRITER_KEY
from tests.support.live import free_port, gql, service

SECRET = "a-webhook-secret-of-some-length"
FAILS_BEFORE_OK = 2  # the receiver answers 500 to the first two attempts of each delivery


class Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attempts: Counter[str] = Counter()
        self.accepted: list[dict[str, Any]] = []  # one per 2xx answer given
        self.bad_signatures = 0


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"])).decode()
            header = self.headers["Growthgraph-Signature"]
            parts = dict(item.split("=", 1) for item in header.split(","))
            mac = hmac.new(SECRET.encode(), f"{parts['t']}.{body}".encode(), hashlib.sha256)
            delivery = self.headers["Growthgraph-Delivery"]
            with state.lock:
                if not hmac.compare_digest(mac.hexdigest(), parts["v1"]):
                    state.bad_signatures += 1
                state.attempts[delivery] += 1
                ok = self.path == "/hook" and state.attempts[delivery] > FAILS_BEFORE_OK
                if ok:
                    state.accepted.append({"delivery": delivery, **json.loads(body)})
            self.send_response(200 if ok else 500)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        server.shutdown()
        server.server_close()


CREATE = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    __typename ... on CreateWebhookSuccess { created webhook { id kinds } } ... on Error { code }
  }
}
"""
SIGN_UP = """
mutation($input: RecordSignUpInput!) { recordSignUp(input: $input) { __typename } }
"""
DELIVERIES = """
query($id: ID!) { webhookDeliveries(webhookId: $id, limit: 100) {
  id seq kind status attempts lastStatusCode lastError } }
"""


async def test_deliveries_signed_retried_recorded_once_across_processes(
    clean_db: Database, settings: Settings, tmp_path: Path, receiver: tuple[str, Receiver]
) -> None:
    base, state = receiver
    env = {
        "GROWTHGRAPH_API_KEYS": API_KEYS,
        "GROWTHGRAPH_WEBHOOK_BACKOFF": "0.2",
        "GROWTHGRAPH_WEBHOOK_ATTEMPTS": "4",
    }
    with (
        service(settings, tmp_path, "hooks-one", **env) as one,
        service(settings, tmp_path, "hooks-two", **env) as two,
    ):
        hook = {"id": "h1", "url": f"{base}/hook", "kinds": ["SIGN_UP"], "secret": SECRET}
        out = await gql(one, CREATE, {"input": hook}, key=ADMIN_KEY)
        assert out["createWebhook"]["created"] is True
        dead = {"id": "h2", "url": f"{base}/down", "kinds": ["SIGN_UP"], "secret": SECRET}
        await gql(one, CREATE, {"input": dead}, key=ADMIN_KEY)
        # Registration is the admin's: a writer is refused.
        refused = await _post(one, CREATE, {"input": hook | {"id": "h3"}}, WRITER_KEY)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        ids = [f"w{i}" for i in range(5)]
        for i, uid in enumerate(ids):
            user = {
                "id": uid,
                "name": "N",
                "email": f"{uid}@example.com",
                "signedUpAt": f"2024-01-01T00:0{i}:00Z",
            }
            await gql(two if i % 2 else one, SIGN_UP, {"input": user}, key=WRITER_KEY)
        async with asyncio.timeout(60):
            while True:
                records = (await gql(one, DELIVERIES, {"id": "h2"}, key=ADMIN_KEY))[
                    "webhookDeliveries"
                ]
                done = [r for r in records if r["status"] == "FAILED"]
                with state.lock:
                    accepted = len(state.accepted)
                if accepted >= len(ids) and len(done) == len(ids):
                    break
                await asyncio.sleep(0.3)
        await asyncio.sleep(1.0)  # anything doubled would arrive now
    with state.lock:
        assert state.bad_signatures == 0
        delivered = sorted(state.accepted, key=lambda a: a["seq"])
        # Each change accepted exactly once, although two processes send and some attempts fail.
        assert [a["delivery"] for a in delivered] == [f"h1:{s}" for s in range(1, 6)]
        assert [a["data"]["userId"] for a in delivered] == ids
        assert {state.attempts[f"h1:{s}"] for s in range(1, 6)} == {FAILS_BEFORE_OK + 1}
        assert {state.attempts[f"h2:{s}"] for s in range(1, 6)} == {4}
    # The records, read through a fresh process, say the same.
    with service(settings, tmp_path, "hooks-three", **env) as three:
        good = (await gql(three, DELIVERIES, {"id": "h1"}, key=ADMIN_KEY))["webhookDeliveries"]
        bad = (await gql(three, DELIVERIES, {"id": "h2"}, key=ADMIN_KEY))["webhookDeliveries"]
    assert [(r["seq"], r["status"], r["attempts"], r["lastStatusCode"]) for r in good] == [
        (s, "DELIVERED", FAILS_BEFORE_OK + 1, 200) for s in range(5, 0, -1)
    ]
    assert {(r["status"], r["attempts"], r["lastError"]) for r in bad} == {
        ("FAILED", 4, "HTTP 500")
    }


async def _post(url: str, query: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{url}/graphql",
            json={"query": query, "variables": variables},
            headers={"X-API-Key": key},
        )
    body: dict[str, Any] = response.json()
    return body
