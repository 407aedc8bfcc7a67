"""The network-analysis job on a real Neo4j: influence (PageRank), communities, betweenness and
weak nodes, each checked against networkx (or by hand), and the job's status and progress."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import pytest
from networkx.algorithms import community as nx_community

from growthgraph.graph import structure, structure_reads
from growthgraph.graph.database import Database
from growthgraph.loading.dataset import (
    ConnectionRow,
    ConversionRow,
    Dataset,
    InviteRow,
    load_dataset,
)
from tests.support import social, structure_oracle
from tests.support.collegemsg import collegemsg_dataset
from tests.support.email_eu import email_eu_user_id, load_email_eu
from tests.support.handmade import handmade

NOW = datetime(2024, 3, 1, tzinfo=UTC)
SCORES = """
MATCH (n) WHERE n:User OR n:Influencer OR n:Partner
RETURN CASE WHEN n:User THEN 'User' WHEN n:Influencer THEN 'Influencer' ELSE 'Partner' END
       AS label, n.id AS id, n.influenceScore AS influence, n.communityId AS community,
       n.betweenness AS betweenness, n.weakNodeScore AS weak, n.networkComputedAt AS at
"""


async def _analyze(
    db: Database, *, now: datetime = NOW, inactive_days: int = 30, batch: int = 500
) -> structure.JobRecord:
    start = await structure.start_job(db, inactive_days=inactive_days, now=now)
    assert start.started
    seen: list[tuple[int, int, str]] = []
    done = await structure.run_job(
        db, start.job, batch=batch, progress=lambda d, t, s: seen.append((d, t, s))
    )
    assert seen, "progress must be reported"
    assert [d for d, _, _ in seen] == sorted(d for d, _, _ in seen)
    assert seen[-1][0] == seen[-1][1] == 2 * (done.nodes or 0)
    return done


async def _scores(db: Database) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["label"], r["id"]): r for r in await db.read(SCORES)}


async def test_influence_is_pagerank_of_the_referral_graph(clean_db: Database) -> None:
    db = clean_db
    data = handmade()
    cm = collegemsg_dataset()
    data.users.extend(cm.users)
    await load_dataset(db, data)
    job = await _analyze(db, batch=700)
    assert job.status == "SUCCEEDED"
    expected = structure_oracle.pagerank(data)
    stored = await _scores(db)
    assert set(stored) == set(expected)
    for key, rank in expected.items():
        assert stored[key]["influence"] == pytest.approx(rank, rel=1e-6, abs=1e-12), key
    assert sum(float(s["influence"]) for s in stored.values()) == pytest.approx(1.0)
    # The leaderboard is PageRank order across kinds (ties by id, then kind).
    top = await structure_reads.top_influence(db, limit=15)
    ranked = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))[:15]
    assert [(t.node.kind.value, t.node.id) for t in top] == [k for k, _ in ranked]
    assert all(t.computed_at == top[0].computed_at for t in top)


@pytest.mark.slow
async def test_communities_on_email_eu_match_departments(clean_db: Database) -> None:
    db = clean_db
    data = social.email_eu_dataset()
    await load_dataset(db, data)
    job = await _analyze(db, batch=400)
    eu = load_email_eu()
    stored = await _scores(db)
    partition = {key[1]: int(s["community"]) for key, s in stored.items()}
    ids = [email_eu_user_id(n) for n in eu.nodes]
    score = structure_oracle.nmi([partition[i] for i in ids], [eu.departments[n] for n in eu.nodes])
    print(
        f"email-Eu-core: {job.communities} communities, NMI vs departments {score:.4f}, modularity {job.modularity:.4f}"
    )
    assert score > 0.5
    # Modularity of the stored partition, by networkx on the same edges, equals the job's.
    graph = social.graph_of(data)
    groups: dict[int, set[str]] = {}
    for uid, cid in partition.items():
        groups.setdefault(cid, set()).add(uid)
    expected_q = nx_community.modularity(graph, groups.values())
    assert job.modularity == pytest.approx(expected_q, abs=1e-9)
    assert expected_q > 0.35
    # Ids are numbered by size, largest first; the listing agrees with the stored ids.
    sizes = Counter(partition.values())
    assert job.communities == len(sizes)
    assert [sizes[c] for c in sorted(sizes)] == sorted(sizes.values(), reverse=True)
    listed = await structure_reads.communities(db, limit=5, members=3)
    assert [(c.id, c.users) for c in listed] == [(c, sizes[c]) for c in range(5)]
    for c in listed:
        assert all(partition[u.user.id] == c.id for u in c.top_users)
    # Average connections per user: 2 |E| / |V|.
    summary = await structure_reads.summary(db)
    assert summary.average_connections == pytest.approx(2 * len(eu.edges) / len(eu.nodes))
    assert job.average_connections == pytest.approx(summary.average_connections)


def _weak_fixture() -> Dataset:
    # Two triangles joined through the bridge b: (a1 a2 a3) - b - (c1 c2 c3), plus an isolated
    # user z. b signed up long ago and did nothing since; a1 is just as old but converted
    # exactly on the inactivity cut-off (counts as active); c1 connected recently.
    old = NOW - timedelta(days=400)
    users = [
        replace(social.user_row(u), signed_up_at=old)
        for u in ("a1", "a2", "a3", "b", "c1", "c2", "c3", "z")
    ]
    # z sent an invite 10 days ago and referred zz 5 days ago; zz signed up then.
    users.append(
        replace(
            social.user_row("zz"),
            signed_up_at=NOW - timedelta(days=5),
            referrer_kind="USER",
            referrer_id="z",
        )
    )
    recent = NOW - timedelta(days=2)
    edges = [
        ("a1", "a2", old),
        ("a1", "a3", old),
        ("a2", "a3", old),
        ("a3", "b", old),
        ("b", "c1", old),
        ("c1", "c2", recent),
        ("c1", "c3", old),
        ("c2", "c3", old),
    ]
    return Dataset(
        users=users,
        connections=[ConnectionRow(x, y, at) for x, y, at in edges],
        conversions=[ConversionRow("cv1", "a1", NOW - timedelta(days=30), 100)],
        invites=[InviteRow("inv1", "USER", "z", NOW - timedelta(days=10))],
    )


async def test_weak_nodes_are_inactive_users_ranked_by_betweenness(clean_db: Database) -> None:
    db = clean_db
    data = _weak_fixture()
    await load_dataset(db, data)
    job = await _analyze(db, inactive_days=30)
    graph = structure_oracle.structure_graph(data)
    between = nx.betweenness_centrality(graph, normalized=False)
    stored = await _scores(db)
    for key, value in between.items():
        assert stored[key]["betweenness"] == pytest.approx(value), key
    # Active: a1 (conversion exactly at the cut-off), c1 and c2 (recent connection). Zero
    # betweenness (a1, a2, c2, c3, z) is never weak. Left: the bridge b, then a3 (and c1 would
    # tie with a3 but is active).
    weak = await structure_reads.weak_nodes(db, limit=10)
    assert [w.user.id for w in weak] == ["b", "a3"]
    assert [w.weak_node_score for w in weak] == pytest.approx(
        [between[("User", "b")], between[("User", "a3")]]
    )
    assert job.weak_nodes == 2
    scores = await structure_reads.user_scores(db, ["a1", "c1", "b", "z", "zz", "ghost"])
    assert set(scores) == {"a1", "c1", "b", "z", "zz"}
    assert scores["z"].last_active_at == NOW - timedelta(days=5)  # the referral, not the invite
    assert scores["zz"].last_active_at == NOW - timedelta(days=5)
    assert scores["b"].last_active_at == NOW - timedelta(days=400)
    assert scores["a1"].last_active_at == NOW - timedelta(days=30)
    assert scores["c1"].last_active_at == NOW - timedelta(days=2)
    assert scores["a1"].weak_node_score is None
    assert scores["c1"].weak_node_score is None
    assert scores["b"].computed_at is not None


async def test_job_start_is_idempotent_and_an_empty_graph_succeeds(clean_db: Database) -> None:
    db = clean_db
    first = await structure.start_job(db, inactive_days=30, now=NOW)
    again = await structure.start_job(db, inactive_days=30, now=NOW + timedelta(minutes=1))
    assert first.started
    assert not again.started
    assert again.job.id == first.job.id
    done = await structure.run_job(db, first.job, batch=100)
    assert (done.status, done.nodes, done.communities, done.average_connections) == (
        "SUCCEEDED",
        0,
        0,
        0.0,
    )
    assert await structure.latest_job(db) == done
    assert await structure.get_job(db, first.job.id) == done
    # A job silent for longer than the stale limit is abandoned when the next one starts.
    stuck = await structure.start_job(db, inactive_days=7, now=NOW + timedelta(hours=1))
    assert stuck.started
    later = await structure.start_job(
        db, inactive_days=7, now=datetime.now(UTC) + structure.STALE_AFTER * 2
    )
    assert later.started
    abandoned = await structure.get_job(db, stuck.job.id)
    assert abandoned is not None
    assert abandoned.status == "FAILED"


async def test_concurrent_starts_start_one_job(clean_db: Database) -> None:
    db = clean_db
    starts = await asyncio.gather(
        *(structure.start_job(db, inactive_days=30, now=NOW) for _ in range(6))
    )
    assert sum(1 for s in starts if s.started) == 1
    assert len({s.job.id for s in starts}) == 1
    rows = await db.read("MATCH (j:NetworkAnalysis) RETURN count(j) AS n")
    assert rows[0]["n"] == 1


def _bounded_betweenness(graph: nx.Graph[Any], cutoff: int) -> dict[Any, float]:
    """Betweenness counting only pairs at most ``cutoff`` hops apart, by enumerating paths."""
    scores = dict.fromkeys(graph.nodes, 0.0)
    nodes = sorted(graph.nodes)
    for i, s in enumerate(nodes):
        for t in nodes[i + 1 :]:
            if not nx.has_path(graph, s, t) or nx.shortest_path_length(graph, s, t) > cutoff:
                continue
            paths = list(nx.all_shortest_paths(graph, s, t))
            for path in paths:
                for v in path[1:-1]:
                    scores[v] += 1 / len(paths)
    return scores


async def test_betweenness_with_a_cutoff(clean_db: Database) -> None:
    db = clean_db
    data = _weak_fixture()
    await load_dataset(db, data)
    start = await structure.start_job(db, inactive_days=30, now=NOW, betweenness_cutoff=2)
    job = await structure.run_job(db, start.job, batch=100)
    assert job.betweenness_cutoff == 2
    expected = _bounded_betweenness(structure_oracle.structure_graph(data), 2)
    assert expected != nx.betweenness_centrality(
        structure_oracle.structure_graph(data), normalized=False
    )
    stored = await _scores(db)
    for key, value in expected.items():
        assert stored[key]["betweenness"] == pytest.approx(value), key


async def test_weak_nodes_are_measured_from_the_job_as_of(clean_db: Database) -> None:
    """A job started 100 days after NOW with asOf NOW finds the hand-worked weak nodes of NOW
    (b, then a3); without asOf it measures from its start, when c1's connection is 102 days old
    and c1 (betweenness tied with a3) is inactive too."""
    db = clean_db
    await load_dataset(db, _weak_fixture())
    later = NOW + timedelta(days=100)
    start = await structure.start_job(db, inactive_days=30, now=later, as_of=NOW)
    assert start.job.as_of == NOW
    done = await structure.run_job(db, start.job, batch=500)
    assert (done.status, done.as_of, done.weak_nodes) == ("SUCCEEDED", NOW, 2)
    weak = await structure_reads.weak_nodes(db, limit=10)
    assert [w.user.id for w in weak] == ["b", "a3"]
    start = await structure.start_job(db, inactive_days=30, now=later)
    assert start.job.as_of == later
    done = await structure.run_job(db, start.job, batch=500)
    assert (done.as_of, done.weak_nodes) == (later, 3)
    weak = await structure_reads.weak_nodes(db, limit=10)
    assert [w.user.id for w in weak] == ["b", "a3", "c1"]
