"""Viral coefficient, K per generation and growth over time from Neo4j, checked against plain
Python / networkx on the same rows: a generated network and the CollegeMsg referral forest (real
data), both with invites added, at window boundaries that are exact sign-up times, on empty
windows and on the whole history."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
import pytest_asyncio

from growthgraph.graph import cascades, growth
from growthgraph.graph.database import Database
from growthgraph.graph.growth import CohortGrouping
from growthgraph.graph.labels import Kind
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import seed
from growthgraph.loading.dataset import Dataset, load_dataset
from tests.support import as_of as as_of_rows
from tests.support import growth_oracle, oracle
from tests.support.collegemsg import collegemsg_dataset
from tests.support.invites import with_invites

DATASETS: dict[str, Callable[[], Dataset]] = {
    "generated": lambda: with_invites(seed.generate(users=2_000, seed=5, days=60)),
    "collegemsg": lambda: with_invites(collegemsg_dataset()),
}
EARLY = datetime(1990, 1, 1, tzinfo=UTC)
LATE = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass
class Loaded:
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
    yield Loaded(data, oracle.referral_graph(data), db)


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _same_groups(got: list[growth.ViralRow], want: dict[str | None, growth_oracle.Viral]) -> None:
    """The same groups with the same counts and cycle time."""
    assert {row.key for row in got} == set(want)
    for row in got:
        w = want[row.key]
        assert (row.members, row.invites_sent, row.invites_accepted, row.referees) == (
            w.members,
            w.sent,
            w.accepted,
            w.referees,
        ), row.key
        assert _close(row.cycle_time_median_s, w.cycle_median_s), row.key


WINDOWS = [(0.0, 1.0), (0.2, 0.5), (0.5, 0.5), (0.9, 1.0)]


@pytest.mark.parametrize("group_by", list(CohortGrouping))
@pytest.mark.parametrize("window", WINDOWS)
async def test_viral_coefficient_matches_the_oracle(
    loaded: Loaded, group_by: CohortGrouping, window: tuple[float, float]
) -> None:
    start, end = loaded.at_quantile(window[0]), loaded.at_quantile(window[1])
    if window == (0.0, 1.0):
        start, end = EARLY, LATE
    got = await growth.viral_cohort(loaded.db, start=start, end=end, group_by=group_by, limit=500)
    want = growth_oracle.viral(loaded.data, loaded.graph, start, end, group_by.value)
    if start == end:  # an empty cohort
        assert want == {}
        expected = [growth.EMPTY] if group_by is CohortGrouping.NONE else []
        assert got == expected
        return
    assert len(got) == len(want)
    assert [g.members for g in got] == sorted((v.members for v in want.values()), reverse=True)
    assert sum(g.members for g in got) == sum(
        1 for u in loaded.data.users if start <= u.signed_up_at < end
    )
    for row in got:
        w = want[row.key]
        assert (row.members, row.invites_sent, row.invites_accepted, row.referees) == (
            w.members,
            w.sent,
            w.accepted,
            w.referees,
        ), row.key
        assert _close(row.cycle_time_median_s, w.cycle_median_s), row.key
    assert any(g.invites_accepted > 0 for g in got) or window[0] > 0.5


@pytest.mark.parametrize("within", [1, 7, 30])
@pytest.mark.parametrize("group_by", [CohortGrouping.NONE, CohortGrouping.SOURCE_KIND])
@pytest.mark.parametrize("window", [(0.0, 1.0), (0.2, 0.5)])
async def test_a_conversion_window_matches_pandas(
    loaded: Loaded, group_by: CohortGrouping, window: tuple[float, float], within: int
) -> None:
    start, end = loaded.at_quantile(window[0]), loaded.at_quantile(window[1])
    if window == (0.0, 1.0):
        start, end = EARLY, LATE
    got = await growth.viral_cohort(
        loaded.db, start=start, end=end, group_by=group_by, limit=500, within_days=within
    )
    want = growth_oracle.viral_within_pandas(loaded.data, start, end, group_by.value, within)
    _same_groups(got, want)
    # The window matters: fewer conversions count than with no window, on some group.
    unbounded = await growth.viral_cohort(
        loaded.db, start=start, end=end, group_by=group_by, limit=500
    )
    assert sum(r.invites_accepted for r in got) <= sum(r.invites_accepted for r in unbounded)
    if within == 1:
        assert sum(r.referees for r in got) < sum(r.referees for r in unbounded)


async def test_group_limit_keeps_the_largest_groups(loaded: Loaded) -> None:
    got = await growth.viral_cohort(
        loaded.db, start=EARLY, end=LATE, group_by=CohortGrouping.SOURCE_KIND, limit=2
    )
    want = growth_oracle.viral(loaded.data, loaded.graph, EARLY, LATE, "SOURCE_KIND")
    ranked = sorted(want.items(), key=lambda kv: (-kv[1].members, kv[0] or ""))
    assert [g.key for g in got] == [k for k, _ in ranked[:2]]


async def test_k_per_generation_matches_networkx(loaded: Loaded) -> None:
    roots = [n for n in loaded.graph if loaded.graph.in_degree(n) == 0]
    biggest = sorted(roots, key=lambda n: (-len(nx.descendants(loaded.graph, n)), n))[:3]
    for root in biggest:
        kind = Kind(root[0])
        got = await cascades.generations(loaded.db, kind, root[1], max_generation=12)
        assert got is not None
        sizes = growth_oracle.generation_sizes(loaded.graph, root, 13)
        assert [g.size for g in got] == sizes[:13]
        for g in got:
            want = sizes[g.generation + 1] / sizes[g.generation] if sizes[g.generation] else None
            assert _close(g.k, want)
    assert await cascades.generations(loaded.db, Kind.USER, "nobody", max_generation=3) is None


@pytest.mark.parametrize("interval", list(growth.Interval))
@pytest.mark.parametrize("window", ["all", "middle", "one instant", "before any"])
async def test_growth_matches_the_oracle(
    loaded: Loaded, interval: growth.Interval, window: str
) -> None:
    start, end = loaded.at_quantile(0.3), loaded.at_quantile(0.6)
    if window == "all":
        start, end = loaded.at_quantile(0.0), loaded.at_quantile(1.0) + timedelta(microseconds=1)
    elif window == "one instant":
        start = loaded.at_quantile(0.5)
        end = start + timedelta(microseconds=1)
    elif window == "before any":
        start, end = EARLY, EARLY + timedelta(days=40)
    name = interval.name
    got = await growth.growth(loaded.db, start=start, end=end, interval=interval)
    by_source, by_campaign = growth_oracle.growth(loaded.data, start, end, name)
    keys = [growth_oracle.calendar_key(b.start, name) for b in got.buckets]
    assert len(set(keys)) == len(keys)
    assert set(by_source) <= set(keys)
    assert keys[0] == growth_oracle.calendar_key(start, name)
    for bucket, key in zip(got.buckets, keys, strict=True):
        want = by_source.get(key, Counter[str]())
        assert bucket.by_source == {s: want[s] for s in growth_oracle.SOURCE.values()}
    total = sum(sum(c.values()) for c in by_source.values())
    assert got.whole.total == total
    assert {(growth_oracle.calendar_key(c.start, name), c.campaign_id): c.sign_ups
            for c in got.by_campaign} == dict(by_campaign)  # fmt: skip
    assert not got.campaigns_truncated
    if window == "before any":
        assert total == 0
    if window == "one instant":
        assert total >= 1


@pytest.mark.parametrize("within", [None, 7])
@pytest.mark.parametrize("window", [(0.0, 1.0), (0.3, 0.8)])
async def test_viral_coefficient_as_of_counts_only_what_had_happened(
    loaded: Loaded, window: tuple[float, float], within: int | None
) -> None:
    """Taken as of an instant inside the data, the figures are those computed from the rows
    dated at or before it alone: members, invites, acceptances and referees recorded later are
    left out (the cohort's window reaches past the instant)."""
    as_of = loaded.at_quantile(0.6)
    start, end = loaded.at_quantile(window[0]), loaded.at_quantile(window[1])
    if window == (0.0, 1.0):
        start, end = EARLY, LATE
    assert as_of_rows.later(loaded.data, as_of) > 0
    then = as_of_rows.up_to(loaded.data, as_of)
    for group_by in (CohortGrouping.NONE, CohortGrouping.SOURCE_KIND):
        got = await growth.viral_cohort(
            loaded.db,
            start=start,
            end=end,
            group_by=group_by,
            limit=500,
            within_days=within,
            as_of=as_of,
        )
        if within is None:
            want = growth_oracle.viral(
                then, oracle.referral_graph(then), start, end, group_by.value
            )
        else:
            want = growth_oracle.viral_within_pandas(then, start, end, group_by.value, within)
        _same_groups(got, want)
        # The instant matters: without it, later members and referrals count.
        unbounded = await growth.viral_cohort(
            loaded.db, start=start, end=end, group_by=group_by, limit=500, within_days=within
        )
        assert sum(r.members for r in got) < sum(r.members for r in unbounded)
        assert sum(r.referees for r in got) < sum(r.referees for r in unbounded)


@pytest.mark.parametrize("interval", list(growth.Interval))
async def test_growth_as_of_counts_only_earlier_sign_ups(
    loaded: Loaded, interval: growth.Interval
) -> None:
    """A window reaching past ``asOf``: the buckets are those of the sign-ups dated at or before
    it alone; the later buckets are listed, empty."""
    start, end = loaded.at_quantile(0.2), loaded.at_quantile(1.0) + timedelta(days=1)
    as_of = loaded.at_quantile(0.7)
    then = as_of_rows.up_to(loaded.data, as_of)
    name = interval.name
    got = await growth.growth(loaded.db, start=start, end=end, interval=interval, as_of=as_of)
    by_source, by_campaign = growth_oracle.growth(then, start, end, name)
    everything, _ = growth_oracle.growth(loaded.data, start, end, name)
    keys = [growth_oracle.calendar_key(b.start, name) for b in got.buckets]
    for bucket, key in zip(got.buckets, keys, strict=True):
        want = by_source.get(key, Counter[str]())
        assert bucket.by_source == {s: want[s] for s in growth_oracle.SOURCE.values()}
        if bucket.start > as_of:
            assert bucket.total == 0
    assert {(growth_oracle.calendar_key(c.start, name), c.campaign_id): c.sign_ups
            for c in got.by_campaign} == dict(by_campaign)  # fmt: skip
    total = sum(sum(c.values()) for c in by_source.values())
    assert got.whole.total == total
    # Sign-ups after asOf exist in the window and were left out.
    assert total < sum(sum(c.values()) for c in everything.values())
