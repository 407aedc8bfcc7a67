"""``growthgraph serve --workers N`` runs N server processes that answer on one port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from growthgraph.config import Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def test_two_workers_serve_one_port(settings: Settings, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROWTHGRAPH_", "NEO4J_"))}
    env |= {
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "GROWTHGRAPH_DEMO_DATA": "0",
        "GROWTHGRAPH_LOG_LEVEL": "warning",
    }
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "growthgraph.cli", "serve", "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and server.poll() is None:
            workers = _children(server.pid)
            try:
                ready = httpx.get(f"{url}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and len(workers) >= 2:
                break
            time.sleep(0.2)
        assert server.poll() is None, log.read_text()
        assert len(workers) >= 2, workers
        answers = [
            httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=10).json()
            for _ in range(6)
        ]
        assert answers == [{"data": {"__typename": "Query"}}] * 6
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
