"""``growthgraph export DIR``: the whole graph written as the files ``growthgraph import`` reads
(``<kind>.csv`` for every kind, the columns of ``loading.files``), so an export is a backup that
the importer restores.

The tables are read in keyset pages (``graph.export``), so memory stays bounded, and written in
one deterministic order (by id; referrals by user, connections by their two users), so two
exports of the same graph are byte for byte the same. Everything is written into a temporary
folder beside ``DIR`` and renamed into place only when complete: a failed export leaves nothing
half-written. A ``DIR`` that exists and holds anything is refused unless ``force``; then it is
replaced as a whole, once the new export is complete.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from growthgraph.graph import export as tables
from growthgraph.graph.database import Database
from growthgraph.loading.files import KINDS, OPTIONAL, REQUIRED, KindName

Progress = Callable[[int], object]
EXPORT_BATCH = 10_000


class ExportRefusedError(Exception):
    """The target exists and is not an empty folder, and ``force`` was not given."""


def cell(value: object) -> str:
    """A value as the importer reads it back: empty for missing, times in UTC with ``Z``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON writes it, and the importer reads it
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return str(value)


def _prepare(target: Path, *, force: bool) -> Path:
    """The absolute target, checked, with its parent folder made."""
    target = target.absolute()
    _check_target(target, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _check_target(target: Path, *, force: bool) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ExportRefusedError(f"{target} exists and is not a folder")
    if not force and any(target.iterdir()):
        raise ExportRefusedError(
            f"{target} is not empty; choose an empty or new folder, or pass --force to replace it"
        )


async def _write_table(
    db: Database, kind: KindName, path: Path, *, batch: int, progress: Progress | None
) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*REQUIRED[kind], *OPTIONAL[kind]])
        async for rows in tables.pages(db, kind, limit=batch):
            writer.writerows([cell(v) for v in row] for row in rows)
            count += len(rows)
            if progress is not None:
                progress(len(rows))
        handle.flush()
        os.fsync(handle.fileno())
    return count


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _move_into_place(built: Path, target: Path) -> None:
    """Rename the complete export to ``target``; an existing (forced) target is moved aside
    first and removed only once the new one is in place."""
    if target.exists() and any(target.iterdir()):
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.replaced-", dir=target.parent))
        target.rename(aside / target.name)
        try:
            built.rename(target)
        except BaseException:
            (aside / target.name).rename(target)  # put the old one back
            raise
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(built, target)  # replaces an empty folder at once
    _fsync_folder(target.parent)


async def export_graph(
    db: Database,
    target: Path,
    *,
    force: bool = False,
    batch: int = EXPORT_BATCH,
    progress_factory: Callable[[int], Progress] | None = None,
) -> dict[KindName, int]:
    """Write every table into ``target``; returns rows written per kind."""
    target = _prepare(target, force=force)
    total = sum((await tables.counts(db)).values())
    progress = progress_factory(total) if progress_factory is not None else None
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.export-", dir=target.parent))
    try:
        written: dict[KindName, int] = {}
        for kind in KINDS:
            written[kind] = await _write_table(
                db, kind, built / f"{kind}.csv", batch=batch, progress=progress
            )
        _fsync_folder(built)
        _check_target(target, force=force)  # nothing appeared there meanwhile
        _move_into_place(built, target)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    return written


def describe(written: dict[KindName, Any]) -> str:
    return ", ".join(f"{n:,} {kind}" for kind, n in written.items())
