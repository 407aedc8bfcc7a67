"""Without API keys every caller is an admin, so the service only ever serves loopback open."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from growthgraph.config import Environment, Settings, is_loopback
from growthgraph.http.auth import hash_key

KEYS = f"admin:{hash_key('k')}"
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104  the address whose refusal is under test


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.6.7", "localhost", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    assert Settings(host=host).open_bind_refusal() is None


@pytest.mark.parametrize("host", [EVERY_INTERFACE, "::", "10.1.2.3", "192.168.0.9", "example.org"])
def test_open_mode_refused_off_loopback(host: str) -> None:
    assert not is_loopback(host)
    refusal = Settings(host=host).open_bind_refusal()
    assert refusal is not None
    assert host in refusal
    assert "GROWTHGRAPH_API_KEYS" in refusal


@pytest.mark.parametrize("host", [EVERY_INTERFACE, "10.1.2.3"])
def test_keys_or_production_allow_any_host(host: str) -> None:
    assert Settings(host=host, api_keys=KEYS).open_bind_refusal() is None
    production = Settings(
        host=host,
        env=Environment.PRODUCTION,
        neo4j_password=SecretStr("a-real-secret"),
        hash_secret=SecretStr("another-real-secret"),
    )
    assert production.open_bind_refusal() is None


def test_serve_refuses_before_touching_anything() -> None:
    # Neo4j is pointed at a closed port: the refusal must come before any connection attempt.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GROWTHGRAPH_", "NEO4J_")) and k not in ("HOST", "PORT")
    }
    env |= {
        "HOST": EVERY_INTERFACE,
        "NEO4J_URI": "bolt://127.0.0.1:9",
        "GROWTHGRAPH_DEMO_DATA": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "growthgraph.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "not serving" in done.stderr
    assert "GROWTHGRAPH_API_KEYS" in done.stderr
