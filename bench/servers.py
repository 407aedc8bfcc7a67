"""How the benchmark starts growthgraph and the comparison server against the same database."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import sys
from pathlib import Path

from benchenv import REPO, BenchSettings
from processes import APOLLO_DIR, Server, start_server

GROWTHGRAPH = Path(sys.executable).parent / "growthgraph"
PROBE = json.dumps({"query": "{ __typename }"}).encode()
COUNTERS_SETTING = "GROWTHGRAPH_REFERRAL_COUNTERS"
APOLLO_POOL_SIZE = 50  # growthgraph's default GROWTHGRAPH_NEO4J_POOL_SIZE


class ApiKey:
    """An admin key made for one run: growthgraph checks it like a production key."""

    def __init__(self) -> None:
        self.secret = secrets.token_urlsafe(24)
        self.setting = "admin:" + hashlib.sha256(self.secret.encode()).hexdigest()

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.secret}


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def growthgraph_env(
    settings: BenchSettings, uri: str, key: ApiKey, port: int, *, counters: bool
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GROWTHGRAPH_")}
    env.update(
        NEO4J_URI=uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        NEO4J_DATABASE=settings.neo4j_database,
        HOST="127.0.0.1",
        PORT=str(port),
        GROWTHGRAPH_DEMO_DATA="false",
        GROWTHGRAPH_RATE_LIMIT="0",  # 0 turns the per-client limit off
        GROWTHGRAPH_API_KEYS=key.setting,
        GROWTHGRAPH_LOG_LEVEL="warning",  # no access log line per request
        GROWTHGRAPH_QUERY_TIMEOUT=str(int(settings.timeout_s)),
        GROWTHGRAPH_REQUEST_TIMEOUT=str(int(settings.timeout_s)),
        GROWTHGRAPH_NEO4J_ACQUIRE_TIMEOUT="60",
        GROWTHGRAPH_PLAYGROUND="false",
        **{COUNTERS_SETTING: "true" if counters else "false"},
    )
    if settings.growthgraph_workers:
        env["GROWTHGRAPH_WORKERS"] = str(settings.growthgraph_workers)
    return env


def growthgraph_command() -> list[str]:
    return [str(GROWTHGRAPH), "serve"]


def start_growthgraph(
    settings: BenchSettings, uri: str, key: ApiKey, *, counters: bool, log_dir: Path
) -> Server:
    port = settings.growthgraph_port or free_port()
    return start_server(
        f"growthgraph-counters-{'on' if counters else 'off'}",
        growthgraph_command(),
        env=growthgraph_env(settings, uri, key, port, counters=counters),
        cwd=REPO,
        url=f"http://127.0.0.1:{port}/graphql",
        probe=PROBE,
        headers=key.headers,
        log_dir=log_dir,
    )


def apollo_command() -> list[str]:
    return ["node", "server.mjs"]


def start_apollo(settings: BenchSettings, uri: str, *, log_dir: Path) -> Server:
    port = settings.apollo_port or free_port()
    env = dict(os.environ)
    env.update(
        NEO4J_URI=uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=settings.neo4j_password,
        NEO4J_DATABASE=settings.neo4j_database,
        PORT=str(port),
        NODE_ENV="production",
        BENCH_APOLLO_POOL_SIZE=str(APOLLO_POOL_SIZE),
    )
    return start_server(
        "neo4j-graphql",
        apollo_command(),
        env=env,
        cwd=APOLLO_DIR,
        url=f"http://127.0.0.1:{port}/",
        probe=PROBE,
        headers={},
        log_dir=log_dir,
    )
