"""Multi-hop answers from Neo4j checked against networkx on the same rows: a generated network,
the CollegeMsg referral forest (real data) and a hand-built graph of edge cases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import pytest
import pytest_asyncio

from growthgraph.graph import counters, referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.records import ReferrerCount
from growthgraph.loading import seed
from growthgraph.loading.dataset import Dataset, load_dataset
from tests.support import oracle
from tests.support.collegemsg import collegemsg_dataset
from tests.support.counter_oracle import expected_counters, stored_counters
from tests.support.handmade import handmade

DATASETS: dict[str, Callable[[], Dataset]] = {
    "generated": lambda: seed.generate(users=2_500, seed=11),
    "collegemsg": collegemsg_dataset,
    "handmade": handmade,
}
ALL_KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]


@dataclass
class Loaded:
    name: str
    data: Dataset
    graph: nx.DiGraph[oracle.Node]
    db: Database

    def window(self, lo: float, hi: float) -> tuple[datetime, datetime]:
        """Bounds at two quantiles of the sign-up times, each exactly a user's sign-up time."""
        times = sorted(u.signed_up_at for u in self.data.users)
        return times[int(lo * (len(times) - 1))], times[int(hi * (len(times) - 1))]


@pytest_asyncio.fixture(scope="module", params=list(DATASETS))
async def loaded(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[Loaded]:
    data = DATASETS[request.param]()
    await delete_everything(db)
    await load_dataset(db, data, batch_size=1_000)
    yield Loaded(request.param, data, oracle.referral_graph(data), db)


def _as_nodes(rows: list[ReferrerCount]) -> list[tuple[oracle.Node, int]]:
    return [((r.referrer.kind.value, r.referrer.id), r.sign_ups) for r in rows]


async def test_the_load_leaves_the_counters_exact(loaded: Loaded) -> None:
    assert (await counters.check(loaded.db)).differing == 0
    # The same, counted independently: every stored counter against networkx.
    assert await stored_counters(loaded.db) == expected_counters(loaded.graph)


# Both paths: the stored counters (the default) and the scan that needs none.
BOTH = pytest.mark.parametrize("use_counters", [True, False], ids=["counters", "scan"])


@BOTH
@pytest.mark.parametrize("degree", [1, 2, 3, 4, 5])
async def test_top_referrers_all_time(loaded: Loaded, degree: int, use_counters: bool) -> None:
    got = await referrals.top_referrers(
        loaded.db,
        degree=degree,
        limit=100,
        since=None,
        until=None,
        kinds=ALL_KINDS,
        use_counters=use_counters,
    )
    want = oracle.top_referrers(loaded.graph, degree=degree, limit=100)
    assert _as_nodes(got) == want
    if degree <= 2:
        assert want, "the data set should have sign-ups at this degree"


@BOTH
@pytest.mark.parametrize("degree", [1, 2, 3, 5])
@pytest.mark.parametrize(("lo", "hi"), [(0.0, 0.5), (0.25, 0.75), (0.5, 1.0)])
async def test_top_referrers_in_window(
    loaded: Loaded, degree: int, lo: float, hi: float, use_counters: bool
) -> None:
    since, until = loaded.window(lo, hi)
    got = await referrals.top_referrers(
        loaded.db,
        degree=degree,
        limit=25,
        since=since,
        until=until,
        kinds=ALL_KINDS,
        use_counters=use_counters,
    )
    want = oracle.top_referrers(loaded.graph, degree=degree, limit=25, since=since, until=until)
    assert _as_nodes(got) == want


@pytest.mark.parametrize(
    "kinds", [[Kind.USER], [Kind.INFLUENCER], [Kind.PARTNER], [Kind.INFLUENCER, Kind.PARTNER]]
)
@pytest.mark.parametrize("degree", [1, 2])
@pytest.mark.parametrize("windowed", [False, True], ids=["all-time", "window"])
async def test_top_referrers_by_kind(
    loaded: Loaded, kinds: list[Kind], degree: int, windowed: bool
) -> None:
    since, until = loaded.window(0.1, 0.9) if windowed else (None, None)
    got = await referrals.top_referrers(
        loaded.db, degree=degree, limit=10, since=since, until=until, kinds=kinds
    )
    want = oracle.top_referrers(
        loaded.graph,
        degree=degree,
        limit=10,
        since=since,
        until=until,
        labels=[k.value for k in kinds],
    )
    assert _as_nodes(got) == want


@pytest.mark.parametrize("limit", [1, 3])
@pytest.mark.parametrize("degree", [1, 2])
@pytest.mark.parametrize("windowed", [False, True], ids=["all-time", "window"])
async def test_limit_keeps_the_top(loaded: Loaded, limit: int, degree: int, windowed: bool) -> None:
    # Ties at the cut are broken by id, then kind, on both paths.
    since, until = loaded.window(0.0, 1.0) if windowed else (None, None)
    got = await referrals.top_referrers(
        loaded.db, degree=degree, limit=limit, since=since, until=until, kinds=ALL_KINDS
    )
    want = oracle.top_referrers(loaded.graph, degree=degree, limit=limit, since=since, until=until)
    assert _as_nodes(got) == want


def _roots(loaded: Loaded, count: int) -> list[oracle.Node]:
    """The largest trees' roots plus a leaf, so both deep and empty cascades are checked."""
    graph = loaded.graph
    roots = [n for n in graph.nodes if graph.in_degree(n) == 0 and graph.out_degree(n) > 0]
    roots.sort(key=lambda n: (-len(nx.descendants(graph, n)), n))
    leaf = next(n for n in graph.nodes if graph.out_degree(n) == 0)
    return [*roots[:count], leaf]


@pytest.mark.parametrize("max_depth", [1, 2, 5, 50])
async def test_cascades(loaded: Loaded, max_depth: int) -> None:
    for label, node_id in _roots(loaded, 6):
        found = await referrals.cascade(loaded.db, Kind(label), node_id, max_depth=max_depth)
        assert found is not None
        want = oracle.cascade_levels(loaded.graph, (label, node_id), max_depth)
        assert {lv.depth: lv.sign_ups for lv in found.levels} == want
        assert found.total == sum(want.values())
        assert found.depth == max(want, default=0)
        assert found.root.id == node_id


async def test_cascade_of_unknown_root_is_none(loaded: Loaded) -> None:
    assert await referrals.cascade(loaded.db, Kind.PARTNER, "no-such", max_depth=5) is None


async def test_attribution_paths(loaded: Loaded) -> None:
    users = loaded.data.users
    # Every 7th user plus the last one, which sits deepest in the time-ordered forests.
    for row in [*users[::7], users[-1]]:
        chain = await referrals.attribution_path(loaded.db, row.id)
        assert chain is not None
        got = [(r.kind.value, r.id) for r in chain]
        assert got == oracle.attribution_chain(loaded.graph, row.id)


async def test_attribution_of_unknown_user_is_none(loaded: Loaded) -> None:
    assert await referrals.attribution_path(loaded.db, "no-such-user") is None
