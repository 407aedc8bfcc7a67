"""The referral graph stays a forest: no sequence of sign-up writes can close a cycle.

A user is referred at most once and only when it is created, and a referring user must have
signed up no later than its referee, so an edge into an existing user (the only way to close a
cycle) is always refused, with nothing written."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import networkx as nx

from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.outcomes import AlreadyReferred, IdConflict, SignUpBeforeReferrer, Written
from tests.support.snapshot import snapshot

T0 = datetime(2024, 3, 1, tzinfo=UTC)
EDGES = "MATCH (a:User)-[:REFERRED]->(b:User) RETURN a.id AS a, b.id AS b"


def signup(uid: str, hour: int, ref: str | None = None) -> writes.SignUp:
    return writes.SignUp(
        id=uid,
        name=f"N {uid}",
        email=f"{uid}@example.com",
        signed_up_at=T0 + timedelta(hours=hour),
        referrer_kind=None if ref is None else Kind.USER,
        referrer_id=ref,
    )


async def test_back_edges_into_a_chain_are_refused(clean_db: Database) -> None:
    db = clean_db
    # root -> c1 -> c2 -> c3
    assert isinstance(await writes.record_sign_up(db, signup("root", 0)), Written)
    for i, parent in ((1, "root"), (2, "c1"), (3, "c2")):
        assert isinstance(await writes.record_sign_up(db, signup(f"c{i}", i, parent)), Written)
    before = await snapshot(db)
    # The organic root "re-signs up" referred by its own descendant: refused, the root exists.
    out = await writes.record_sign_up(db, signup("root", 0, "c3"))
    assert isinstance(out, IdConflict)
    # A referred user re-signs up under its own descendant: the first referral wins.
    out = await writes.record_sign_up(db, signup("c1", 1, "c3"))
    assert isinstance(out, AlreadyReferred)
    assert out.referrer.id == "root"
    # The same with the descendant's sign-up time: still refused.
    out = await writes.record_sign_up(db, signup("c2", 3, "c3"))
    assert isinstance(out, AlreadyReferred)
    # A new user cannot be referred by someone who signed up later.
    out = await writes.record_sign_up(db, signup("early", 2, "c3"))
    assert isinstance(out, SignUpBeforeReferrer)
    assert await snapshot(db) == before


async def test_random_write_sequences_leave_a_forest(clean_db: Database) -> None:
    db = clean_db
    rng = random.Random(11)
    ids = [f"r{i}" for i in range(40)]
    hours = {uid: rng.randrange(0, 50) for uid in ids}
    for _ in range(160):
        uid = rng.choice(ids)
        ref = rng.choice([None, *ids])
        if ref == uid:
            continue
        signed = signup(uid, hours[uid], ref)
        if rng.random() < 0.2:
            signed = replace(signed, signed_up_at=signed.signed_up_at + timedelta(minutes=1))
        await writes.record_sign_up(db, signed)
    edges = [(r["a"], r["b"]) for r in await db.read(EDGES)]
    graph: nx.DiGraph[str] = nx.DiGraph(edges)
    assert edges, "the sequence must have written some referrals"
    assert nx.is_directed_acyclic_graph(graph)
    assert max(d for _, d in graph.in_degree) <= 1
