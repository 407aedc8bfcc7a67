"""neo4j/local.py and its Makefile targets on a real Neo4j: what a failed start reports, what
`make run` leaves behind, backup and restore.

Everything runs on the module's own instance (``itest-local``) under a temporary home, on free
ports, sharing only the installed jars; it never touches the suite's ``test`` instance or the
developer's. Java and Maven are required: without them these tests fail, they do not skip.

Each test sets up the state it needs (stopped, running, with data), but a test leaves the server
running when the next one wants it so: every start costs seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

from tests.support.local_neo4j import REPO, SCRIPT, local, private_instance_env

INSTANCE = "itest-local"
PASSWORD = "itest-local-password"


@dataclass(frozen=True)
class Instance:
    env: dict[str, str]
    settings: Any

    @property
    def uri(self) -> str:
        return str(self.settings.bolt_url)

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args],
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,  # no terminal: confirmations need --yes
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def make(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "--no-print-directory", *args],
            cwd=REPO,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def status(self) -> int:
        return self.run("status").returncode

    def start(self) -> None:
        done = self.run("start")
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        done = self.run("stop")
        assert done.returncode == 0, done.stderr

    def driver(self) -> Driver:
        return GraphDatabase.driver(self.uri, auth=("neo4j", PASSWORD))


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    env = private_instance_env(
        tmp_path_factory, instance=INSTANCE, password=PASSWORD, purpose="the local Neo4j tests"
    )
    instance = Instance(env, local.load_settings(env))
    try:
        yield instance
    finally:
        instance.run("stop")
        shutil.rmtree(env["GROWTHGRAPH_NEO4J_HOME"], ignore_errors=True)  # a store preallocates MBs


# --- 1. A failed start reports its real cause ------------------------------------------------


class _Refusing(BaseHTTPRequestHandler):
    """Neo4j's HTTP endpoint as seen with the wrong password: / answers, queries are refused."""

    def do_GET(self) -> None:
        self._reply(200, {"neo4j_version": "5.26.19"})

    def do_POST(self) -> None:
        self._reply(401, {"errors": [{"code": "Neo.ClientError.Security.Unauthorized"}]})

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class Impostor:
    """Another server that took the instance's ports: it answers Bolt's handshake and HTTP like
    a Neo4j with another password would (another instance started on the same ports)."""

    def __init__(self, bolt_port: int, http_port: int) -> None:
        self._stop = threading.Event()
        self._bolt = socket.create_server(("127.0.0.1", bolt_port))
        self._bolt.settimeout(0.2)
        self._http = ThreadingHTTPServer(("127.0.0.1", http_port), _Refusing)
        self._http.daemon_threads = True
        self._threads = [
            threading.Thread(target=self._serve_bolt, daemon=True),
            threading.Thread(target=self._http.serve_forever, args=(0.2,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _serve_bolt(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._bolt.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.settimeout(2)
                conn.recv(20)
                conn.sendall(bytes([0, 0, 8, 5]))  # "let's speak Bolt 5.8"

    def close(self) -> None:
        self._stop.set()
        self._http.shutdown()
        self._http.server_close()
        for thread in self._threads:
            thread.join(5)
        self._bolt.close()


def test_a_port_taken_during_the_start_is_named_and_not_blamed_on_the_password(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance.stop()
    settings = instance.settings
    impostors: list[Impostor] = []
    checked = local._check_ports

    def check_then_lose_the_ports(checking: Any) -> None:
        checked(checking)  # both ports are free here...
        impostors.append(Impostor(checking.bolt_port, checking.http_port))  # ...and now taken

    monkeypatch.setattr(local, "_check_ports", check_then_lose_the_ports)
    try:
        with pytest.raises(local.LocalNeo4jError) as failed:
            local.start(settings)
    finally:
        for impostor in impostors:
            impostor.close()
    message = str(failed.value)
    assert impostors, "the start did not reach the port check"
    assert re.search(
        rf"port ({settings.bolt_port}|{settings.http_port}) is already in use", message
    ), message
    assert "wipe" not in message
    assert "NEO4J_PASSWORD" not in message
    assert local.running_pid(settings) is None  # it exited; nothing is left running


def test_a_wrong_password_is_reported_once_the_server_has_started(instance: Instance) -> None:
    if instance.status() != 0:
        instance.start()
    attached = instance.run("start", NEO4J_PASSWORD="not-the-stored-one")
    assert attached.returncode == 1
    assert "NEO4J_PASSWORD is not the password" in attached.stderr
    instance.stop()

    launched = instance.run("start", NEO4J_PASSWORD="not-the-stored-one")
    assert launched.returncode == 1
    assert "NEO4J_PASSWORD is not the password" in launched.stderr
    assert "wipe" in launched.stderr
    assert (
        instance.status() == 0
    )  # the server is fine (and left running): only the password is wrong


# --- 4. make run, stopped with Ctrl-C, says that Neo4j still runs -----------------------------


def test_make_run_stopped_with_ctrl_c_says_neo4j_still_runs_and_how_to_stop_it(
    instance: Instance, tmp_path: Path
) -> None:
    instance.stop()
    # A stand-in for the virtualenv: the launcher's Python, and a `growthgraph serve` that
    # records the URL it was given and waits for Ctrl-C.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    serving = tmp_path / "serving"
    serve = venv / "bin" / "growthgraph"
    serve.write_text(f'#!/bin/sh\necho "$NEO4J_URI" > {serving}\nexec sleep 600\n')
    serve.chmod(0o755)
    output = tmp_path / "make-run.log"
    with output.open("w") as log:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "-o", "setup", "run", f"VENV={venv}"],
            cwd=REPO,
            env=instance.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if serving.exists() and serving.read_text().strip():
                break
            time.sleep(0.2)
        assert serving.exists(), output.read_text()
        assert serving.read_text().strip() == instance.uri
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    said = output.read_text()
    assert f"the local Neo4j it started is still running ({instance.uri})" in said
    assert f"GROWTHGRAPH_NEO4J_INSTANCE={INSTANCE} make neo4j-stop" in said
    assert instance.status() == 0  # as the README says: it keeps running


# --- 5. backup and restore --------------------------------------------------------------------


def _graph(driver: Driver) -> tuple[list[str], list[str]]:
    """Every node and relationship, as sorted JSON text, to compare graphs exactly."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, properties(r) AS props, b.id AS b"
    )
    return (
        sorted(json.dumps(dict(record), sort_keys=True, default=str) for record in nodes),
        sorted(json.dumps(dict(record), sort_keys=True, default=str) for record in rels),
    )


def test_backup_then_restore_brings_back_the_graph_exactly(
    instance: Instance, tmp_path: Path
) -> None:
    if instance.status() != 0:
        instance.start()
    with instance.driver() as driver:
        driver.execute_query("MATCH (n) DETACH DELETE n")
        driver.execute_query(
            "UNWIND range(1, 6) AS i "
            "CREATE (:Item {id: i, name: 'item-' + i, tags: ['a', toString(i)], w: i / 4.0})"
        )
        driver.execute_query(
            "MATCH (a:Item), (b:Item) WHERE b.id = a.id + 1 "
            "CREATE (a)-[:NEXT {since: date('2026-01-0' + a.id)}]->(b)"
        )
        original = _graph(driver)
    assert len(original[0]) == 6
    assert len(original[1]) == 5

    dump = tmp_path / "dumps" / "round-trip.dump"
    backed_up = instance.run("backup", "--to", str(dump))
    assert backed_up.returncode == 0, backed_up.stderr
    assert backed_up.stdout.strip() == str(dump)
    assert dump.is_file()
    assert instance.status() == 0  # it was running, so it was started again

    with instance.driver() as driver:
        driver.execute_query("MATCH (n:Item) WHERE n.id <= 2 DETACH DELETE n")
        driver.execute_query("MATCH (n:Item {id: 3}) SET n.name = 'changed'")
        driver.execute_query("CREATE (:Other {id: 99})")
        changed = _graph(driver)
    assert changed != original

    refused = instance.run("restore", "--from", str(dump))  # no terminal, no --yes
    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    assert "make restore BACKUP=... YES=1" in refused.stderr
    assert instance.status() == 0
    with instance.driver() as driver:
        assert _graph(driver) == changed

    restored = instance.run("restore", "--from", str(dump), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert instance.status() == 0
    with instance.driver() as driver:
        assert _graph(driver) == original

    # A stopped instance is dumped without being started; make passes BACKUP through.
    instance.stop()
    second = tmp_path / "stopped.dump"
    made = instance.make("backup", f"BACKUP={second}")
    assert made.returncode == 0, made.stderr
    assert second.is_file()
    assert instance.status() == 3


def test_restore_refuses_a_file_that_is_not_a_dump(instance: Instance, tmp_path: Path) -> None:
    if not (instance.settings.data_dir / "databases" / "neo4j").is_dir():
        instance.start()
    before = instance.status()
    bogus = tmp_path / "bogus.dump"
    bogus.write_text("not a dump\n")
    done = instance.run("restore", "--from", str(bogus), "--yes")
    assert done.returncode == 1
    assert "is not a database dump" in done.stderr
    assert instance.status() == before  # nothing was stopped or started
