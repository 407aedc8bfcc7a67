"""People you may know leaves out users who withdrew analytics consent: they are never suggested,
never shown as evidence, and their connections suggest no one. Checked against networkx on the
graph with those users removed."""

from __future__ import annotations

import math
import random

import networkx as nx

from growthgraph.graph import network, privacy
from growthgraph.graph.database import Database
from growthgraph.loading.dataset import load_dataset
from tests.support import social


def expected(
    graph: nx.Graph[str], degrees: nx.Graph[str], user: str
) -> list[tuple[str, int, float]]:
    """(candidate, common connections, Adamic-Adar) ranked as documented, from networkx: common
    connections in ``graph``, each weighted by its degree in ``degrees``."""
    rows: list[tuple[str, int, float]] = []
    for c in graph.nodes:
        if c == user or graph.has_edge(user, c):
            continue
        common = list(nx.common_neighbors(graph, user, c))
        if common:
            score = sum(1 / math.log(degrees.degree(w)) for w in common)
            rows.append((c, len(common), score))
    rows.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return rows


async def test_withdrawn_users_take_no_part(clean_db: Database) -> None:
    db = clean_db
    rng = random.Random(11)
    users = [f"u{i:02d}" for i in range(40)]
    edges: set[tuple[str, str]] = set()
    for _ in range(140):
        a, b = sorted(rng.sample(users, 2))
        edges.add((a, b))
    await load_dataset(db, social.social_dataset(users, [(a, b) for a, b in edges]))
    full: nx.Graph[str] = nx.Graph()
    full.add_nodes_from(users)
    full.add_edges_from(edges)

    withdrawn = {"u03", "u07", "u19", "u22", "u31"}
    for uid in withdrawn:
        assert await privacy.set_consent(db, uid, marketing=True, analytics=False) is not None
    # A user who consents, and one who only granted marketing before, stay in.
    assert await privacy.set_consent(db, "u05", marketing=False, analytics=True) is not None

    for asker in ("u00", "u05", "u12", "u03"):
        got = await network.people_you_may_know(db, asker, limit=100, evidence=20)
        assert got is not None
        keep = [u for u in users if u not in withdrawn or u == asker]
        remaining: nx.Graph[str] = nx.Graph(full.subgraph(keep))
        # Degrees in the Adamic-Adar index still count every connection of the shared user.
        want = expected(remaining, full, asker)
        assert [(s.user.id, s.common) for s in got] == [(c, n) for c, n, _ in want]
        for s, (_, _, score) in zip(got, want, strict=True):
            assert math.isclose(s.adamic_adar, score, rel_tol=1e-9)
            assert not {u.id for u in s.shared} & withdrawn
        assert not {s.user.id for s in got} & withdrawn


async def test_consent_granted_again_brings_a_user_back(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, social.social_dataset(["a", "m", "c"], [("a", "m"), ("c", "m")]))
    assert [
        s.user.id for s in await network.people_you_may_know(db, "a", limit=5, evidence=5) or []
    ] == ["c"]
    await privacy.set_consent(db, "c", marketing=None, analytics=False)
    assert await network.people_you_may_know(db, "a", limit=5, evidence=5) == []
    await privacy.set_consent(db, "m", marketing=None, analytics=False)
    await privacy.set_consent(db, "c", marketing=None, analytics=True)
    # c is back as a candidate, but the only path to it runs through m, who withdrew.
    assert await network.people_you_may_know(db, "a", limit=5, evidence=5) == []
    await privacy.set_consent(db, "m", marketing=None, analytics=True)
    found = await network.people_you_may_know(db, "a", limit=5, evidence=5)
    assert found is not None
    assert [(s.user.id, [u.id for u in s.shared]) for s in found] == [("c", ["m"])]
