"""Find a real Neo4j for the integration and API tiers, in this order:

1. ``NEO4J_URI`` (with ``NEO4J_USER`` / ``NEO4J_PASSWORD``) if set;
2. a ``neo4j`` container through testcontainers when a Docker engine answers;
3. the local Community server of ``neo4j/local.py`` (instance ``test``, its own ports).

There is no fallback to skipping: when none can be had, the session fails with the reason.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker" / "compose.yaml"


def pinned_image() -> str:
    """The Neo4j image tag, pinned once: in docker/compose.yaml."""
    found = re.search(r"^\s*image:\s*(neo4j:\S+)\s*$", COMPOSE.read_text(), re.MULTILINE)
    if found is None:
        raise RuntimeError(f"no neo4j image tag in {COMPOSE}")
    return found.group(1)


TEST_PASSWORD = "growthgraph-test"


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str
    source: str
    stop: Callable[[], None]


def _nothing() -> None:
    return None


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _from_container() -> Neo4jServer:
    from testcontainers.community.neo4j import Neo4jContainer

    image = pinned_image()
    container = Neo4jContainer(image, password=TEST_PASSWORD)
    container.with_env("NEO4J_PLUGINS", '["apoc"]')
    container.start()
    return Neo4jServer(
        uri=container.get_connection_url(),
        user="neo4j",
        password=TEST_PASSWORD,
        source=f"testcontainers ({image})",
        stop=container.stop,
    )


def _local_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GROWTHGRAPH_NEO4J_INSTANCE", "test")
    env.setdefault("GROWTHGRAPH_NEO4J_BOLT_PORT", "17687")
    env.setdefault("GROWTHGRAPH_NEO4J_HTTP_PORT", "17474")
    env.setdefault("GROWTHGRAPH_NEO4J_HEAP", "1g")
    env.setdefault("GROWTHGRAPH_NEO4J_PAGECACHE", "512m")
    env["NEO4J_PASSWORD"] = TEST_PASSWORD
    return env


def _local(cmd: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "neo4j" / "local.py"), cmd],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _from_local() -> Neo4jServer:
    env = _local_env()
    was_running = _local("status", env).returncode == 0
    started = _local("start", env)
    if started.returncode != 0:
        raise RuntimeError(
            "could not start the local Neo4j test instance:\n" + started.stdout + started.stderr
        )

    def stop() -> None:
        if not was_running:
            _local("stop", env)

    return Neo4jServer(
        uri=f"bolt://127.0.0.1:{env['GROWTHGRAPH_NEO4J_BOLT_PORT']}",
        user="neo4j",
        password=TEST_PASSWORD,
        source="local Neo4j Community (neo4j/local.py, instance test)",
        stop=stop,
    )


def provide() -> Neo4jServer:
    uri = os.environ.get("NEO4J_URI")
    if uri:
        return Neo4jServer(
            uri=uri,
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", ""),
            source="NEO4J_URI",
            stop=_nothing,
        )
    if _docker_answers():
        return _from_container()
    return _from_local()


def local_wipe_command() -> str:
    """The shell command that empties the local test instance (it stops it and deletes its data)."""
    env = _local_env()
    names = (
        "GROWTHGRAPH_NEO4J_HOME",
        "GROWTHGRAPH_NEO4J_DATA_DIR",
        "GROWTHGRAPH_NEO4J_INSTANCE",
        "GROWTHGRAPH_NEO4J_BOLT_PORT",
        "GROWTHGRAPH_NEO4J_HTTP_PORT",
    )
    settings = " ".join(f"{name}={shlex.quote(env[name])}" for name in names if env.get(name))
    return f"{settings} .venv/bin/python neo4j/local.py wipe"


def control_local(cmd: str) -> subprocess.CompletedProcess[str]:
    """Run ``neo4j/local.py <cmd>`` (stop, start, status) for the local test instance."""
    return _local(cmd, _local_env())
