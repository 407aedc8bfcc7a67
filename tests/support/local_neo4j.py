"""``neo4j/local.py`` (the Docker-free Neo4j launcher) loaded as a module, and the environment
for running it, or the Makefile targets around it, on a throwaway home."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "neo4j" / "local.py"


def _load() -> Any:
    # The folder is named like the driver package, so load the script by path, not by import.
    spec = importlib.util.spec_from_file_location("growthgraph_local_neo4j", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module while it executes
    spec.loader.exec_module(module)
    return module


local: Any = sys.modules.get("growthgraph_local_neo4j") or _load()


def clean_env(base: Mapping[str, str] | None = None, **settings: str) -> dict[str, str]:
    """``base`` (default: this process's environment) without the launcher's settings, the
    Makefile's confirmations or an enclosing make's flags, plus ``settings``."""
    env = dict(os.environ if base is None else base)
    for name in list(env):
        if name.startswith(("GROWTHGRAPH_NEO4J_", "NEO4J_")) or name in {
            "YES",
            "BACKUP",
            "MAKEFLAGS",
            "MFLAGS",
            "MAKELEVEL",
            "MAKEOVERRIDES",
        }:
            del env[name]
    env.update(settings)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def private_instance_env(
    tmp_path_factory: pytest.TempPathFactory, *, instance: str, password: str, purpose: str
) -> dict[str, str]:
    """The environment of a throwaway instance: the installed jars shared, its own home, data
    and free ports, a small heap. Fails (never skips) when Java or Maven is missing."""
    shared = local.load_settings(
        {"GROWTHGRAPH_NEO4J_HOME": os.environ.get("GROWTHGRAPH_NEO4J_HOME", "")}
    )
    try:
        local.require_tools(maven=not local.is_installed(shared))
        local.install(shared)
    except local.LocalNeo4jError as exc:
        pytest.fail(f"{purpose} need Java and Maven: {exc}", pytrace=False)
    home = tmp_path_factory.mktemp(f"{instance}-home")
    (home / "dist").symlink_to(shared.dist_dir, target_is_directory=True)
    bolt = free_port()
    http = free_port()
    while http == bolt:
        http = free_port()
    return clean_env(
        GROWTHGRAPH_NEO4J_HOME=str(home),
        GROWTHGRAPH_NEO4J_INSTANCE=instance,
        GROWTHGRAPH_NEO4J_BOLT_PORT=str(bolt),
        GROWTHGRAPH_NEO4J_HTTP_PORT=str(http),
        GROWTHGRAPH_NEO4J_HEAP="512m",
        GROWTHGRAPH_NEO4J_PAGECACHE="64m",
        NEO4J_PASSWORD=password,
    )
