"""The stored leaderboard counters stay exact: under concurrent sign-ups (compared with a full
recomputation from the edges and with networkx), when maintenance is off and a rebuild follows,
and when edges are added behind their back and a refresh follows."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import LiteralString

import networkx as nx

from growthgraph.graph import counters, referrals, sources
from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.outcomes import Written
from growthgraph.graph.records import ReferrerCount
from growthgraph.graph.users import SignUp
from tests.support import oracle
from tests.support.counter_oracle import expected_counters, stored_counters, wrong_counters

START = datetime(2025, 3, 1, tzinfo=UTC)
ALL_KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]


async def _tops(db: Database) -> None:
    await sources.create_influencer(
        db, id="inf-a", handle="a", platform="x", followers=10, engagement_rate=0.1
    )
    await sources.create_influencer(
        db, id="inf-b", handle="b", platform="x", followers=10, engagement_rate=0.1
    )
    await sources.create_partner(db, id="ptn-a", name="Partner A", kind="affiliate")


def _sign_up(n: int, referrer: tuple[Kind, str] | None) -> SignUp:
    return SignUp(
        id=f"u{n:04d}",
        name=f"User {n}",
        email=f"u{n}@example.com",
        signed_up_at=START + timedelta(minutes=n),
        referrer_kind=None if referrer is None else referrer[0],
        referrer_id=None if referrer is None else referrer[1],
    )


def _graph(signups: list[SignUp]) -> nx.DiGraph[oracle.Node]:
    graph: nx.DiGraph[oracle.Node] = nx.DiGraph()
    for node in (("Influencer", "inf-a"), ("Influencer", "inf-b"), ("Partner", "ptn-a")):
        graph.add_node(node)
    for s in signups:
        graph.add_node(("User", s.id), signed_up_at=s.signed_up_at)
        if s.referrer_kind is not None and s.referrer_id is not None:
            graph.add_edge((s.referrer_kind.value, s.referrer_id), ("User", s.id))
    return graph


def _as_nodes(rows: list[ReferrerCount]) -> list[tuple[oracle.Node, int]]:
    return [((r.referrer.kind.value, r.referrer.id), r.sign_ups) for r in rows]


async def _concurrent_waves(
    db: Database, *, waves: int, per_wave: int, seed: int, maintain: bool = True
) -> list[SignUp]:
    """Waves of concurrent sign-ups, each under a referrer from earlier waves, so chains grow
    deeper than five hops (most pick one of the previous wave); a third of them pile onto the
    same three referrers, and every tenth
    is sent twice at once (a client retry), which must count once."""
    rng = random.Random(seed)
    referrers: list[tuple[Kind, str]] = [
        (Kind.INFLUENCER, "inf-a"),
        (Kind.INFLUENCER, "inf-b"),
        (Kind.PARTNER, "ptn-a"),
    ]
    done: list[SignUp] = []
    n = 0
    for _ in range(waves):
        hot = referrers[-3:]
        latest = referrers[-per_wave:]
        batch: list[SignUp] = []
        for _ in range(per_wave):
            pick = rng.random()
            pool = hot if pick < 0.33 else latest if pick < 0.8 else referrers
            ref = rng.choice(pool)
            organic = rng.random() < 0.05
            batch.append(_sign_up(n, None if organic else ref))
            n += 1
        sent = batch + batch[::10]
        rng.shuffle(sent)
        outcomes = await asyncio.gather(
            *(writes.record_sign_up(db, s, counters=maintain) for s in sent)
        )
        assert all(isinstance(o, Written) for o in outcomes), outcomes
        created = [o for o in outcomes if isinstance(o, Written) and o.created]
        assert len(created) == len(batch)
        done += batch
        referrers += [(Kind.USER, s.id) for s in batch]
    return done


async def _assert_tops_match(db: Database, graph: nx.DiGraph[oracle.Node]) -> None:
    stamps: list[object] = [graph.nodes[n].get("signed_up_at") for n in graph.nodes]
    times = sorted(at for at in stamps if isinstance(at, datetime))
    since, until = times[len(times) // 3], times[-1]
    for degree in range(1, 6):
        got = await referrals.top_referrers(
            db, degree=degree, limit=100, since=None, until=None, kinds=ALL_KINDS
        )
        assert _as_nodes(got) == oracle.top_referrers(graph, degree=degree, limit=100)
        got = await referrals.top_referrers(
            db, degree=degree, limit=100, since=since, until=until, kinds=ALL_KINDS
        )
        want = oracle.top_referrers(graph, degree=degree, limit=100, since=since, until=until)
        assert _as_nodes(got) == want


async def test_concurrent_sign_ups_keep_every_counter_exact(clean_db: Database) -> None:
    await _tops(clean_db)
    signups = await _concurrent_waves(clean_db, waves=8, per_wave=40, seed=5)
    graph = _graph(signups)
    assert nx.dag_longest_path_length(graph) > 5, "chains should reach below the counted depth"
    # A full recomputation from the edges, and networkx from the intended sign-ups.
    await _assert_stored_match(clean_db, graph)
    await _assert_tops_match(clean_db, graph)


async def _assert_stored_match(db: Database, graph: nx.DiGraph[oracle.Node]) -> None:
    """Every stored counter equals the one networkx counts from the edges, and a check agrees."""
    assert await stored_counters(db) == expected_counters(graph)
    survey = await counters.check(db, batch=13)
    assert (survey.differing, survey.sample) == (0, ())


async def test_sign_ups_without_maintenance_are_caught_and_rebuilt(clean_db: Database) -> None:
    await _tops(clean_db)
    signups = await _concurrent_waves(clean_db, waves=4, per_wave=20, seed=8, maintain=False)
    graph = _graph(signups)
    # What the check must find, from networkx and the stored values read node by node.
    wanted = expected_counters(graph)
    wrong = wrong_counters(await stored_counters(clean_db), wanted)
    assert len(wrong) >= len(signups)
    found = await counters.check(clean_db, batch=7, sample=10_000)
    assert found.differing == len(wrong)
    assert {line.split(":")[0] + " " + line.split(": ")[1][:5] for line in found.sample} == wrong
    first = await counters.check(clean_db, batch=1_000, sample=3)
    assert (first.differing, len(first.sample)) == (len(wrong), 3)
    assert set(first.sample) <= set(found.sample)
    # The scan needs no counters and is right all along.
    got = await referrals.top_referrers(
        clean_db, degree=2, limit=50, since=None, until=None, kinds=ALL_KINDS, use_counters=False
    )
    assert _as_nodes(got) == oracle.top_referrers(graph, degree=2, limit=50)
    fixed = await counters.rebuild(clean_db, batch=7)  # a small batch: several pages
    assert fixed.differing == len(wrong)
    await _assert_stored_match(clean_db, graph)
    await _assert_tops_match(clean_db, graph)
    again = await counters.rebuild(clean_db, batch=1_000)
    assert again.differing == 0
    assert again.nodes == 2 * len(signups) + 3  # every user twice, every source once


async def test_a_rebuild_while_sign_ups_are_recorded_stays_exact(clean_db: Database) -> None:
    """Counters left wrong by unmaintained sign-ups are rebuilt while more sign-ups, under the
    same referrers and under the users being corrected, are recorded with their counters: after
    both, every counter equals networkx's."""
    await _tops(clean_db)
    broken = await _concurrent_waves(clean_db, waves=4, per_wave=25, seed=21, maintain=False)
    assert (await counters.check(clean_db)).differing > 0
    rng = random.Random(4)
    more = [
        _sign_up(1_000 + n, rng.choice([(Kind.USER, s.id) for s in broken[-40:]]))
        for n in range(60)
    ]

    async def sign_up_slowly() -> None:
        for chunk in range(0, len(more), 6):
            outcomes = await asyncio.gather(
                *(writes.record_sign_up(clean_db, s) for s in more[chunk : chunk + 6])
            )
            assert all(isinstance(o, Written) and o.created for o in outcomes)

    await asyncio.gather(counters.rebuild(clean_db, batch=3), sign_up_slowly())
    graph = _graph([*broken, *more])
    await _assert_stored_match(clean_db, graph)
    await _assert_tops_match(clean_db, graph)


async def test_a_wrong_counter_is_reported(clean_db: Database) -> None:
    await _tops(clean_db)
    await _concurrent_waves(clean_db, waves=3, per_wave=10, seed=3)
    assert (await counters.check(clean_db)).differing == 0
    await clean_db.write("MATCH (n:Influencer {id: 'inf-a'}) SET n.below2 = 999")
    await clean_db.write("MATCH (u:User {id: 'u0025'}) SET u.above1 = 'nobody User'")
    problems = await counters.check(clean_db)
    assert problems.differing == 2
    assert problems.sample[0].startswith("inf-a Influencer: below1..5 stored")
    assert problems.sample[1].startswith("u0025 User: above1..5 stored")
    assert "999" in problems.sample[0]
    assert "'nobody User'" in problems.sample[1]
    assert (await counters.rebuild(clean_db)).differing == 2
    assert (await counters.check(clean_db)).differing == 0


async def _one_user(db: Database, where: LiteralString) -> str:
    rows = await db.read("MATCH (u:User) WHERE " + where + " RETURN u.id AS id ORDER BY id LIMIT 1")
    return str(rows[0]["id"])


async def test_an_above_key_moved_to_a_user_without_that_ancestor_is_reported(
    clean_db: Database,
) -> None:
    """A key taken from a user that has a second ancestor and given to one that has none leaves
    as many users holding an above2 key as there are paths of length two; the walk down from the
    grandparent still finds the first user without it, and the users are then walked up."""
    await _tops(clean_db)
    graph = _graph(await _concurrent_waves(clean_db, waves=3, per_wave=12, seed=5))
    has = await _one_user(clean_db, "u.above2 IS NOT NULL")
    lacks = await _one_user(clean_db, "u.above2 IS NULL")
    await clean_db.write(
        "MATCH (a:User {id: $has}), (b:User {id: $lacks}) SET b.above2 = a.above2 REMOVE a.above2",
        {"has": has, "lacks": lacks},
    )
    wrong = wrong_counters(await stored_counters(clean_db), expected_counters(graph))
    assert wrong == {f"{has} User above", f"{lacks} User above"}
    problems = await counters.check(clean_db, batch=5)
    assert problems.differing == 2
    assert {line.split(" User:")[0] for line in problems.sample} == {has, lacks}
    assert (await counters.rebuild(clean_db, batch=5)).differing == 2
    await _assert_stored_match(clean_db, graph)


async def test_an_above_key_no_path_accounts_for_is_reported(clean_db: Database) -> None:
    """A key in a slot of a user that has no ancestor that far up: no walk down reaches it, and
    only the count of users holding such keys tells it apart."""
    await _tops(clean_db)
    graph = _graph(await _concurrent_waves(clean_db, waves=2, per_wave=10, seed=6))
    lacks = await _one_user(clean_db, "u.above5 IS NULL")
    await clean_db.write(
        "MATCH (u:User {id: $id}) SET u.above5 = 'inf-a Influencer'", {"id": lacks}
    )
    problems = await counters.check(clean_db)
    assert (problems.differing, len(problems.sample)) == (1, 1)
    assert problems.sample[0].startswith(f"{lacks} User: above1..5 stored")
    assert (await counters.rebuild(clean_db)).differing == 1
    await _assert_stored_match(clean_db, graph)


GRAFT: LiteralString = """
MATCH (ref:Influencer {id: $ref}), (u:User {id: $id})
CREATE (ref)-[:REFERRED {at: u.signedUpAt}]->(u)
"""


async def test_refresh_after_edges_added_behind_their_back(clean_db: Database) -> None:
    """A loader adds an edge above a user that already has a deep downline: ancestors above the
    graft and the above keys of the whole downline change; a refresh of that user fixes both."""
    await _tops(clean_db)
    chain = [_sign_up(0, None)] + [_sign_up(n, (Kind.USER, f"u{n - 1:04d}")) for n in range(1, 8)]
    side = [_sign_up(20 + n, (Kind.USER, "u0002")) for n in range(3)]
    under_a = [_sign_up(40 + n, (Kind.INFLUENCER, "inf-a")) for n in range(4)]
    for s in [*chain, *side, *under_a]:
        assert isinstance(await writes.record_sign_up(clean_db, s), Written)
    assert (await counters.check(clean_db)).differing == 0
    await clean_db.write(GRAFT, {"ref": "inf-a", "id": "u0000"})
    assert (await counters.check(clean_db)).differing > 0
    await counters.refresh(clean_db, ["u0000"])
    assert (await counters.check(clean_db)).differing == 0
    graph = _graph([*chain, *side, *under_a])
    graph.add_edge(("Influencer", "inf-a"), ("User", "u0000"))
    for degree in range(1, 6):
        got = await referrals.top_referrers(
            clean_db, degree=degree, limit=20, since=None, until=None, kinds=ALL_KINDS
        )
        assert _as_nodes(got) == oracle.top_referrers(graph, degree=degree, limit=20)


async def test_a_repeated_sign_up_counts_once(clean_db: Database) -> None:
    await _tops(clean_db)
    first = _sign_up(1, (Kind.INFLUENCER, "inf-b"))
    second = _sign_up(2, (Kind.USER, first.id))
    for s in (first, second, first, second, second):
        assert isinstance(await writes.record_sign_up(clean_db, s), Written)
    rows = await clean_db.read(
        "MATCH (n:Influencer {id: 'inf-b'}) RETURN n.below1 AS b1, n.below2 AS b2"
    )
    assert rows == [{"b1": 1, "b2": 1}]
    assert (await counters.check(clean_db)).differing == 0
