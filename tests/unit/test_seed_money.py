"""The demo's dated costs: deterministic, the deal costs moved into monthly entries without
changing their totals, every entry inside the sign-up span, every campaign with a spend."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from growthgraph.loading import seed
from growthgraph.loading.seed_events import add_events
from growthgraph.loading.seed_money import add_costs, month_starts


def test_month_starts() -> None:
    first = datetime(2024, 11, 20, 8, tzinfo=UTC)
    assert month_starts(first, datetime(2025, 2, 1, tzinfo=UTC)) == [
        first,
        datetime(2024, 12, 1, tzinfo=UTC),
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 2, 1, tzinfo=UTC),
    ]
    assert month_starts(first, first) == [first]


def test_deal_costs_become_monthly_entries() -> None:
    before = add_events(seed.generate(users=800, seed=4, days=100), seed=4)
    after = add_costs(before, seed=4)
    assert add_costs(before, seed=4) == after
    assert all(r.cost_cents is None for r in after.influencers)
    assert all(r.cost_cents is None for r in after.partners)
    totals: Counter[tuple[str, str]] = Counter()
    for c in after.costs:
        totals[(c.source_kind, c.source_id)] += c.amount_cents
    undated = {("INFLUENCER", r.id): r.cost_cents for r in before.influencers}
    undated |= {("PARTNER", r.id): r.cost_cents for r in before.partners}
    assert {k: v for k, v in undated.items() if v is not None} == {
        k: v for k, v in totals.items() if k[0] != "CAMPAIGN"
    }
    assert {c.id for c in after.campaigns} == {k[1] for k in totals if k[0] == "CAMPAIGN"}
    first = min(u.signed_up_at for u in after.users)
    last = max(u.signed_up_at for u in after.users)
    assert all(first <= c.at <= last and c.amount_cents >= 0 for c in after.costs)
    assert len({c.id for c in after.costs}) == len(after.costs)
    # A 100-day span touches four or five months: one entry per source and month.
    per_source = Counter((c.source_kind, c.source_id) for c in after.costs)
    assert set(per_source.values()) <= {4, 5}
