"""Source leaderboards and cascade structure from Neo4j, checked against networkx on the same
rows: a generated network (with deal costs, invites and conversions) and the CollegeMsg referral
forest (real data). Structural virality is compared with networkx's
``average_shortest_path_length`` on the undirected tree."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import networkx as nx
import pytest
import pytest_asyncio

from growthgraph.graph import cascades, referrals, sources
from growthgraph.graph.database import Database
from growthgraph.graph.labels import CostSourceName, Kind
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.sources import SourceSort
from growthgraph.loading import seed
from growthgraph.loading.dataset import CostRow, Dataset, InfluencerRow, PartnerRow, load_dataset
from tests.support import as_of as as_of_rows
from tests.support import oracle
from tests.support.collegemsg import collegemsg_dataset
from tests.support.handmade import handmade
from tests.support.invites import with_invites

EARLY = datetime(1990, 1, 1, tzinfo=UTC)
LATE = datetime(2100, 1, 1, tzinfo=UTC)


def _dated_costs(data: Dataset) -> list[CostRow]:
    """Cost entries on every other source, dated at three points of the sign-up span."""
    times = sorted(u.signed_up_at for u in data.users)
    points = [times[int(q * (len(times) - 1))] for q in (0.1, 0.5, 0.9)]
    out: list[CostRow] = []
    sources_: list[tuple[CostSourceName, str]] = [
        *(("INFLUENCER", r.id) for r in data.influencers),
        *(("PARTNER", r.id) for r in data.partners),
    ]
    for i, (kind, sid) in enumerate(sources_):
        if i % 2 == 0:
            out += [
                CostRow(f"cost-{sid}-{j}", kind, sid, at, 1_000 * (j + 1) + i)
                for j, at in enumerate(points)
            ]
    return out


def _generated() -> Dataset:
    data = with_invites(seed.generate(users=3_000, seed=9, days=60))
    # Costs on most sources; the last of each kind has none (ranked last by CPA).
    data.influencers = [
        replace(r, cost_cents=None if i == len(data.influencers) - 1 else 10_000 * (i % 3 + 1))
        for i, r in enumerate(data.influencers)
    ]
    data.partners = [
        replace(r, cost_cents=None if i == len(data.partners) - 1 else 5_000)
        for i, r in enumerate(data.partners)
    ]
    data.costs = _dated_costs(data)
    return data


DATASETS: dict[str, Callable[[], Dataset]] = {
    "generated": _generated,
    "collegemsg": collegemsg_dataset,
    "handmade": handmade,
}


@dataclass
class Loaded:
    name: str
    data: Dataset
    graph: nx.DiGraph[oracle.Node]
    db: Database

    def at_quantile(self, q: float) -> datetime:
        times = sorted(u.signed_up_at for u in self.data.users)
        return times[int(q * (len(times) - 1))]


@pytest_asyncio.fixture(scope="module", params=list(DATASETS))
async def loaded(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[Loaded]:
    data = DATASETS[request.param]()
    await delete_everything(db)
    await load_dataset(db, data, batch_size=2_000)
    yield Loaded(request.param, data, oracle.referral_graph(data), db)


@dataclass(frozen=True)
class Expected:
    id: str
    by_depth: dict[int, tuple[int, int, int]]  # depth -> (sign-ups, converted, revenue)
    cost: int | None

    def total(self, i: int, depths: Callable[[int], bool] = lambda d: True) -> int:
        return sum(v[i] for d, v in self.by_depth.items() if depths(d))

    def score(self, sort: SourceSort) -> float | None:
        direct, downline = self.total(0, lambda d: d == 1), self.total(0)
        if sort is SourceSort.DIRECT_SIGN_UPS:
            return direct
        if sort is SourceSort.DOWNLINE_SIGN_UPS:
            return downline
        if sort is SourceSort.REVENUE:
            return self.total(2)
        if sort is SourceSort.CONVERSION_RATE:
            return self.total(1) / downline if downline else None
        return -self.cost / direct if self.cost is not None and direct else None


def _cost(
    loaded: Loaded, kind: Kind, source: InfluencerRow | PartnerRow, start: datetime, end: datetime
) -> int | None:
    """Entries dated in the window, plus the undated cost when the window is all time; unknown
    (None) when neither applies."""
    name = "INFLUENCER" if kind is Kind.INFLUENCER else "PARTNER"
    entries = [c for c in loaded.data.costs if (c.source_kind, c.source_id) == (name, source.id)]
    undated = (start, end) == (EARLY, LATE) and source.cost_cents is not None
    if not entries and not undated:
        return None
    dated = sum(c.amount_cents for c in entries if start <= c.at < end)
    return dated + (source.cost_cents or 0 if undated else 0)


def _expected(
    loaded: Loaded, kind: Kind, max_depth: int, start: datetime, end: datetime
) -> list[Expected]:
    revenue: Counter[str] = Counter()
    paid: set[str] = set()
    for c in loaded.data.conversions:
        revenue[c.user_id] += c.revenue_cents
        paid.add(c.user_id)
    signed_up = {u.id: u.signed_up_at for u in loaded.data.users}
    rows = loaded.data.influencers if kind is Kind.INFLUENCER else loaded.data.partners
    out: list[Expected] = []
    for source in rows:
        distances = nx.single_source_shortest_path_length(
            loaded.graph, (kind.value, source.id), cutoff=max_depth
        )
        per: dict[int, list[int]] = {}
        for (_, uid), d in distances.items():
            if d == 0 or not start <= signed_up[uid] < end:
                continue
            level = per.setdefault(d, [0, 0, 0])
            level[0] += 1
            level[1] += uid in paid
            level[2] += revenue[uid]
        out.append(
            Expected(
                source.id,
                {d: (a, b, c) for d, (a, b, c) in per.items()},
                _cost(loaded, kind, source, start, end),
            )
        )
    return out


def _ranked(want: list[Expected], sort: SourceSort) -> list[Expected]:
    def rank(e: Expected) -> tuple[bool, float, str]:
        score = e.score(sort)
        return (score is None, -(score or 0.0), e.id)

    return sorted(want, key=rank)


def _same_leaderboard(got: list[sources.SourcePerformance], want: list[Expected]) -> None:
    """The same sources in the same order, with the same levels and cost."""
    assert [r.source.id for r in got] == [e.id for e in want]
    for row, exp in zip(got, want, strict=True):
        assert {d.depth: (d.sign_ups, d.converted, d.revenue_cents) for d in row.by_depth} == (
            exp.by_depth
        )
        assert row.cost_cents == exp.cost


@pytest.mark.parametrize("sort", list(SourceSort))
@pytest.mark.parametrize(
    ("max_depth", "window"), [(50, (0.0, 1.0)), (2, (0.0, 1.0)), (50, (0.3, 0.7))]
)
@pytest.mark.parametrize("kind", [Kind.INFLUENCER, Kind.PARTNER])
async def test_source_leaderboard_matches_networkx(
    loaded: Loaded, kind: Kind, sort: SourceSort, max_depth: int, window: tuple[float, float]
) -> None:
    start, end = EARLY, LATE
    if window != (0.0, 1.0):
        start, end = loaded.at_quantile(window[0]), loaded.at_quantile(window[1])
    undated = window == (0.0, 1.0)
    got = await sources.source_performance(
        loaded.db, kind, start=start, end=end, max_depth=max_depth, sort=sort, limit=100,
        undated=undated,
    )  # fmt: skip
    want = _ranked(_expected(loaded, kind, max_depth, start, end), sort)
    _same_leaderboard(got, want)
    for row, exp in zip(got, want, strict=True):
        if exp.cost is not None and row.direct_sign_ups:
            assert row.cost_per_acquisition_cents == pytest.approx(exp.cost / row.direct_sign_ups)
    if loaded.name == "generated" and sort is SourceSort.REVENUE:
        assert any(r.revenue_network_cents > 0 for r in got)
    top = await sources.source_performance(
        loaded.db, kind, start=start, end=end, max_depth=max_depth, sort=sort, limit=2,
        undated=undated,
    )  # fmt: skip
    assert [r.source.id for r in top] == [e.id for e in want[:2]]


@pytest.mark.parametrize("sort", [SourceSort.DOWNLINE_SIGN_UPS, SourceSort.REVENUE])
@pytest.mark.parametrize("window", [(0.0, 1.0), (0.3, 1.0)])
@pytest.mark.parametrize("kind", [Kind.INFLUENCER, Kind.PARTNER])
async def test_source_leaderboard_as_of_counts_only_what_had_happened(
    loaded: Loaded, kind: Kind, sort: SourceSort, window: tuple[float, float]
) -> None:
    """As of an instant inside the data: the leaderboard of the rows dated at or before it alone
    (sign-ups, conversions, cost entries), later ones left out."""
    as_of = loaded.at_quantile(0.6)
    start, end = EARLY, LATE
    if window != (0.0, 1.0):
        start, end = loaded.at_quantile(window[0]), LATE
    undated = window == (0.0, 1.0)
    then = as_of_rows.up_to(loaded.data, as_of)
    assert as_of_rows.later(loaded.data, as_of) > 0
    earlier = Loaded(loaded.name, then, oracle.referral_graph(then), loaded.db)
    got = await sources.source_performance(
        loaded.db, kind, start=start, end=end, max_depth=50, sort=sort, limit=100,
        undated=undated, as_of=as_of,
    )  # fmt: skip
    _same_leaderboard(got, _ranked(_expected(earlier, kind, 50, start, end), sort))
    # Later sign-ups under these sources exist and were left out (CollegeMsg has no sources).
    everything = _expected(loaded, kind, 50, start, end)
    if loaded.name != "collegemsg":
        assert sum(r.downline_sign_ups for r in got) < sum(e.total(0) for e in everything)


def _tree(
    graph: nx.DiGraph[oracle.Node], root: oracle.Node, max_depth: int
) -> nx.Graph[oracle.Node]:
    kept = nx.single_source_shortest_path_length(graph, root, cutoff=max_depth)
    return nx.Graph(graph.subgraph(kept))


def _roots(loaded: Loaded, count: int) -> list[oracle.Node]:
    roots = [n for n in loaded.graph if loaded.graph.in_degree(n) == 0]
    return sorted(roots, key=lambda n: (-len(nx.descendants(loaded.graph, n)), n))[:count]


@pytest.mark.parametrize("max_depth", [50, 3])
async def test_cascade_structure_matches_networkx(loaded: Loaded, max_depth: int) -> None:
    for root in _roots(loaded, 4):
        got = await cascades.cascade_stats(loaded.db, Kind(root[0]), root[1], max_depth=max_depth)
        assert got is not None
        tree = _tree(loaded.graph, root, max_depth)
        assert nx.is_tree(tree)
        levels_of = nx.single_source_shortest_path_length(loaded.graph, root)
        levels = Counter(nx.single_source_shortest_path_length(tree, root).values())
        # The users below the root, the root not counted, down to max_depth levels.
        below = nx.descendants(loaded.graph, root)
        assert got.size == sum(1 for n in below if levels_of[n] <= max_depth)
        assert got.depth == max(levels)
        assert list(got.breadth) == [levels[d] for d in range(1, got.depth + 1)]
        assert not got.truncated
        if tree.number_of_nodes() == 1:
            assert got.structural_virality is None
        else:
            want = nx.average_shortest_path_length(tree)
            assert got.structural_virality is not None
            assert math.isclose(got.structural_virality, want, rel_tol=1e-9)
    assert await cascades.cascade_stats(loaded.db, Kind.PARTNER, "none", max_depth=3) is None


@pytest.mark.parametrize("max_depth", [50, 3])
async def test_one_cascade_as_of_an_instant_matches_networkx(
    loaded: Loaded, max_depth: int
) -> None:
    """As of an instant inside the data, referralCascade's levels, cascadeStructure's tree and
    cascadeGenerations' sizes are those of the forest of the users who had signed up by then
    (networkx on those rows alone), for the largest roots of the whole data."""
    as_of = loaded.at_quantile(0.6)
    then = as_of_rows.up_to(loaded.data, as_of)
    graph = oracle.referral_graph(then)
    shrunk = 0
    for root in _roots(loaded, 4):
        kind, rid = Kind(root[0]), root[1]
        if root not in graph:  # a user root who signed up after the instant: an empty cascade
            graph.add_node(root)
        tree = _tree(graph, root, max_depth)
        levels = Counter(nx.single_source_shortest_path_length(tree, root).values())
        levels.pop(0)
        got = await cascades.cascade_stats(loaded.db, kind, rid, max_depth=max_depth, as_of=as_of)
        assert got is not None
        assert got.size == tree.number_of_nodes() - 1
        assert got.depth == max(levels, default=0)
        assert got.breadth == tuple(levels[d] for d in range(1, got.depth + 1))
        if not got.truncated and tree.number_of_nodes() > 1:
            assert got.structural_virality is not None
            want = nx.average_shortest_path_length(tree)
            assert math.isclose(got.structural_virality, want, rel_tol=1e-9)
        levelled = await referrals.cascade(loaded.db, kind, rid, max_depth=max_depth, as_of=as_of)
        assert levelled is not None
        assert {lv.depth: lv.sign_ups for lv in levelled.levels} == dict(levels)
        assert levelled.total == got.size
        generations = await cascades.generations(
            loaded.db, kind, rid, max_generation=min(max_depth, 10), as_of=as_of
        )
        assert generations is not None
        assert [g.size for g in generations][1:] == [
            levels.get(g, 0) for g in range(1, min(max_depth, 10) + 1)
        ]
        everything = len(_tree(loaded.graph, root, max_depth)) - 1
        shrunk += everything - got.size
    # Users who signed up after the instant sit in these cascades and were left out.
    assert shrunk > 0 or loaded.name == "handmade"


async def test_largest_cascades_match_networkx(loaded: Loaded) -> None:
    for lo, hi in [(0.0, 1.0), (0.25, 0.5), (0.5, 0.5)]:
        start, end = loaded.at_quantile(lo), loaded.at_quantile(hi)
        if hi == 1.0:
            start, end = EARLY, LATE
        signed_up = {("User", u.id): u.signed_up_at for u in loaded.data.users}
        counts: Counter[oracle.Node] = Counter()
        for root in (n for n in loaded.graph if loaded.graph.in_degree(n) == 0):
            for node in nx.descendants(loaded.graph, root):
                counts[root] += start <= signed_up[node] < end
        ranked = [
            kv
            for kv in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
            if kv[1]
        ][:10]
        got = await cascades.largest_cascades(
            loaded.db, start=start, end=end, limit=10, max_depth=50
        )
        assert [((r.root.kind.value, r.root.id), r.sign_ups) for r in got] == ranked
        for r in got:
            assert r.size == len(nx.descendants(loaded.graph, (r.root.kind.value, r.root.id)))


@pytest.mark.parametrize("window", [(0.0, 1.0), (0.3, 1.0)])
async def test_largest_cascades_as_of_count_only_earlier_sign_ups(
    loaded: Loaded, window: tuple[float, float]
) -> None:
    """As of an instant inside the data: the ranking and sizes of the referral forest made of
    the users who had signed up by then (networkx on those rows alone)."""
    as_of = loaded.at_quantile(0.6)
    start, end = loaded.at_quantile(window[0]), LATE
    if window == (0.0, 1.0):
        start = EARLY
    then = as_of_rows.up_to(loaded.data, as_of)
    graph = oracle.referral_graph(then)
    signed_up = {("User", u.id): u.signed_up_at for u in then.users}
    counts: Counter[oracle.Node] = Counter()
    for root in (n for n in graph if graph.in_degree(n) == 0):
        for node in nx.descendants(graph, root):
            counts[root] += start <= signed_up[node] < end
    ranked = [
        kv for kv in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])) if kv[1]
    ][:10]
    got = await cascades.largest_cascades(
        loaded.db, start=start, end=end, limit=10, max_depth=50, as_of=as_of
    )
    assert [((r.root.kind.value, r.root.id), r.sign_ups) for r in got] == ranked
    for r in got:
        assert r.size == len(nx.descendants(graph, (r.root.kind.value, r.root.id)))
    # Later sign-ups exist and change the answer when the instant is left out.
    assert as_of_rows.later(loaded.data, as_of) > 0
    unbounded = await cascades.largest_cascades(
        loaded.db, start=start, end=end, limit=10, max_depth=50
    )
    assert [(r.root, r.sign_ups, r.size) for r in got] != [
        (r.root, r.sign_ups, r.size) for r in unbounded
    ]


def test_structural_virality_of_hand_worked_trees() -> None:
    # A star of 5 leaves: 5 pairs at distance 1, 10 at distance 2 -> 25 / 15.
    star = [(None, f"l{i}") for i in range(5)]
    assert cascades.structural_virality(star) == pytest.approx(25 / 15)
    # A path of 9 nodes: the mean distance of a path of n nodes is (n + 1) / 3.
    path = [(None, "c1")] + [(f"c{i}", f"c{i + 1}") for i in range(1, 8)]
    assert cascades.structural_virality(path) == pytest.approx(10 / 3)
    assert cascades.structural_virality([]) is None
    assert cascades.structural_virality([(None, "a")]) == 1.0
