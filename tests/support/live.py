"""The service as a real process (``growthgraph serve`` under uvicorn, on a free port) and a real
``graphql-transport-ws`` client (the ``websockets`` package) for the subscription tests."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from growthgraph.config import Settings

PROTOCOL = "graphql-transport-ws"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def service(settings: Settings, log_dir: Path, name: str, **env_more: str) -> Generator[str]:
    """Start ``growthgraph serve`` (one process) against the suite's Neo4j; yields its URL and
    stops it with SIGINT on the way out."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROWTHGRAPH_", "NEO4J_"))}
    env |= {
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GROWTHGRAPH_WORKERS": "1",
        "GROWTHGRAPH_DEMO_DATA": "0",
        "GROWTHGRAPH_LOG_LEVEL": "warning",
        "GROWTHGRAPH_LIVE_POLL_INTERVAL": "0.1",
        "GROWTHGRAPH_RATE_LIMIT": "0",
    }
    env |= env_more
    log = log_dir / f"{name}.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "growthgraph.cli", "serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert server.poll() is None, log.read_text()
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/graphql"


async def open_live(
    url: str, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> ClientConnection:
    """Connect and send ``connection_init``; the caller reads the ack (or the close)."""
    ws = await connect(ws_url(url), subprotocols=[PROTOCOL], additional_headers=headers)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return ws


async def subscribe(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str,
) -> ClientConnection:
    ws = await open_live(url, {"apiKey": key})
    ack = json.loads(await ws.recv())
    assert ack["type"] == "connection_ack", ack
    message = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": message}))
    return ws


async def next_payloads(ws: ClientConnection, n: int, wait: float = 20.0) -> list[Any]:
    """The next ``n`` messages of subscription "1" (``next`` payloads, or an ``error``)."""
    found: list[Any] = []
    async with asyncio.timeout(wait):
        while len(found) < n:
            message = json.loads(await ws.recv())
            if message["type"] in {"next", "error"}:
                found.append(message["payload"])
            elif message["type"] == "complete":
                raise AssertionError(f"completed after {found}")
    return found


async def gql(url: str, query: str, variables: dict[str, Any] | None = None, *, key: str) -> Any:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            f"{url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"X-API-Key": key},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]
