"""The demo network's money answers through GraphQL, in a window of its span: every campaign
and every partner has a windowed cost, and the windowed cost per acquisition of each partner is
its entries in the window over its direct sign-ups in the window (computed here from the rows)."""

from __future__ import annotations

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from growthgraph.loading.seed_events import add_events
from growthgraph.loading.seed_money import add_costs
from tests.api.conftest import Api

RETURNS = """
query($kind: CostSourceKind!, $from: DateTime, $to: DateTime) {
  sourceReturns(kind: $kind, from: $from, to: $to) {
    source { ... on Partner { id } ... on Campaign { id } }
    directSignUps revenueCents costCents roi costPerAcquisitionCents
  }
}
"""


async def test_the_demo_has_windowed_money(api: Api, clean_db: Database) -> None:
    data = add_costs(add_events(seed.generate(users=1_500, seed=11), seed=11), seed=11)
    await load_dataset(clean_db, data)
    times = sorted(u.signed_up_at for u in data.users)
    start, end = times[0], times[len(times) // 2]
    window = {"from": start.isoformat(), "to": end.isoformat()}
    for kind in ("PARTNER", "CAMPAIGN"):
        rows = api.data(RETURNS, {"kind": kind, **window})["sourceReturns"]
        assert rows
        assert all(r["costCents"] is not None for r in rows)
        assert any(r["revenueCents"] > 0 and r["roi"] is not None for r in rows)
    partners = api.data(RETURNS, {"kind": "PARTNER", **window})["sourceReturns"]
    for row in partners:
        pid = row["source"]["id"]
        cost = sum(
            c.amount_cents
            for c in data.costs
            if (c.source_kind, c.source_id) == ("PARTNER", pid) and start <= c.at < end
        )
        direct = sum(
            1
            for u in data.users
            if (u.referrer_kind, u.referrer_id) == ("PARTNER", pid)
            and start <= u.signed_up_at < end
        )
        assert row["costCents"] == cost
        assert row["directSignUps"] == direct
        if direct:
            assert row["costPerAcquisitionCents"] == pytest.approx(cost / direct)
