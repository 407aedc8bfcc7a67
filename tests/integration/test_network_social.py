"""connectUsers and people-you-may-know on a real Neo4j, against networkx and hand-worked graphs."""

from __future__ import annotations

import asyncio
import math
import random
from datetime import UTC, datetime

import networkx as nx
import pytest

from growthgraph.graph import network
from growthgraph.graph.database import Database
from growthgraph.loading.dataset import load_dataset
from tests.support import social
from tests.support.email_eu import email_eu_user_id, load_email_eu
from tests.support.snapshot import snapshot

AT = datetime(2024, 6, 1, 9, tzinfo=UTC)
COUNT_EDGES = "MATCH (:User)-[r:CONNECTED_TO]->(:User) RETURN count(r) AS n"


async def _edges(db: Database) -> int:
    return int((await db.read(COUNT_EDGES))[0]["n"])


async def test_connect_is_undirected_stored_once_and_idempotent(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, social.social_dataset(["u2", "u1", "u3"], []))
    first = await network.connect_users(db, "u2", "u1", AT)
    assert isinstance(first, network.Connection)
    assert first.created
    assert (first.a.id, first.b.id, first.at) == ("u1", "u2", AT)
    before = await snapshot(db)
    # The same pair either way round, with or without another time: the first edge stands.
    for a, b, at in (
        ("u1", "u2", AT),
        ("u2", "u1", None),
        ("u1", "u2", datetime(2030, 1, 1, tzinfo=UTC)),
    ):
        again = await network.connect_users(db, a, b, at)
        assert isinstance(again, network.Connection)
        assert not again.created
        assert again.at == AT
    assert await snapshot(db) == before
    rows = await db.read("MATCH (a:User)-[r:CONNECTED_TO]->(b:User) RETURN a.id AS a, b.id AS b")
    assert rows == [{"a": "u1", "b": "u2"}]


async def test_connect_refusals_write_nothing(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, social.social_dataset(["u1", "u2"], []))
    before = await snapshot(db)
    out = await network.connect_users(db, "u1", "ghost", AT)
    assert out == network.UnknownUsers(("ghost",))
    out = await network.connect_users(db, "zz", "aa", AT)
    assert out == network.UnknownUsers(("aa", "zz"))
    with pytest.raises(ValueError, match="distinct"):
        await network.connect_users(db, "u1", "u1", AT)
    assert await snapshot(db) == before


async def test_concurrent_connects_of_one_pair_store_one_edge(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, social.social_dataset(["p", "q"], []))
    outs = await asyncio.gather(
        *(network.connect_users(db, *(("p", "q") if i % 2 else ("q", "p")), AT) for i in range(8))
    )
    created = [o for o in outs if isinstance(o, network.Connection) and o.created]
    assert len(created) == 1
    assert await _edges(db) == 1


def _ranked(found: list[network.Suggestion]) -> list[tuple[str, int, float]]:
    return [(s.user.id, s.common, s.adamic_adar) for s in found]


async def test_people_you_may_know_hand_worked_ties(clean_db: Database) -> None:
    db = clean_db
    # u knows a, b, h. a and b each know x and y; h, a hub, also knows y, z, w and v. So y has
    # three common connections, x two, and z, w, v one each through h (an exact tie -> by id).
    edges = [
        ("u", "a"),
        ("u", "b"),
        ("u", "h"),
        ("a", "x"),
        ("a", "y"),
        ("b", "x"),
        ("b", "y"),
        ("h", "y"),
        ("h", "z"),
        ("h", "w"),
        ("h", "v"),
        ("a", "b"),  # a friend of a friend who is already a friend is never suggested
    ]
    users = sorted({n for e in edges for n in e} | {"lonely"})
    await load_dataset(db, social.social_dataset(users, edges))
    found = await network.people_you_may_know(db, "u", limit=10, evidence=5)
    assert found is not None
    # Degrees: a = 4 (u, x, y, b), b = 4, h = 5.
    aa_x = 2 / math.log(4)
    aa_y = 2 / math.log(4) + 1 / math.log(5)
    aa_hub = 1 / math.log(5)
    expected = [
        ("y", 3, aa_y),
        ("x", 2, aa_x),
        ("v", 1, aa_hub),
        ("w", 1, aa_hub),
        ("z", 1, aa_hub),
    ]
    got = _ranked(found)
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g[2] == pytest.approx(e[2], rel=1e-12)
    # Evidence: lowest degree first, then id; bounded by `evidence`.
    assert [u.id for u in found[0].shared] == ["a", "b", "h"]
    bounded = await network.people_you_may_know(db, "u", limit=2, evidence=1)
    assert bounded is not None
    assert [(s.user.id, [x.id for x in s.shared]) for s in bounded] == [("y", ["a"]), ("x", ["a"])]
    # Unknown user: None; a user without connections: no suggestions.
    assert await network.people_you_may_know(db, "ghost", limit=5, evidence=5) is None
    assert await network.people_you_may_know(db, "lonely", limit=5, evidence=5) == []


async def test_adamic_adar_breaks_equal_common_counts(clean_db: Database) -> None:
    db = clean_db
    # p, q, r and s each share exactly one connection with u. p's is f (degree 2), the others'
    # is the hub g (degree 4): p ranks first on Adamic-Adar; q, r, s tie exactly and go by id.
    edges = [("u", "f"), ("f", "p"), ("u", "g"), ("g", "q"), ("g", "r"), ("g", "s")]
    await load_dataset(db, social.social_dataset(sorted({n for e in edges for n in e}), edges))
    found = await network.people_you_may_know(db, "u", limit=10, evidence=5)
    assert found is not None
    graph = social.graph_of(social.social_dataset([], edges))
    assert [s.user.id for s in found] == ["p", "q", "r", "s"]
    for s in found:
        assert s.adamic_adar == pytest.approx(social.adamic_adar_by_hand(graph, "u", s.user.id))


@pytest.mark.slow
async def test_people_you_may_know_matches_networkx_on_email_eu(clean_db: Database) -> None:
    db = clean_db
    data = social.email_eu_dataset()
    await load_dataset(db, data)
    graph = social.graph_of(data)
    eu = load_email_eu()
    assert graph.number_of_edges() == len(eu.edges) == await _edges(db)
    by_degree = sorted(graph.degree, key=lambda nd: (nd[1], nd[0]))
    rng = random.Random(3)
    picks = {by_degree[-1][0], by_degree[len(by_degree) // 2][0], email_eu_user_id(0)}
    picks |= set(rng.sample(sorted(graph.nodes), 6))
    picks.add(next(n for n, d in by_degree if d == 1))
    picks.add(next(n for n, d in by_degree if d == 0))
    for uid in sorted(picks):
        found = await network.people_you_may_know(db, uid, limit=50, evidence=3)
        assert found is not None
        expected = social.people_you_may_know(graph, uid)[:50]
        got = _ranked(found)
        assert [g[:2] for g in got] == [e[:2] for e in expected], uid
        for g, e in zip(got, expected, strict=True):
            assert g[2] == pytest.approx(e[2], rel=1e-9)
        for s in found:
            shared = {u.id for u in s.shared}
            assert shared <= set(nx.common_neighbors(graph, uid, s.user.id))
            assert len(shared) == min(3, s.common)
