"""A restore or initial load killed while the admin tool ran (the process, not the tool) leaves
the previous database aside; the launcher puts it back before the next start or import."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from growthgraph.loading.initial import staging_folder
from tests.support.local_neo4j import clean_env, local


def _settings(home: Path) -> Any:
    return local.load_settings(
        clean_env({}, GROWTHGRAPH_NEO4J_HOME=str(home), GROWTHGRAPH_NEO4J_INSTANCE="recovery")
    )


def test_a_database_left_aside_by_a_killed_import_is_put_back(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    store: Path
    txlogs: Path
    store, txlogs = local._store_dirs(settings)
    aside = settings.data_dir / ".before-import-20260101-000000"
    for part, text in ((store, "old store"), (txlogs, "old logs")):
        kept = aside / part.parent.name / part.name
        kept.mkdir(parents=True)
        (kept / "file").write_text(text)
    store.mkdir(parents=True)
    (store / "file").write_text("half-written by the admin tool")
    assert local.recover_aside(settings)
    assert (store / "file").read_text() == "old store"
    assert (txlogs / "file").read_text() == "old logs"
    assert not aside.exists()
    assert not local.recover_aside(settings)  # nothing left to do


def test_an_import_into_no_database_that_was_killed_leaves_no_database(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    store, _ = local._store_dirs(settings)
    (settings.data_dir / ".before-import-20260101-000000").mkdir(parents=True)
    store.mkdir(parents=True)
    assert local.recover_aside(settings)
    assert not store.exists()


def test_a_database_set_aside_for_deletion_is_deleted_not_put_back(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    store, _ = local._store_dirs(settings)
    store.mkdir(parents=True)
    (store / "file").write_text("new store")
    discard = settings.data_dir / ".discard-import-20260101-000000"
    (discard / "databases" / "neo4j").mkdir(parents=True)
    assert not local.recover_aside(settings)
    assert not discard.exists()
    assert (store / "file").read_text() == "new store"


def test_the_files_of_a_killed_initial_load_are_deleted_by_the_next(tmp_path: Path) -> None:
    gone = tmp_path / "initial-999999999-abc"
    live = tmp_path / f"initial-{os.getppid()}-def"
    for folder in (gone, live):
        folder.mkdir()
    made = staging_folder(tmp_path)
    assert made.name.startswith(f"initial-{os.getpid()}-")
    assert not gone.exists()
    assert live.exists()  # another running process's load is left alone
