"""The leaderboard counters (``graph.counters``) after ``growthgraph import``: exact after a
create-mode load, after a re-run and after merge imports that hang new users, and an existing
user with its downline, under referrers already stored. Checked two ways: every stored counter
against what the edges imply, and ``topReferrers`` against networkx on the files' edges."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import networkx as nx
import pytest

from growthgraph.graph import counters, referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.records import ReferrerCount
from growthgraph.loading.generate import generate_files
from growthgraph.loading.rows import Options
from growthgraph.loading.run import run_import
from tests.support import oracle

ALL_KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]
LATE = "2031-01-01T00:00:00Z"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _add_files(graph: nx.DiGraph[oracle.Node], directory: Path) -> None:
    """The nodes and referral edges of one import directory (every row in it is valid)."""
    for name, label in (("influencers.csv", "Influencer"), ("partners.csv", "Partner")):
        if (directory / name).exists():
            for row in _rows(directory / name):
                graph.add_node((label, row["id"]))
    for row in _rows(directory / "users.csv"):
        at = datetime.fromisoformat(row["signedUpAt"])
        graph.add_node(("User", row["id"]), signed_up_at=at)
    for row in _rows(directory / "referrals.csv"):
        referrer = (oracle.LABEL_OF_KIND[row["referrerKind"]], row["referrerId"])
        graph.add_edge(referrer, ("User", row["userId"]))


def _as_nodes(rows: list[ReferrerCount]) -> list[tuple[oracle.Node, int]]:
    return [((r.referrer.kind.value, r.referrer.id), r.sign_ups) for r in rows]


async def _assert_exact(db: Database, graph: nx.DiGraph[oracle.Node]) -> None:
    assert nx.is_branching(graph)
    assert (await counters.check(db)).differing == 0
    for degree in range(1, counters.DEPTH + 1):
        got = await referrals.top_referrers(
            db, degree=degree, limit=40, since=None, until=None, kinds=ALL_KINDS
        )
        want = oracle.top_referrers(graph, degree=degree, limit=40)
        assert want, f"the files should have sign-ups {degree} hops below someone"
        assert _as_nodes(got) == want
    times: list[datetime] = sorted(
        graph.nodes[n]["signed_up_at"] for n in graph.nodes if n[0] == "User"
    )
    for lo, hi in ((0.0, 0.5), (0.4, 1.0)):
        since, until = times[int(lo * (len(times) - 1))], times[int(hi * (len(times) - 1))]
        for degree in (1, 2, 3):
            got = await referrals.top_referrers(
                db, degree=degree, limit=25, since=since, until=until, kinds=ALL_KINDS
            )
            want = oracle.top_referrers(graph, degree=degree, limit=25, since=since, until=until)
            assert _as_nodes(got) == want


async def test_counters_after_create_mode_and_a_re_run(clean_db: Database, tmp_path: Path) -> None:
    directory = tmp_path / "gen"
    generate_files(directory, users=1_500, seed=5)
    graph: nx.DiGraph[oracle.Node] = nx.DiGraph()
    _add_files(graph, directory)

    outcome = await run_import(clean_db, directory, options=Options(batch_size=300, parallel=3))
    assert outcome.mode == "create"
    assert outcome.rejects == []
    await _assert_exact(clean_db, graph)

    again = await run_import(clean_db, directory, options=Options(batch_size=300, parallel=3))
    assert again.mode == "merge"
    await _assert_exact(clean_db, graph)


def _depth(graph: nx.DiGraph[oracle.Node], node: oracle.Node) -> int:
    depth = 0
    while parents := list(graph.predecessors(node)):
        node = parents[0]
        depth += 1
    return depth


@pytest.mark.parametrize("bound", [counters.REFRESH_AT_MOST, 0], ids=["refresh", "rebuild"])
async def test_counters_after_merge_imports_under_stored_referrers(
    clean_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    """New edges are few here: with the usual bound the counters are refreshed around them; with
    a bound of 0 every counter is recomputed instead (what a large merge does)."""
    monkeypatch.setattr(counters, "REFRESH_AT_MOST", bound)
    first = tmp_path / "first"
    generate_files(first, users=1_500, seed=9)
    graph: nx.DiGraph[oracle.Node] = nx.DiGraph()
    _add_files(graph, first)
    assert (await run_import(clean_db, first)).mode == "create"

    users = [n for n in graph.nodes if n[0] == "User"]
    deepest = max(users, key=lambda n: (_depth(graph, n), n[1]))
    assert _depth(graph, deepest) >= counters.DEPTH
    influencer = next(n for n in graph.nodes if n[0] == "Influencer")
    partner = next(n for n in graph.nodes if n[0] == "Partner")
    # A stored user with no referrer but a downline, and an earlier stored user to hang it under.
    root = max(
        (n for n in users if graph.in_degree(n) == 0 and graph.out_degree(n) > 0),
        key=lambda n: (len(nx.descendants(graph, n)), n[1]),
    )
    earlier = next(
        n
        for n in users
        if graph.nodes[n]["signed_up_at"] < graph.nodes[root]["signed_up_at"]
        and _depth(graph, n) >= 2
    )

    second = tmp_path / "second"
    second.mkdir()
    new_users = ["n1", "n2", "n3", "n4", "n5", "n6"]
    (second / "users.csv").write_text(
        "id,name,email,signedUpAt\n"
        + "".join(f"{u},New {u},{u}@example.com,{LATE}\n" for u in new_users)
    )
    (second / "referrals.csv").write_text(
        "userId,referrerKind,referrerId\n"
        f"n1,USER,{deepest[1]}\n"
        "n2,USER,n1\n"
        "n3,USER,n2\n"
        f"n4,INFLUENCER,{influencer[1]}\n"
        "n5,USER,n4\n"
        f"n6,PARTNER,{partner[1]}\n"
        f"{root[1]},USER,{earlier[1]}\n"
    )
    _add_files(graph, second)
    recounts: list[list[int]] = []  # per recount: its announced size, then each step done

    def recount(total: int) -> Callable[[int], object]:
        recounts.append([total])
        return recounts[-1].append

    outcome = await run_import(
        clean_db, second, options=Options(batch_size=2, parallel=2), recount_factory=recount
    )
    assert outcome.mode == "merge"
    assert outcome.rejects == []
    await _assert_exact(clean_db, graph)
    # The recount's progress: every user twice and every source once for a full recount, the
    # seven users given a referrer for a refresh; the steps add up to it.
    sources = sum(1 for n in graph.nodes if n[0] != "User")
    users_now = sum(1 for n in graph.nodes if n[0] == "User")
    size = 2 * users_now + sources if bound == 0 else 7
    assert [(r[0], sum(r[1:])) for r in recounts] == [(size, size)]

    # Both directories again: nothing new, and still exact.
    for directory in (first, second):
        again = await run_import(clean_db, directory)
        assert again.mode == "merge"
    await _assert_exact(clean_db, graph)
