"""Consent and erasure survive ``growthgraph export`` and ``import``: the consent flags
``setConsent`` recorded (with their time) and ``erasedAt`` come back with every user, whole user
for whole user; ``peopleYouMayKnow`` leaves out the same users after the trip (checked against
networkx on the connections without them), and ``setConsent`` still refuses the erased. A file
without the new columns (an older export) still imports; a merge of a row that states other
consent is a conflict, and a re-run changes nothing."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path
from typing import Any

import networkx as nx

from growthgraph.graph import network, privacy
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from growthgraph.loading.export import export_graph
from growthgraph.loading.run import run_import
from tests.support.snapshot import snapshot

USERS = "MATCH (u:User) RETURN u.id AS id, properties(u) AS props ORDER BY id"
NEW_COLUMNS = ("consentMarketing", "consentAnalytics", "consentUpdatedAt", "erasedAt")


async def _users(db: Database) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): dict(r["props"]) for r in await db.read(USERS)}


def _ranked(full: nx.Graph[str], excluded: set[str], asker: str) -> list[tuple[str, int, float]]:
    """People ``asker`` may know, from networkx: the excluded users removed (never suggested,
    never a shared connection), degrees counted on every connection."""
    graph = nx.Graph(full.subgraph([u for u in full.nodes if u not in excluded or u == asker]))
    rows: list[tuple[str, int, float]] = []
    for c in graph.nodes:
        if c == asker or graph.has_edge(asker, c):
            continue
        common = list(nx.common_neighbors(graph, asker, c))
        if common:
            rows.append((c, len(common), sum(1 / math.log(full.degree(w)) for w in common)))
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return rows[:100]


async def _check_suggestions(
    db: Database, full: nx.Graph[str], excluded: set[str], askers: list[str]
) -> int:
    """Every asker's suggestions equal networkx's; returns how many suggestions there were."""
    seen = 0
    for asker in askers:
        got = await network.people_you_may_know(db, asker, limit=100, evidence=20)
        assert got is not None
        want = _ranked(full, excluded, asker)
        assert [(s.user.id, s.common) for s in got] == [(c, n) for c, n, _ in want], asker
        for s, (_, _, score) in zip(got, want, strict=True):
            assert math.isclose(s.adamic_adar, score, rel_tol=1e-9)
            assert not {u.id for u in s.shared} & excluded
        seen += len(got)
    return seen


def _strip_new_columns(source: Path, target: Path) -> None:
    """An export as written before it carried consent and erasure: the same files, the users'
    four new columns left out."""
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    with (source / "users.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = [n for n in rows[0] if n not in NEW_COLUMNS]
    with (target / "users.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, names, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


async def test_consent_and_erasure_make_the_round_trip(clean_db: Database, tmp_path: Path) -> None:
    db = clean_db
    data = seed.generate(users=400, seed=5)
    await load_dataset(db, data)
    full: nx.Graph[str] = nx.Graph()
    full.add_nodes_from(u.id for u in data.users)
    full.add_edges_from((c.a, c.b) for c in data.connections)
    degree = Counter(dict(full.degree()))
    busiest = [uid for uid, _ in degree.most_common(12)]
    withdrawn, granted, erased = busiest[0:3], busiest[3:5], busiest[5:8]
    for uid in withdrawn:
        assert isinstance(
            await privacy.set_consent(db, uid, marketing=True, analytics=False), privacy.ConsentSet
        )
    for uid in [*granted, erased[0]]:  # consent given, then (for one) an erasure
        assert isinstance(
            await privacy.set_consent(db, uid, marketing=True, analytics=True), privacy.ConsentSet
        )
    for uid in erased:
        assert await privacy.erase_user(db, uid) is not None
    excluded = {*withdrawn, *erased}
    askers = [uid for uid in degree if uid not in excluded][:60] + withdrawn[:1]

    before = await _users(db)
    assert all(before[u]["consentAnalytics"] is False for u in excluded)
    assert all("erasedAt" in before[u] for u in erased)
    assert all(before[u]["consentAnalytics"] is True for u in granted)
    assert await _check_suggestions(db, full, excluded, askers) > 100
    await export_graph(db, tmp_path / "backup")
    text = (tmp_path / "backup" / "users.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(",".join(NEW_COLUMNS))
    assert f"\n{withdrawn[0]}," in text

    await delete_everything(db)
    restored = await run_import(db, tmp_path / "backup")
    assert restored.mode == "create"
    assert restored.rejects == []
    after = await _users(db)
    assert after == before  # whole users: flags, their time and erasedAt included
    assert await _check_suggestions(db, full, excluded, askers) > 100
    for uid in erased:
        assert isinstance(
            await privacy.set_consent(db, uid, marketing=True, analytics=True), privacy.UserErased
        )
    assert await privacy.get_consent(db, withdrawn[0]) == privacy.ConsentRecord(
        withdrawn[0], True, False, before[withdrawn[0]]["consentUpdatedAt"].to_native()
    )

    # A re-run of the same files in merge mode writes nothing; a row stating other consent than
    # the stored one is a conflict and changes nothing.
    whole = await snapshot(db)
    again = await run_import(db, tmp_path / "backup")
    assert (again.mode, again.rejects) == ("merge", [])
    assert await snapshot(db) == whole
    changed = tmp_path / "changed"
    changed.mkdir()
    lines = text.splitlines(keepends=True)
    line = next(i for i, x in enumerate(lines) if x.startswith(f"{withdrawn[0]},"))
    lines[line] = lines[line].replace(",true,false,", ",true,true,")
    (changed / "users.csv").write_text(lines[0] + lines[line], encoding="utf-8")
    conflict = await run_import(db, changed)
    assert [(r.line, r.reason.split(":")[0]) for r in conflict.rejects] == [(2, "ID_CONFLICT")]
    assert await snapshot(db) == whole
    # The same row without the consent cells says nothing about consent: a re-run.
    cells = lines[line].rstrip("\n").split(",")
    (changed / "users.csv").write_text(
        lines[0] + ",".join([*cells[:-4], "", "", "", ""]) + "\n", encoding="utf-8"
    )
    silent = await run_import(db, changed)
    assert silent.rejects == []
    assert await snapshot(db) == whole


async def test_an_export_without_the_new_columns_still_imports(
    clean_db: Database, tmp_path: Path
) -> None:
    """An older export: no consent recorded after the import, and an erased user known only by
    its ``[erased]`` name and email, which ``peopleYouMayKnow`` still leaves out."""
    db = clean_db
    data = seed.generate(users=200, seed=9)
    await load_dataset(db, data)
    full: nx.Graph[str] = nx.Graph()
    full.add_nodes_from(u.id for u in data.users)
    full.add_edges_from((c.a, c.b) for c in data.connections)
    erased = [uid for uid, _ in Counter(dict(full.degree())).most_common(2)]
    for uid in erased:
        assert await privacy.erase_user(db, uid) is not None
    await export_graph(db, tmp_path / "new")
    _strip_new_columns(tmp_path / "new", tmp_path / "old")

    await delete_everything(db)
    restored = await run_import(db, tmp_path / "old")
    assert restored.rejects == []
    users = await _users(db)
    assert len(users) == 200
    assert not any(k in props for props in users.values() for k in NEW_COLUMNS)
    assert all(users[u]["name"] == users[u]["email"] == privacy.ERASED for u in erased)
    askers = [u for u in full.nodes if u not in erased][:60]
    assert await _check_suggestions(db, full, set(erased), askers) > 30
