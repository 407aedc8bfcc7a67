"""A small hand-built network with the awkward cases: a chain deeper than the largest degree,
ties, the same id under two kinds, sign-ups exactly on window boundaries, organic users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from growthgraph.loading.dataset import CampaignRow, Dataset, InfluencerRow, PartnerRow, UserRow

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def handmade() -> Dataset:
    data = Dataset(
        influencers=[
            InfluencerRow("x", "@x", "tiktok", 1000, 0.05),
            InfluencerRow("inf-b", "@b", "youtube", 50, 0.2),
        ],
        partners=[PartnerRow("p1", "Shop Apps", "app-marketplace")],
        campaigns=[CampaignRow("c1", "Launch", "newsletter", "email", "launch")],
    )
    users = data.users

    def user(uid: str, hour: int, kind: str | None = None, ref: str | None = None) -> None:
        users.append(
            UserRow(
                id=uid,
                name=f"User {uid}",
                email=f"{uid}@example.com",
                signed_up_at=at(hour),
                referrer_kind=kind,  # type: ignore[arg-type]
                referrer_id=ref,
                channel="link" if ref else None,
                campaign_id="c1" if kind == "INFLUENCER" else None,
            )
        )

    # A user whose id equals an influencer's: ids are unique per kind only.
    user("x", 0)
    # A chain of 8 under influencer x: c1 .. c8, one hour apart.
    user("c1", 1, "INFLUENCER", "x")
    for i in range(2, 9):
        user(f"c{i}", i, "USER", f"c{i - 1}")
    # User x and partner p1 each refer two users, tying with each other at degree 1.
    user("ux1", 10, "USER", "x")
    user("ux2", 11, "USER", "x")
    user("pp1", 10, "PARTNER", "p1")
    user("pp2", 12, "PARTNER", "p1")
    # Second degree below p1 and below user x, to tie at degree 2 as well.
    user("pp1a", 13, "USER", "pp1")
    user("ux1a", 13, "USER", "ux1")
    # inf-b: a wide, shallow cascade.
    for i in range(5):
        user(f"b{i}", 20 + i, "INFLUENCER", "inf-b")
    # Organic users.
    user("o1", 3)
    user("o2", 30)
    return data
