"""The processes the benchmark starts and stops: the local Neo4j instance, growthgraph and the
comparison server, each with its own log file."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from benchenv import REPO, BenchSettings, fail, progress
from loadgen import children

LOCAL_NEO4J = REPO / "neo4j" / "local.py"
APOLLO_DIR = REPO / "bench" / "neo4j-graphql"
READY_TIMEOUT_S = 120.0


def neo4j_env(settings: BenchSettings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GROWTHGRAPH_NEO4J_INSTANCE=settings.neo4j_instance,
        GROWTHGRAPH_NEO4J_BOLT_PORT=str(settings.bolt_port),
        GROWTHGRAPH_NEO4J_HTTP_PORT=str(settings.http_port),
        GROWTHGRAPH_NEO4J_HEAP=settings.neo4j_heap,
        GROWTHGRAPH_NEO4J_PAGECACHE=settings.neo4j_pagecache,
        NEO4J_PASSWORD=settings.neo4j_password,
    )
    return env


def local_neo4j(settings: BenchSettings, action: str, *options: str) -> int:
    """Run ``neo4j/local.py <action> [options]`` for the benchmark's instance; its exit code."""
    result = subprocess.run(
        [sys.executable, str(LOCAL_NEO4J), action, *options],
        env=neo4j_env(settings),
        stdout=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode


def neo4j_pid(settings: BenchSettings) -> int | None:
    """The pid of the benchmark's local instance, for its CPU time (None with NEO4J_URI)."""
    if settings.neo4j_uri is not None:
        return None
    done = subprocess.run(
        [sys.executable, str(LOCAL_NEO4J), "status"],
        env=neo4j_env(settings),
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"running \(pid ([0-9]+)", done.stdout + done.stderr)
    return int(found.group(1)) if found else None


def start_local_neo4j(settings: BenchSettings) -> bool:
    """Start the instance unless it runs already; True when this call started it."""
    if local_neo4j(settings, "status") == 0:
        progress(f"Neo4j instance {settings.neo4j_instance!r} is already running; reusing it")
        return False
    progress(
        f"starting Neo4j instance {settings.neo4j_instance!r} on bolt port {settings.bolt_port} "
        f"(heap {settings.neo4j_heap}, page cache {settings.neo4j_pagecache}); the first start "
        "downloads the jars"
    )
    if local_neo4j(settings, "start") != 0:
        fail("the local Neo4j did not start; see the messages above")
    return True


def stop_local_neo4j(settings: BenchSettings) -> None:
    progress(f"stopping Neo4j instance {settings.neo4j_instance!r}")
    local_neo4j(settings, "stop")


@dataclass
class Server:
    """A server process started by the benchmark."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    log: IO[bytes]

    def peak_rss_kb(self) -> int | None:
        """VmHWM: the peak resident set size of the process so far, in kB."""
        return proc_status_kb(self.process.pid, "VmHWM")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the worker processes when it has any (uvicorn's
        supervisor with --workers N spawns them through multiprocessing), else the process."""
        workers = [pid for pid in children(self.process.pid) if _is_spawned_worker(pid)]
        return workers or [self.process.pid]

    def peak_rss_per_process_kb(self) -> dict[str, int | None]:
        """VmHWM of the process and of each of its workers, in kB."""
        pids = [self.process.pid, *self.worker_pids()]
        return {str(pid): proc_status_kb(pid, "VmHWM") for pid in dict.fromkeys(pids)}

    def rss_kb(self) -> int | None:
        return proc_status_kb(self.process.pid, "VmRSS")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def _is_spawned_worker(pid: int) -> bool:
    """A child started by multiprocessing's spawn (not its resource tracker)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return b"spawn_main" in command


def proc_status_kb(pid: int, field: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def port_in_use(url: str) -> bool:
    parsed = urlsplit(url)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex((parsed.hostname or "127.0.0.1", parsed.port or 80)) == 0


def start_server(
    name: str,
    command: list[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    url: str,
    probe: bytes,
    headers: Mapping[str, str],
    log_dir: Path,
) -> Server:
    """Start a server and wait until it answers ``probe`` (a GraphQL request) with data."""
    if port_in_use(url):
        fail(
            f"something already listens at {url}: a server left from an earlier run? Stop it, "
            "or choose other ports (BENCH_GROWTHGRAPH_PORT, BENCH_APOLLO_PORT)"
        )
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        command, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(name=name, process=process, url=url, log_path=log_path, log=log)
    progress(f"starting {name} (pid {process.pid}), log in {log_path}")
    deadline = time.monotonic() + READY_TIMEOUT_S
    sent = {"content-type": "application/json", **headers}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            fail(f"{name} exited with code {process.returncode}; see {log_path}")
        try:
            answer = httpx.post(url, content=probe, headers=sent, timeout=5)
            if answer.status_code == 200 and json.loads(answer.content).get("data"):
                return server
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    server.stop()
    fail(f"{name} did not answer at {url} within {READY_TIMEOUT_S:.0f}s; see {log_path}")
