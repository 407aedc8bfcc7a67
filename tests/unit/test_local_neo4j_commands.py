"""The commands of neo4j/local.py and their Makefile targets that need no Java: confirmations
before data is destroyed, and the status of a stopped instance. Each runs on a throwaway home."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.local_neo4j import REPO, SCRIPT, clean_env


@dataclass(frozen=True)
class Home:
    env: dict[str, str]
    data: Path

    def fill(self) -> Path:
        """Give the instance some data to lose."""
        store = self.data / "databases" / "neo4j"
        store.mkdir(parents=True)
        (store / "neostore").write_bytes(b"\0" * 1024)
        return store


@pytest.fixture
def home(tmp_path: Path) -> Home:
    env = clean_env(
        GROWTHGRAPH_NEO4J_HOME=str(tmp_path / "home"),
        GROWTHGRAPH_NEO4J_INSTANCE="unit-commands",
        GROWTHGRAPH_NEO4J_BOLT_PORT="37687",
        GROWTHGRAPH_NEO4J_HTTP_PORT="37474",
    )
    return Home(env, tmp_path / "home" / "instances" / "unit-commands" / "data")


def _local(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=home.env,
        stdin=subprocess.DEVNULL,  # no terminal
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _on_terminal(home: Home, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run local.py with a terminal on stdin, typing ``answer``."""
    main, child = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), *args],
            env=home.env,
            stdin=child,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(child)
        child = -1
        os.write(main, answer.encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(main)
        if child >= 0:
            os.close(child)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _make(home: Home, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        env=home.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


# --- wipe asks first -------------------------------------------------------------------------


def test_wipe_without_a_terminal_or_yes_refuses_and_changes_nothing(home: Home) -> None:
    store = home.fill()
    done = _local(home, "wipe")
    assert done.returncode == 1
    assert "no terminal to confirm on" in done.stderr
    assert "--yes" in done.stderr
    assert "make neo4j-wipe YES=1" in done.stderr
    assert "Nothing was changed" in done.stderr
    assert (store / "neostore").is_file()


def test_wipe_yes_deletes_the_data(home: Home) -> None:
    home.fill()
    done = _local(home, "wipe", "--yes")
    assert done.returncode == 0, done.stderr
    assert not home.data.exists()


def test_wipe_asks_on_a_terminal_and_keeps_the_data_unless_told_yes(home: Home) -> None:
    store = home.fill()
    refused = _on_terminal(home, "n\n", "wipe")
    assert refused.returncode == 1
    assert "This cannot be undone. [y/N]" in refused.stderr
    assert str(home.data) in refused.stderr
    assert "not confirmed; nothing was changed" in refused.stderr
    assert (store / "neostore").is_file()

    confirmed = _on_terminal(home, "y\n", "wipe")
    assert confirmed.returncode == 0, confirmed.stderr
    assert not home.data.exists()


def test_wipe_of_an_instance_without_data_asks_nothing(home: Home) -> None:
    home.data.mkdir(parents=True)
    done = _local(home, "wipe")
    assert done.returncode == 0, done.stderr
    assert not home.data.exists()


def test_make_neo4j_wipe_refuses_without_yes_and_passes_yes_1_through(home: Home) -> None:
    store = home.fill()
    refused = _make(home, "neo4j-wipe")
    assert refused.returncode != 0
    assert "make neo4j-wipe YES=1" in refused.stderr
    assert (store / "neostore").is_file()

    refused = _make(home, "neo4j-wipe", "YES=0")
    assert refused.returncode != 0
    assert (store / "neostore").is_file()

    confirmed = _make(home, "neo4j-wipe", "YES=1")
    assert confirmed.returncode == 0, confirmed.stderr
    assert not home.data.exists()


# --- status of a stopped instance ------------------------------------------------------------


def test_status_of_a_stopped_instance_exits_3_for_scripts(home: Home) -> None:
    done = _local(home, "status")
    assert (done.returncode, done.stdout) == (3, "stopped\n")


def test_make_neo4j_status_of_a_stopped_instance_is_not_an_error(home: Home) -> None:
    done = _make(home, "neo4j-status")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "stopped\n"
    assert "Error" not in done.stderr


def test_make_neo4j_status_still_fails_on_bad_settings(home: Home) -> None:
    done = _make(home, "neo4j-status", "GROWTHGRAPH_NEO4J_BOLT_PORT=70000")
    assert done.returncode != 0
    assert "outside 1-65535" in done.stderr


# --- backup and restore refuse what they cannot do, before anything else ----------------------


def test_restore_needs_an_explicit_file(home: Home) -> None:
    store = home.fill()
    done = _local(home, "restore")
    assert done.returncode == 2
    assert "--from" in done.stderr
    made = _make(home, "restore")
    assert made.returncode != 0
    assert "make restore BACKUP=" in made.stderr
    assert (store / "neostore").is_file()


def test_restore_refuses_a_missing_file(home: Home, tmp_path: Path) -> None:
    store = home.fill()
    done = _local(home, "restore", "--from", str(tmp_path / "nothing.dump"), "--yes")
    assert done.returncode == 1
    assert "nothing.dump is not a file" in done.stderr
    assert (store / "neostore").is_file()


def test_backup_never_overwrites_a_file(home: Home, tmp_path: Path) -> None:
    home.fill()
    existing = tmp_path / "kept.dump"
    existing.write_bytes(b"precious")
    done = _local(home, "backup", "--to", str(existing))
    assert done.returncode == 1
    assert "already exists" in done.stderr
    assert existing.read_bytes() == b"precious"


def test_backup_of_an_instance_without_a_database_says_so(home: Home, tmp_path: Path) -> None:
    done = _local(home, "backup", "--to", str(tmp_path / "x.dump"))
    assert done.returncode == 1
    assert "has no 'neo4j' database to back up" in done.stderr
    assert not (tmp_path / "x.dump").exists()
