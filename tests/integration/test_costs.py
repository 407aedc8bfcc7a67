"""Dated costs on a real Neo4j: ``record_cost`` stores, repeats safely and refuses without writing
(checked with a snapshot); a windowed cost per acquisition uses only the window's costs. The
expected figures are worked by hand below, from the entries and sign-ups this test writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from growthgraph.graph import sources
from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import CostSourceName, Kind
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer, Written
from growthgraph.graph.referrals import EARLIEST, LATEST
from growthgraph.graph.sources import SourceSort
from tests.support.snapshot import snapshot


def day(month: int, d: int, year: int = 2024) -> datetime:
    return datetime(year, month, d, 12, tzinfo=UTC)


H1 = (day(1, 1), day(7, 1))  # the first half of 2024
H2 = (day(7, 1), day(1, 1, 2025))


async def _sources(db: Database) -> None:
    assert isinstance(
        await sources.create_partner(db, id="ptn", name="P", kind="affiliate", cost_cents=50),
        Written,
    )
    # Only an undated cost: nothing can be said about a window.
    assert isinstance(
        await sources.create_partner(db, id="old", name="O", kind="reseller", cost_cents=900),
        Written,
    )
    assert isinstance(
        await sources.create_campaign(
            db, id="cmp", name="C", utm_source=None, utm_medium=None, utm_campaign=None
        ),
        Written,
    )


async def cost(
    db: Database,
    cid: str,
    amount: int,
    at: datetime,
    kind: CostSourceName = "PARTNER",
    on: str = "ptn",
) -> sources.CostOutcome:
    return await sources.record_cost(
        db, id=cid, source_kind=kind, source_id=on, at=at, amount_cents=amount, note=None
    )


async def sign_up(db: Database, uid: str, at: datetime, referrer: tuple[Kind, str]) -> None:
    out = await writes.record_sign_up(
        db,
        writes.SignUp(
            id=uid,
            name=f"N {uid}",
            email=f"{uid}@example.com",
            signed_up_at=at,
            referrer_kind=referrer[0],
            referrer_id=referrer[1],
        ),
    )
    assert isinstance(out, Written)


async def test_record_cost_is_idempotent_and_refusals_write_nothing(clean_db: Database) -> None:
    db = clean_db
    await _sources(db)
    first = await cost(db, "c-1", 12_345, day(3, 1))
    assert isinstance(first, Written)
    assert first.created
    assert (first.record.source_kind, first.record.source_id) == ("PARTNER", "ptn")
    assert (first.record.amount_cents, first.record.at) == (12_345, day(3, 1))
    on_campaign = await cost(db, "c-2", 700, day(3, 2), kind="CAMPAIGN", on="cmp")
    assert isinstance(on_campaign, Written)
    assert on_campaign.created

    before = await snapshot(db)
    again = await cost(db, "c-1", 12_345, day(3, 1))
    assert isinstance(again, Written)
    assert not again.created
    assert again.record == first.record
    assert await cost(db, "c-1", 1, day(3, 1)) == IdConflict("Cost", "c-1")
    assert await cost(db, "c-1", 12_345, day(3, 2)) == IdConflict("Cost", "c-1")
    # The same id on another source, or on a source of another kind with the same id.
    assert await cost(db, "c-1", 12_345, day(3, 1), on="old") == IdConflict("Cost", "c-1")
    assert await cost(db, "c-2", 700, day(3, 2), kind="PARTNER", on="cmp") == IdConflict(
        "Cost", "c-2"
    )
    assert await cost(db, "c-9", 5, day(3, 1), on="nobody") == UnknownReferrer(
        Kind.PARTNER, "nobody"
    )
    assert await cost(db, "c-9", 5, day(3, 1), kind="INFLUENCER", on="ptn") == UnknownReferrer(
        Kind.INFLUENCER, "ptn"
    )
    assert await cost(db, "c-9", 5, day(3, 1), kind="CAMPAIGN", on="none") == UnknownCampaign(
        "none"
    )
    assert await snapshot(db) == before


async def _performance(
    db: Database, window: tuple[datetime, datetime] | None, sort: SourceSort = SourceSort.REVENUE
) -> dict[str, sources.SourcePerformance]:
    start, end = window or (EARLIEST, LATEST)
    rows = await sources.source_performance(
        db,
        Kind.PARTNER,
        start=start,
        end=end,
        max_depth=10,
        sort=sort,
        limit=10,
        undated=window is None,
    )
    return {r.source.id: r for r in rows}


async def test_windowed_cost_per_acquisition_uses_the_windows_costs(clean_db: Database) -> None:
    db = clean_db
    await _sources(db)
    # ptn: 100 in January, 300 in April, 600 in August, and its undated 50.
    for cid, amount, at in (("a", 100, day(1, 10)), ("b", 300, day(4, 10)), ("c", 600, day(8, 1))):
        assert isinstance(await cost(db, cid, amount, at), Written)
    # Direct sign-ups: two in the first half, one in the second; one sign-up of "old" in each.
    await sign_up(db, "u1", day(2, 1), (Kind.PARTNER, "ptn"))
    await sign_up(db, "u2", day(5, 1), (Kind.PARTNER, "ptn"))
    await sign_up(db, "u3", day(9, 1), (Kind.PARTNER, "ptn"))
    await sign_up(db, "v1", day(2, 1), (Kind.PARTNER, "old"))
    await sign_up(db, "v2", day(9, 1), (Kind.PARTNER, "old"))

    # All time: every entry plus the undated cost. (100 + 300 + 600 + 50) / 3 = 350.
    all_time = await _performance(db, None)
    assert all_time["ptn"].cost_cents == 1_050
    assert all_time["ptn"].cost_per_acquisition_cents == pytest.approx(350.0)
    assert all_time["old"].cost_cents == 900
    assert all_time["old"].cost_per_acquisition_cents == pytest.approx(450.0)
    # First half: (100 + 300) / 2 = 200; the undated costs do not count in a window.
    first = await _performance(db, H1)
    assert first["ptn"].cost_cents == 400
    assert first["ptn"].cost_per_acquisition_cents == pytest.approx(200.0)
    assert first["old"].cost_cents is None
    assert first["old"].cost_per_acquisition_cents is None
    # Second half: 600 / 1.
    second = await _performance(db, H2)
    assert second["ptn"].cost_cents == 600
    assert second["ptn"].cost_per_acquisition_cents == pytest.approx(600.0)
    # A window with entries outside it only: zero spent, so a CPA of zero.
    late = await _performance(db, (day(9, 1), day(12, 1)))
    assert late["ptn"].cost_cents == 0
    assert late["ptn"].cost_per_acquisition_cents == pytest.approx(0.0)
    # Ranking by CPA uses the window's cost: cheapest first, unknown last.
    ranked = await _performance(db, H1, SourceSort.COST_PER_ACQUISITION)
    assert list(ranked) == ["ptn", "old"]
    ranked_all = await _performance(db, None, SourceSort.COST_PER_ACQUISITION)
    assert list(ranked_all) == ["ptn", "old"]
