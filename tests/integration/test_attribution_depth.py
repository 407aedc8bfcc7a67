"""attributionPath never calls a referred user organic: past the walk's bound it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from growthgraph.errors import ChainTooLongError
from growthgraph.graph import referrals
from growthgraph.graph.database import Database
from growthgraph.loading.dataset import Dataset, PartnerRow, UserRow, load_dataset

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HOPS = referrals.MAX_ATTRIBUTION_HOPS


def chain(length: int) -> Dataset:
    users = [
        UserRow(
            id=f"c{i:05d}",
            name=f"C {i}",
            email=f"c{i}@example.com",
            signed_up_at=T0 + timedelta(minutes=i),
            referrer_kind="PARTNER" if i == 1 else "USER",
            referrer_id="far" if i == 1 else f"c{i - 1:05d}",
        )
        for i in range(1, length + 1)
    ]
    return Dataset(partners=[PartnerRow("far", "Far", "affiliate")], users=users)


async def test_past_the_bound_is_refused_not_organic(clean_db: Database) -> None:
    await load_dataset(clean_db, chain(HOPS + 1))
    at_bound = await referrals.attribution_path(clean_db, f"c{HOPS:05d}")
    assert at_bound is not None
    assert len(at_bound) == HOPS
    assert (at_bound[-1].kind.value, at_bound[-1].id) == ("Partner", "far")
    with pytest.raises(ChainTooLongError, match=str(HOPS)):
        await referrals.attribution_path(clean_db, f"c{HOPS + 1:05d}")
    # An unknown user has no path at all.
    assert await referrals.attribution_path(clean_db, "nobody") is None
