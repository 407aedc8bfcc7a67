"""Return per source and lifetime value from Neo4j, checked against pandas on the same rows
(``tests/support/money_oracle.py``): a generated network with repeated conversions, dated and
undated costs on influencers, partners and campaigns, and rewards paid at chosen instants.
The real CollegeMsg data has no money; the hand-worked oracle is tests/api/test_money.py."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from growthgraph.graph import money, rewards
from growthgraph.graph.database import Database
from growthgraph.graph.labels import CostSourceName
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.outcomes import Written
from growthgraph.graph.referrals import EARLIEST, LATEST
from growthgraph.loading import seed
from growthgraph.loading.dataset import ConversionRow, CostRow, Dataset, load_dataset
from tests.support import as_of as as_of_rows
from tests.support import money_oracle as oracle

KINDS: tuple[CostSourceName, ...] = ("INFLUENCER", "PARTNER", "CAMPAIGN")


def _data() -> Dataset:
    data = seed.generate(users=1_500, seed=21, days=120, start=datetime(2024, 1, 1, tzinfo=UTC))
    rng = random.Random(5)
    data.conversions = [
        ConversionRow(
            f"m-{u.id}-{n}",
            u.id,
            u.signed_up_at + timedelta(days=rng.uniform(0, 150)),
            rng.randrange(100, 20_000),
        )
        for u in data.users
        if rng.random() < 0.4
        for n in range(rng.randrange(1, 4))
    ]
    # Undated costs on every other influencer and partner; dated entries on most sources.
    data.influencers = [
        replace(r, cost_cents=50_000 + i if i % 2 else None) for i, r in enumerate(data.influencers)
    ]
    data.partners = [
        replace(r, cost_cents=70_000 + i if i % 2 == 0 else None)
        for i, r in enumerate(data.partners)
    ]
    targets: list[tuple[CostSourceName, str]] = [
        *(("INFLUENCER", r.id) for r in data.influencers),
        *(("PARTNER", r.id) for r in data.partners),
        *(("CAMPAIGN", r.id) for r in data.campaigns),
    ]
    origin = datetime(2024, 1, 1, tzinfo=UTC)
    data.costs = [
        CostRow(
            f"k-{kind}-{sid}-{n}",
            kind,
            sid,
            origin + timedelta(days=rng.uniform(-10, 140)),
            rng.randrange(1_000, 90_000),
        )
        for i, (kind, sid) in enumerate(targets)
        if i % 5 != 3
        for n in range(rng.randrange(1, 5))
    ]
    return data


@dataclass
class Loaded:
    data: Dataset
    paid: list[oracle.PaidReward]
    db: Database

    def at_quantile(self, q: float) -> datetime:
        times = sorted(u.signed_up_at for u in self.data.users)
        return times[int(q * (len(times) - 1))]


async def _pay_rewards(db: Database, data: Dataset) -> list[oracle.PaidReward]:
    """Run a two-level rule over a slice of the conversions and pay about two thirds of the
    ledger, each reward at an instant chosen here (the oracle's own record of when)."""
    rule = await rewards.create_rule(
        db,
        id="r",
        name="R",
        levels=[rewards.Level(1_000, 300), rewards.Level(500, 0)],
        referee_cents=0,
        cap_cents=None,
    )
    assert isinstance(rule, Written)
    start, end = datetime(2024, 3, 1, tzinfo=UTC), datetime(2024, 3, 15, tzinfo=UTC)
    run = await rewards.run_rewards(db, rule_id="r", start=start, end=end, at=end)
    assert isinstance(run, Written)
    found = await rewards.ledger(db, run.record.id, status=None, after=None, limit=500)
    assert found is not None
    ledger = found[1]
    assert 20 < len(ledger) < 500
    assert any(w.beneficiary_label == "Influencer" for w in ledger)
    paid: list[oracle.PaidReward] = []
    for i, w in enumerate(ledger):
        if i % 3 == 2:
            continue
        at = datetime(2024, 3, 20, tzinfo=UTC) + timedelta(days=2 * i)
        approved = await rewards.set_status(db, id=w.id, status=rewards.APPROVED, at=at)
        assert isinstance(approved, Written)
        done = await rewards.set_status(db, id=w.id, status=rewards.PAID, at=at)
        assert isinstance(done, Written)
        paid.append(
            oracle.PaidReward(
                w.beneficiary_label, w.beneficiary_id, w.conversion_id, w.amount_cents, at
            )
        )
    return paid


@pytest_asyncio.fixture(scope="module")
async def loaded(db: Database) -> AsyncIterator[Loaded]:
    data = _data()
    await delete_everything(db)
    await load_dataset(db, data, batch_size=2_000)
    paid = await _pay_rewards(db, data)
    yield Loaded(data, paid, db)


def _same_returns(got: list[money.SourceReturn], want: dict[str, oracle.Return]) -> None:
    """The same sources, by id, with the same counts and amounts."""
    assert [r.source.id for r in got] == sorted(want)
    for row in got:
        exp = want[row.source.id]
        assert (
            row.direct_sign_ups,
            row.sign_ups,
            row.conversions,
            row.paying_users,
            row.revenue_cents,
            row.cost_cents,
            row.rewards_paid_cents,
        ) == (exp.direct, exp.sign_ups, exp.conversions, exp.payers, exp.revenue, exp.cost,
              exp.rewards), row.source.id  # fmt: skip


WINDOWS = [None, (0.3, 0.7), (0.0, 0.5)]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("kind", KINDS)
async def test_source_returns_match_pandas(
    loaded: Loaded, kind: CostSourceName, window: tuple[float, float] | None
) -> None:
    start, end = EARLIEST, LATEST
    if window is not None:
        start, end = loaded.at_quantile(window[0]), loaded.at_quantile(window[1])
    got = await money.source_returns(loaded.db, kind, start=start, end=end, undated=window is None)
    want = oracle.source_returns(loaded.data, kind, loaded.paid, start, end, window is None)
    _same_returns(got, want)
    for row in got:
        exp = want[row.source.id]
        spent = None if exp.cost is None else exp.cost + exp.rewards
        if spent:
            assert row.roi == pytest.approx((exp.revenue - spent) / spent)
        else:
            assert row.roi is None
        if exp.cost is not None and exp.direct:
            assert row.cost_per_acquisition_cents == pytest.approx(exp.cost / exp.direct)
        else:
            assert row.cost_per_acquisition_cents is None
        if exp.conversions:
            assert row.average_order_value_cents == pytest.approx(exp.revenue / exp.conversions)
        else:
            assert row.average_order_value_cents is None
    # The data exercise what the figures distinguish.
    assert any(r.revenue_cents for r in got)
    if kind == "PARTNER" and window is not None:
        assert any(r.cost_cents is None for r in got)  # only an undated cost: unknown here
    if window is None and kind != "CAMPAIGN":
        assert any(r.rewards_paid_cents for r in got)
    if kind == "CAMPAIGN":
        assert any(r.rewards_paid_cents for r in got) or window == (0.0, 0.5)


@pytest.mark.parametrize("window", [None, (0.3, 1.0)])
@pytest.mark.parametrize("kind", KINDS)
async def test_source_returns_as_of_count_only_what_had_happened(
    loaded: Loaded, kind: CostSourceName, window: tuple[float, float] | None
) -> None:
    """As of an instant inside the data: the returns of the rows dated at or before it alone
    (sign-ups, conversions, cost entries) and of the rewards paid by then."""
    as_of = datetime(2024, 4, 15, tzinfo=UTC)
    start, end = EARLIEST, LATEST
    if window is not None:
        start, end = loaded.at_quantile(window[0]), LATEST
    then = as_of_rows.up_to(loaded.data, as_of)
    paid_then = [p for p in loaded.paid if p.paid_at <= as_of]
    assert as_of_rows.later(loaded.data, as_of) > 0
    assert 0 < len(paid_then) < len(loaded.paid)
    got = await money.source_returns(
        loaded.db, kind, start=start, end=end, undated=window is None, as_of=as_of
    )
    want = oracle.source_returns(then, kind, paid_then, start, end, window is None)
    _same_returns(got, want)
    everything = oracle.source_returns(loaded.data, kind, loaded.paid, start, end, window is None)
    assert sum(r.revenue_cents for r in got) < sum(e.revenue for e in everything.values())


@pytest.mark.parametrize("grouping", list(money.LtvGrouping))
@pytest.mark.parametrize(("days", "as_of"), [(30, datetime(2024, 4, 15, tzinfo=UTC)), (90, None)])
async def test_lifetime_value_matches_pandas(
    loaded: Loaded, grouping: money.LtvGrouping, days: int, as_of: datetime | None
) -> None:
    at = as_of or datetime(2030, 1, 1, tzinfo=UTC)
    start, end = loaded.at_quantile(0.1), loaded.at_quantile(0.9)
    report = await money.lifetime_value(
        loaded.db, start=start, end=end, as_of=at, days=days, grouping=grouping
    )
    want = oracle.lifetime_value(loaded.data, start, end, at, days, grouping.value)
    got: dict[tuple[str | None, bool], oracle.Ltv] = {}
    for g in report.groups:
        for referred, f in ((True, g.referred), (False, g.organic)):
            if f.users:
                got[(g.key, referred)] = oracle.Ltv(
                    f.users, f.paying_users, f.revenue_to_date_cents, f.mature_users,
                    f.revenue_within_cents,
                )  # fmt: skip
    assert got == want
    total = report.referred + report.organic
    assert total.users == sum(v.users for v in want.values())
    if as_of is not None:
        # Some of the cohort is too young for its N days: left out of the N-day figures.
        assert 0 < total.mature_users < total.users
    assert report.referred.average_within_cents is not None
    assert report.organic.average_within_cents is not None
