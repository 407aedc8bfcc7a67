"""A downline cut at ``maxUsers`` keeps every examined user's referrer: children that signed up at
the same instant as their parent, with smaller ids, must not be kept without it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from growthgraph.graph import fraud
from growthgraph.graph import fraud_compute as fc
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.loading.dataset import Dataset, InfluencerRow, UserRow, load_dataset

T0 = datetime(2024, 5, 6, 9, tzinfo=UTC)


def user(uid: str, ref: str, kind: str = "USER", minutes: int = 0) -> UserRow:
    return UserRow(
        id=uid,
        name=f"Person {uid}",
        email=f"{uid}@example.com",
        signed_up_at=T0 + timedelta(minutes=minutes),
        referrer_kind=kind,  # type: ignore[arg-type]
        referrer_id=ref,
    )


async def test_truncation_keeps_parents_before_children(clean_db: Database) -> None:
    data = Dataset(
        influencers=[InfluencerRow("inf", "h", "tiktok", 10, 0.1)],
        # b and its children a1, a2 all sign up at T0; the children's ids sort before b's.
        users=[
            user("b", "inf", "INFLUENCER"),
            user("a1", "b"),
            user("a2", "b"),
            user("z", "b", minutes=5),
        ],
    )
    await load_dataset(clean_db, data)
    for max_users in (1, 2, 3, 4):
        report = await fraud.fraud_signals(
            clean_db,
            Kind.INFLUENCER,
            "inf",
            max_depth=10,
            max_users=max_users,
            window=timedelta(hours=1),
            min_sign_ups=2,
            cap=1,
            period=fc.Period.DAY,
        )
        assert report is not None
        kept = ["b", "a1", "a2", "z"][:max_users]
        assert sorted(report.users) == sorted(kept)
        assert report.truncated is (max_users < 4)
        # Every flagged referrer can be named (the resolver looks each one up).
        flagged = {b.referrer for b in report.bursts} | {c.referrer for c in report.caps}
        assert flagged <= set(report.referrers), (max_users, flagged)
        if max_users >= 3:
            assert ("User", "b") in flagged
