"""What the benchmark ran on: CPU, memory, load, and the versions of everything measured."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, LiteralString

from benchenv import REPO
from growthgraph.graph.database import Database

PYTHON_PACKAGES = (
    "growthgraph",
    "strawberry-graphql",
    "starlette",
    "uvicorn",
    "uvloop",
    "neo4j",
    "neo4j-rust-ext",
    "graphql-core",
    "httpx",
)
NPM_PACKAGES = ("@neo4j/graphql", "@apollo/server", "graphql", "neo4j-driver")
COMPONENTS: LiteralString = "CALL dbms.components() YIELD name, versions, edition RETURN *"


def _first_line(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": _mem_total_gib(),
        "os": platform.platform(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def _npm_version(name: str) -> str | None:
    path = REPO / "bench" / "neo4j-graphql" / "node_modules" / name / "package.json"
    try:
        return str(json.loads(path.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def _python_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


async def versions(db: Database) -> dict[str, Any]:
    rows = await db.read(COMPONENTS)
    neo4j = [f"{r['name']} {', '.join(r['versions'])} {r['edition']}" for r in rows]
    commit = _first_line(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = _first_line(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"])
    return {
        "growthgraph_commit": f"{commit}{' (uncommitted changes)' if dirty else ''}",
        "neo4j": neo4j,
        "java": _first_line(["java", "-version"]),
        "python": platform.python_version(),
        "node": _first_line(["node", "--version"]),
        "python_packages": {name: _python_version(name) for name in PYTHON_PACKAGES},
        "npm_packages": {name: _npm_version(name) for name in NPM_PACKAGES},
    }
