"""The windowed leaderboard by either strategy (grouping the window's sign-ups, or the threshold
over the all-time counters) and by the automatic choice between them, forced down every path,
against networkx on random referral forests: many windows (one instant, half, whole, empty, open at
either end), degrees 1-5, kind filters, every limit, ties on counts and on ids shared by two kinds;
and while sign-ups are recorded concurrently."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest

from growthgraph.graph import referrals
from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind, ReferrerKindName
from growthgraph.graph.outcomes import Written
from growthgraph.graph.records import ReferrerCount
from growthgraph.graph.referrals import WindowStrategy
from growthgraph.graph.users import SignUp
from growthgraph.loading.dataset import Dataset, InfluencerRow, PartnerRow, UserRow, load_dataset
from tests.support import oracle

T0 = datetime(2024, 3, 1, tzinfo=UTC)
ALL_KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]
KIND_NAME = {"User": "USER", "Influencer": "INFLUENCER", "Partner": "PARTNER"}


@dataclass(frozen=True)
class Config:
    """A strategy, with the module's sizes shrunk so that small forests take every path."""

    strategy: WindowStrategy
    sizes: dict[str, int]


CONFIGS: dict[str, Config] = {
    "grouped": Config(WindowStrategy.GROUPED, {}),
    "threshold": Config(WindowStrategy.THRESHOLD, {}),
    # A first statement of one candidate: the second (every candidate above the floor) runs.
    "threshold-floor": Config(
        WindowStrategy.THRESHOLD, {"FIRST_CANDIDATES": 1, "FIRST_PER_LIMIT": 1}
    ),
    "auto": Config(WindowStrategy.AUTO, {}),
    # No window is small: the threshold runs, with its second statement.
    "auto-threshold": Config(
        WindowStrategy.AUTO, {"GROUPED_BELOW": 1, "FIRST_CANDIDATES": 1, "FIRST_PER_LIMIT": 1}
    ),
    # ... and gives up for grouping when the second statement needs more than two candidates.
    "auto-budget": Config(
        WindowStrategy.AUTO,
        {"GROUPED_BELOW": 1, "FIRST_CANDIDATES": 1, "FIRST_PER_LIMIT": 1, "CANDIDATE_BUDGET": 2},
    ),
}


@contextmanager
def sized(config: Config) -> Generator[None]:
    saved = {name: getattr(referrals, name) for name in config.sizes}
    for name, value in config.sizes.items():
        setattr(referrals, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(referrals, name, value)


def forest(seed: int) -> Dataset:
    """A random referral forest: a few influencers and partners (one influencer shares its id
    with a user, so ties are broken on the kind too), users signed up in time order (several at
    the same instant), each organic, referred by a source, or by an earlier user (mostly a recent
    one, so chains run deeper than five hops; some users refer many, so counts tie and differ)."""
    rng = random.Random(seed)
    n = rng.randint(8, 70)
    ids = [f"u{i:02d}" for i in range(n)]
    rng.shuffle(ids)  # id order is not time order
    data = Dataset(
        influencers=[
            InfluencerRow(i, f"@{i}", "tiktok", 10, 0.1)
            for i in rng.sample(["a", "m", ids[0], "zz"], rng.randint(0, 3))
        ],
        partners=[
            PartnerRow(p, f"Partner {p}", "affiliate")
            for p in rng.sample(["b", "p1"], rng.randint(0, 2))
        ],
    )
    sources = [("INFLUENCER", i.id) for i in data.influencers] + [
        ("PARTNER", p.id) for p in data.partners
    ]
    at = T0
    for k, uid in enumerate(ids):
        at += timedelta(minutes=rng.choice([0, 1, 1, 5, 30]))
        kind: str | None = None
        ref: str | None = None
        pick = rng.random()
        if pick < 0.2 and sources:
            kind, ref = rng.choice(sources)
        elif pick < 0.9 and k > 0:
            kind, ref = (
                "USER",
                ids[
                    rng.randint(max(0, k - 6), k - 1)
                    if rng.random() < 0.7
                    else rng.randint(0, k - 1)
                ],
            )
        data.users.append(
            UserRow(
                id=uid,
                name=f"User {uid}",
                email=f"{uid}@example.com",
                signed_up_at=at,
                referrer_kind=kind,  # type: ignore[arg-type]
                referrer_id=ref,
            )
        )
    return data


def windows(data: Dataset, rng: random.Random) -> list[tuple[datetime | None, datetime | None]]:
    times = sorted(u.signed_up_at for u in data.users)
    mid = rng.choice(times[1:-1])
    one = rng.choice(times)
    return [
        (one, one + timedelta(microseconds=1)),  # one instant
        (times[0], mid),  # up to a sign-up, which is left out
        (times[0], times[-1] + timedelta(seconds=1)),  # everything
        (one, one),  # empty
        (mid, None),  # open at the end
        (None, mid),  # open at the start
    ]


def as_nodes(rows: list[ReferrerCount]) -> list[tuple[oracle.Node, int]]:
    return [((r.referrer.kind.value, r.referrer.id), r.sign_ups) for r in rows]


@pytest.mark.parametrize("seed", range(4))
async def test_every_strategy_gives_the_oracles_answer(clean_db: Database, seed: int) -> None:
    data = forest(seed)
    await load_dataset(clean_db, data)
    graph = oracle.referral_graph(data)
    rng = random.Random(1000 + seed)
    round_trips: dict[str, Counter[int]] = {name: Counter() for name in CONFIGS}
    checked = 0
    for since, until in windows(data, rng):
        for degree in range(1, 6):
            kinds = rng.choice([ALL_KINDS, ALL_KINDS, [Kind.USER], [Kind.INFLUENCER, Kind.PARTNER]])
            labels = [k.value for k in kinds]
            everyone = oracle.top_referrers(
                graph, degree=degree, limit=10**6, since=since, until=until, labels=labels
            )
            # A small limit, and one from 1 to one past the number ranked.
            limits = sorted({rng.randint(1, 2), rng.randint(1, len(everyone) + 1)})
            for limit in limits:
                want = everyone[:limit]
                for name, config in CONFIGS.items():
                    before = clean_db.round_trips
                    with sized(config):
                        got = await referrals.top_referrers(
                            clean_db,
                            degree=degree,
                            limit=limit,
                            since=since,
                            until=until,
                            kinds=kinds,
                            strategy=config.strategy,
                        )
                    round_trips[name][clean_db.round_trips - before] += 1
                    assert as_nodes(got) == want, (name, since, until, degree, kinds, limit)
                    checked += 1
    assert checked > 100
    # Every path ran: one statement, the threshold's second statement, and grouping after a
    # threshold that needed more candidates than the budget.
    assert set(round_trips["grouped"]) == {1}
    assert set(round_trips["auto"]) == {1}
    assert round_trips["threshold-floor"][2] > 0, round_trips
    assert round_trips["auto-threshold"][2] > 0, round_trips
    assert round_trips["auto-budget"][3] > 0, round_trips


async def test_ties_on_the_cut_and_a_shared_id(clean_db: Database) -> None:
    """A hand-made case: three referrers with equal counts at the cut, two of them sharing an
    id (a user and an influencer), and a candidate whose all-time bound equals the k-th count
    but whose window count is lower."""
    data = Dataset(influencers=[InfluencerRow("k", "@k", "x", 1, 0.1)])

    def user(
        uid: str, minute: int, kind: ReferrerKindName | None = None, ref: str | None = None
    ) -> None:
        data.users.append(
            UserRow(
                uid,
                f"User {uid}",
                f"{uid}@example.com",
                T0 + timedelta(minutes=minute),
                referrer_kind=kind,
                referrer_id=ref,
            )
        )

    user("k", 0)
    user("j", 1)
    user("z", 2)
    for i, ref in enumerate(["k", "k", "k", "j", "j", "z", "z", "z"]):
        user(f"i{i}", 10 + i, "INFLUENCER" if i == 0 else "USER", ref)
    user("i8", 30, "INFLUENCER", "k")  # the influencer k: two in all, one after the window
    graph = oracle.referral_graph(data)
    await load_dataset(clean_db, data)
    since, until = T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)
    for limit in range(1, 6):
        want = oracle.top_referrers(graph, degree=1, limit=limit, since=since, until=until)
        for config in CONFIGS.values():
            with sized(config):
                got = await referrals.top_referrers(
                    clean_db,
                    degree=1,
                    limit=limit,
                    since=since,
                    until=until,
                    kinds=ALL_KINDS,
                    strategy=config.strategy,
                )
            assert as_nodes(got) == want, (config, limit)
    # By hand: z 3; then j 2 and k (the user) 2, j first by id; the influencer k 1.
    assert oracle.top_referrers(graph, degree=1, limit=5, since=since, until=until) == [
        (("User", "z"), 3),
        (("User", "j"), 2),
        (("User", "k"), 2),
        (("Influencer", "k"), 1),
    ]


def _sign_up(n: int, referrer: tuple[Kind, str]) -> SignUp:
    return SignUp(
        id=f"c{n:04d}",
        name=f"User {n}",
        email=f"c{n}@example.com",
        signed_up_at=T0 + timedelta(days=5, seconds=n),
        referrer_kind=referrer[0],
        referrer_id=referrer[1],
    )


def _counts(graph: nx.DiGraph[oracle.Node], degree: int, since: datetime) -> dict[oracle.Node, int]:
    return dict(oracle.top_referrers(graph, degree=degree, limit=10**6, since=since))


async def test_exact_while_sign_ups_are_recorded(clean_db: Database) -> None:
    """Leaderboards asked while sign-ups are recorded: every sign-up committed before a request
    is counted, none that started after it ended, and no referrer left out outranks the last one
    in, on the counts before the request."""
    data = forest(3)
    await load_dataset(clean_db, data)
    base = oracle.referral_graph(data)
    rng = random.Random(5)
    referrers: list[tuple[Kind, str]] = [(Kind.USER, u.id) for u in data.users]
    referrers += [(Kind.INFLUENCER, i.id) for i in data.influencers]
    since = T0 + timedelta(minutes=30)
    done: list[SignUp] = []  # committed
    started: list[SignUp] = []  # sent

    def graph_of(signups: list[SignUp]) -> nx.DiGraph[oracle.Node]:
        graph = base.copy()
        for s in signups:
            assert s.referrer_kind is not None
            assert s.referrer_id is not None
            graph.add_node(("User", s.id), signed_up_at=s.signed_up_at)
            graph.add_edge((s.referrer_kind.value, s.referrer_id), ("User", s.id))
        return graph

    async def sign_ups() -> None:
        n = 0
        for _ in range(6):
            wave = [_sign_up(n + i, rng.choice(referrers[-25:])) for i in range(25)]
            n += len(wave)
            started.extend(wave)
            outcomes = await asyncio.gather(*(writes.record_sign_up(clean_db, s) for s in wave))
            assert all(isinstance(o, Written) and o.created for o in outcomes), outcomes
            done.extend(wave)
            referrers.extend((Kind.USER, s.id) for s in wave)

    asked = 0

    async def leaderboards() -> None:
        nonlocal asked
        names = ["threshold", "threshold-floor", "auto-threshold", "grouped"]
        while len(done) < 150:
            name = names[asked % len(names)]
            degree = 1 + asked % 3
            committed = list(done)
            with sized(CONFIGS[name]):
                got = await referrals.top_referrers(
                    clean_db,
                    degree=degree,
                    limit=5,
                    since=since,
                    until=None,
                    kinds=ALL_KINDS,
                    strategy=CONFIGS[name].strategy,
                )
            low = _counts(graph_of(committed), degree, since)
            high = _counts(graph_of(list(started)), degree, since)
            rows = as_nodes(got)
            for node, count in rows:
                assert low.get(node, 0) <= count <= high.get(node, 0), (name, node, count)
            assert rows == sorted(rows, key=lambda r: (-r[1], r[0][1], r[0][0]))
            if len(rows) == 5:
                (kth_node, kth_count) = rows[-1]
                outranks = [
                    node
                    for node, count in low.items()
                    if node not in dict(rows)
                    and (count, kth_node[1], kth_node[0]) > (kth_count, node[1], node[0])
                ]
                assert not outranks, (name, outranks, rows)
            else:
                assert {n for n, c in low.items() if c > 0} <= set(dict(rows)), (name, rows)
            asked += 1
            await asyncio.sleep(0)

    await asyncio.gather(sign_ups(), leaderboards())
    assert asked >= 8
    final = graph_of(done)
    for degree in range(1, 6):
        want = oracle.top_referrers(final, degree=degree, limit=7, since=since)
        for config in CONFIGS.values():
            with sized(config):
                got = await referrals.top_referrers(
                    clean_db,
                    degree=degree,
                    limit=7,
                    since=since,
                    until=None,
                    kinds=ALL_KINDS,
                    strategy=config.strategy,
                )
            assert as_nodes(got) == want
