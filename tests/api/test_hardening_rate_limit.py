"""The rate limit counts identities, not header text (issue 15.3): a key however it is sent, the
address for anonymous callers and failed attempts (those with a smaller budget of their own), and
X-Forwarded-For only from configured proxies.

The server here is uvicorn with ``proxy_headers=False``, as ``growthgraph serve`` runs it: with
uvicorn's default it would believe X-Forwarded-For from any local peer before the app sees it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from growthgraph.app import create_app
from growthgraph.config import Settings
from tests.api.conftest import ADMIN_KEY, API_KEYS, WRITER_KEY

QUERY = {"query": "{ __typename }"}


@contextmanager
def served(settings: Settings, **overrides: Any) -> Generator[httpx.Client]:
    app = create_app(settings.model_copy(update={"api_keys": API_KEYS, **overrides}))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start")
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def statuses(client: httpx.Client, *headers: dict[str, str]) -> list[int]:
    return [client.post("/graphql", json=QUERY, headers=h).status_code for h in headers]


def test_a_key_has_one_budget_however_it_is_presented(settings: Settings) -> None:
    with served(settings, rate_limit=4) as client:
        variants = [
            {"X-API-Key": ADMIN_KEY},
            {"Authorization": f"Bearer {ADMIN_KEY}"},
            {"Authorization": f"Bearer        {ADMIN_KEY}"},
            {"Authorization": "Basic junk", "X-API-Key": ADMIN_KEY},
        ]
        assert statuses(client, *variants) == [200] * 4
        assert statuses(client, *variants) == [429] * 4
        assert statuses(client, {"X-API-Key": WRITER_KEY}) == [200]  # another key, its own


def test_failed_attempts_are_limited_per_address_and_more_strictly(settings: Settings) -> None:
    with served(settings, rate_limit=100, auth_failure_limit=3) as client:
        guesses = [{"X-API-Key": f"guess-{i}"} for i in range(3)]
        assert statuses(client, *guesses) == [401] * 3
        limited = client.post("/graphql", json=QUERY, headers={"X-API-Key": "guess-99"})
        assert limited.status_code == 429
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert statuses(client, {"Authorization": "Bearer guess-100"}) == [429]
        assert statuses(client, {"X-API-Key": ADMIN_KEY}) == [200]  # a real key is not blocked
        # Other paths do not offer a way around: a wrong key there is charged (and refused) too.
        assert client.get("/healthz", headers={"X-API-Key": "guess-101"}).status_code == 429
        assert client.get("/healthz").status_code == 200


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(settings: Settings) -> None:
    spoofed = [{"X-Forwarded-For": f"203.0.113.{i}"} for i in range(4)]
    with served(settings, rate_limit=3, public_aggregates=True) as client:
        # Anonymous callers from one address share its budget whatever they claim.
        assert statuses(client, *spoofed) == [200, 200, 200, 429]
    with served(
        settings, rate_limit=3, public_aggregates=True, trusted_proxies="127.0.0.1"
    ) as client:
        # Behind a configured proxy, each forwarded client has its own.
        assert statuses(client, *spoofed) == [200] * 4
        same = {"X-Forwarded-For": "198.51.100.7"}
        assert statuses(client, same, same, same, same) == [200, 200, 200, 429]
        # A client cannot escape by prepending: the nearest untrusted hop counts.
        prepended = {"X-Forwarded-For": "192.0.2.1, 198.51.100.7"}
        assert statuses(client, prepended) == [429]


def test_anonymous_refusals_are_counted_too(settings: Settings) -> None:
    with served(settings, rate_limit=2) as client:
        assert statuses(client, {}, {}, {}) == [401, 401, 429]
