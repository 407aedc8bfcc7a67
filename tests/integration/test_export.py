"""``growthgraph export``: the round trip (export, import into an empty database, export again)
gives byte-identical files and the same answer from every analytic; the export reads in pages,
reports progress, and never leaves a half-written or overwritten folder behind."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from growthgraph.config import Settings
from growthgraph.graph import (
    cascades,
    counters,
    fraud,
    growth,
    money,
    network,
    referrals,
    sources,
)
from growthgraph.graph import export as tables
from growthgraph.graph.database import Database
from growthgraph.graph.labels import CostSourceName, Kind
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.privacy import erase_user
from growthgraph.graph.referrals import EARLIEST, LATEST
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from growthgraph.loading.export import ExportRefusedError, export_graph
from growthgraph.loading.files import KINDS
from growthgraph.loading.generate import generate_files
from growthgraph.loading.rows import Options
from growthgraph.loading.run import run_import
from growthgraph.loading.seed_activity import add_activity
from growthgraph.loading.seed_events import add_events
from growthgraph.loading.seed_money import add_costs

ALL_KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]
START = datetime(2023, 12, 1, tzinfo=UTC)
END = datetime(2025, 6, 1, tzinfo=UTC)
MIDDLE = (datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 9, 1, tzinfo=UTC))
ALL_IDS = """
MATCH (n) WHERE n:User OR n:Influencer OR n:Partner
RETURN CASE WHEN n:User THEN 'User' WHEN n:Influencer THEN 'Influencer' ELSE 'Partner' END
         AS label, n.id AS id
ORDER BY label, id
"""


async def analytics(db: Database) -> dict[str, Any]:
    """Every analytic's answer over the whole graph, from the graph/ functions themselves."""
    out: dict[str, Any] = {"counters": await counters.check(db)}
    for degree in range(1, counters.DEPTH + 1):
        for window in ((None, None), MIDDLE):
            out[f"top {degree} {window}"] = await referrals.top_referrers(
                db, degree=degree, limit=100, since=window[0], until=window[1], kinds=ALL_KINDS
            )
        out[f"top {degree} scan"] = await referrals.top_referrers(
            db, degree=degree, limit=100, since=None, until=None, kinds=ALL_KINDS,
            use_counters=False,
        )  # fmt: skip
    nodes = [(Kind(row["label"]), str(row["id"])) for row in await db.read(ALL_IDS)]
    roots = [n for n in nodes if n[0] is not Kind.USER] + [n for n in nodes if n[0] is Kind.USER][
        ::25
    ]
    for kind, rid in roots:
        out[f"cascade {kind} {rid}"] = await referrals.cascade(db, kind, rid, max_depth=50)
        out[f"structure {kind} {rid}"] = await cascades.cascade_stats(db, kind, rid, max_depth=50)
        out[f"generations {kind} {rid}"] = await cascades.generations(
            db, kind, rid, max_generation=10
        )
    for kind, rid in nodes:
        if kind is Kind.USER:
            out[f"path {rid}"] = await referrals.attribution_path(db, rid)
    for user in [rid for kind, rid in nodes if kind is Kind.USER][::10]:
        out[f"pymk {user}"] = await network.people_you_may_know(db, user, limit=20, evidence=5)
    for grouping in growth.CohortGrouping:
        out[f"viral {grouping}"] = await growth.viral_cohort(
            db, start=START, end=END, group_by=grouping, limit=growth.MAX_GROUPS
        )
    for interval in growth.Interval:
        out[f"growth {interval}"] = await growth.growth(db, start=START, end=END, interval=interval)
    cost_kinds: tuple[CostSourceName, ...] = ("INFLUENCER", "PARTNER", "CAMPAIGN")
    for cost_kind in cost_kinds:
        windows = [(START, END, False), (MIDDLE[0], MIDDLE[1], False), (EARLIEST, LATEST, True)]
        for lo, hi, undated in windows:
            out[f"returns {cost_kind} {lo} {hi}"] = await money.source_returns(
                db, cost_kind, start=lo, end=hi, undated=undated
            )
    for kind in (Kind.INFLUENCER, Kind.PARTNER):
        for sort in sources.SourceSort:
            out[f"sources {kind} {sort}"] = await sources.source_performance(
                db, kind, start=START, end=END, max_depth=5, sort=sort, limit=sources.MAX_LIMIT
            )
    out["largest"] = await cascades.largest_cascades(
        db, start=START, end=END, limit=cascades.MAX_LARGEST, max_depth=cascades.MAX_DEPTH
    )
    out["bursts"] = await fraud.bursts_in_period(
        db,
        since=datetime(2024, 3, 1, tzinfo=UTC),
        until=datetime(2024, 3, 31, tzinfo=UTC),
        window=timedelta(hours=6),
        min_sign_ups=2,
    )
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def _from_generated(db: Database, tmp: Path) -> None:
    generate_files(tmp / "generated", users=400, seed=11)
    outcome = await run_import(db, tmp / "generated", options=Options(batch_size=97))
    assert outcome.rejects == []


async def _from_seed(db: Database, tmp: Path) -> None:
    """The demo data's path (``load_dataset``), then an erasure: what the API writes."""
    data = add_events(seed.generate(users=400, seed=5), seed=5)
    data = add_activity(add_costs(data, seed=5), seed=5)
    assert data.activities
    await load_dataset(db, data)
    assert await erase_user(db, "u-000007") is not None


@pytest.mark.parametrize("source", [_from_generated, _from_seed], ids=["generated", "seed"])
async def test_round_trip_keeps_every_answer(
    clean_db: Database, tmp_path: Path, source: Any
) -> None:
    await source(clean_db, tmp_path)
    before = await analytics(clean_db)
    assert before["counters"].differing == 0
    # Answers with something in them, so their equality below means something.
    assert before["top 3 scan"]
    assert before["largest"]
    assert before[f"sources {Kind.INFLUENCER} {sources.SourceSort.REVENUE}"]
    assert any(row.invites_accepted for row in before[f"viral {growth.CohortGrouping.NONE}"])
    assert sum(1 for name, answer in before.items() if name.startswith("pymk") and answer) > 5
    first = await export_graph(clean_db, tmp_path / "first", batch=37)
    assert all(first[kind] > 0 for kind in KINDS), first

    await delete_everything(clean_db)
    restored = await run_import(clean_db, tmp_path / "first", options=Options(batch_size=101))
    assert restored.mode == "create"
    assert restored.rejects == []
    second = await export_graph(clean_db, tmp_path / "second", batch=1_000)

    assert second == first
    assert _files(tmp_path / "second") == _files(tmp_path / "first")
    if source is _from_seed:  # the erased user made the trip, still erased
        users = (tmp_path / "second" / "users.csv").read_text()
        assert "u-000007,[erased],[erased]," in users
    after = await analytics(clean_db)
    assert after.keys() == before.keys()
    for name, answer in before.items():
        assert after[name] == answer, name


async def test_export_pages_report_progress_and_order(clean_db: Database, tmp_path: Path) -> None:
    generate_files(tmp_path / "in", users=120, seed=3)
    await run_import(clean_db, tmp_path / "in")
    totals: list[int] = []
    steps: list[int] = []

    def factory(total: int) -> Any:
        totals.append(total)
        return steps.append

    small = await export_graph(clean_db, tmp_path / "small", batch=3, progress_factory=factory)
    assert totals == [sum(small.values())]
    assert sum(steps) == totals[0]
    for kind in KINDS:  # a page holds what at most 3 keys (nodes, or users with their edges) hold
        async for page in tables.pages(clean_db, kind, limit=3):
            assert 0 < len({row[0] for row in page}) <= 3
    await export_graph(clean_db, tmp_path / "whole", batch=100_000)
    assert _files(tmp_path / "small") == _files(tmp_path / "whole")
    for kind in KINDS:
        lines = (tmp_path / "whole" / f"{kind}.csv").read_text().splitlines()[1:]
        keys = [tuple(line.split(",")[:2]) for line in lines]
        assert keys == sorted(keys), kind


async def test_a_folder_that_holds_anything_is_refused_without_force(
    clean_db: Database, tmp_path: Path
) -> None:
    generate_files(tmp_path / "in", users=50, seed=2)
    await run_import(clean_db, tmp_path / "in")
    target = tmp_path / "backup"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(ExportRefusedError, match="not empty"):
        await export_graph(clean_db, target)
    assert _files(target) == {"notes.txt": b"keep me"}

    written = await export_graph(clean_db, target, force=True)  # replaced as a whole
    assert _names(target) == sorted(f"{k}.csv" for k in KINDS)
    assert written["users"] == 50
    empty = tmp_path / "empty"
    empty.mkdir()
    await export_graph(clean_db, empty)  # an empty folder is fine
    assert _files(empty) == _files(target)
    assert _names(tmp_path) == ["backup", "empty", "in"]


async def test_a_failed_export_leaves_nothing(
    clean_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_files(tmp_path / "in", users=60, seed=4)
    await run_import(clean_db, tmp_path / "in")
    pages = tables.pages

    async def failing(db: Database, name: str, *, limit: int) -> AsyncIterator[list[list[Any]]]:
        async for page in pages(db, name, limit=limit):
            yield page
            if name == "invites":
                raise RuntimeError("the database went away")

    monkeypatch.setattr(tables, "pages", failing)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="went away"):
        await export_graph(clean_db, out, batch=10)
    assert not out.exists()
    old = tmp_path / "old"
    old.mkdir()
    (old / "users.csv").write_text("id\n")
    with pytest.raises(RuntimeError, match="went away"):
        await export_graph(clean_db, old, force=True, batch=10)
    assert _files(old) == {"users.csv": b"id\n"}  # the old export is untouched
    assert _names(tmp_path) == ["in", "old"]  # no temporary folder


async def test_the_command(clean_db: Database, settings: Settings, tmp_path: Path) -> None:
    generate_files(tmp_path / "in", users=40, seed=6)
    await run_import(clean_db, tmp_path / "in")
    env = os.environ | {
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
    }

    def export(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "growthgraph.cli", "export", *args]
        return subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=120
        )

    done = export(str(tmp_path / "out"), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "exported" in done.stdout
    assert "40 users" in done.stdout
    refused = export(str(tmp_path / "out"))
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    forced = export(str(tmp_path / "out"), "--force", "--batch-size", "7", "--quiet")
    assert forced.returncode == 0, forced.stderr
