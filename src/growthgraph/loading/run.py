"""``growthgraph import DIR``: read, validate, plan against the database, load, report.

Two modes, chosen by whether the database holds any node when the import starts:

- **create** (empty target): the files hold the whole graph. Nodes are created with ``CREATE``,
  and each batch returns the element ids of the nodes it made, so every edge finds its ends by
  element id instead of an index seek. The leaderboard counters (``graph.counters``) are computed
  in memory from the planned referral forest and written with the nodes. Loading overlaps
  reading: once users and referrals are planned, a worker thread reads the invites, conversions
  and connections while the nodes and referral edges load.
- **merge** (anything stored): the files are read whole, the ids they point at are looked up,
  and every write ``MERGE``s; the counters are then refreshed around each new referral edge.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from growthgraph.graph import loading as cypher
from growthgraph.graph.database import Database
from growthgraph.loading import files
from growthgraph.loading.create import create
from growthgraph.loading.files import Reject
from growthgraph.loading.merge import merge
from growthgraph.loading.rows import FileProgress, Options, Outcome, Progress, gc_paused


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    """The rejects report: one CSV line per rejected row (file, line, reason)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["file", "line", "reason"])
        out.writerows([r.file, r.line, r.reason] for r in rejects)


async def run_import(
    db: Database,
    directory: Path,
    *,
    options: Options | None = None,
    progress_factory: Callable[[int], Progress] | None = None,
    recount_factory: Callable[[int], Progress] | None = None,
) -> Outcome:
    """Import every file in ``directory``. Rows already in the database are left as they are,
    so running the same import again writes nothing new. ``progress_factory`` is given the rows
    of the files, ``recount_factory`` the size of the counters' recount after a merge that added
    referral edges; each returns what to call as that work is done."""
    options = options or Options()
    paths = files.find_files(directory)
    empty = await cypher.is_empty(db)
    progress = FileProgress(paths, progress_factory, recount_factory)
    # Millions of long-lived rows, none in a cycle: the cyclic collector would walk all of them
    # again and again while they are read and loaded, for nothing.
    with gc_paused():
        if empty:
            outcome = await create(db, paths, options, progress)
        else:
            outcome = await merge(db, paths, options, progress)
    progress.finish()
    return outcome
