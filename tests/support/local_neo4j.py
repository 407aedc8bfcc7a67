"""``neo4j/local.py`` (the Docker-free Neo4j launcher) loaded as a module, and the environment
for running it, or the Makefile targets around it, on a throwaway home."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
