"""Fraud signals read from a real Neo4j downline, against a hand-worked network."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from growthgraph.graph import fraud
from growthgraph.graph import fraud_compute as fc
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.loading import seed
from growthgraph.loading.dataset import Dataset, InfluencerRow, UserRow, load_dataset

T0 = datetime(2024, 5, 6, 9, tzinfo=UTC)


def _user(
    uid: str,
    minutes: int,
    ref: str | None,
    kind: str = "USER",
    *,
    ip: str | None = None,
    device: str | None = None,
    email: str | None = None,
    name: str | None = None,
) -> UserRow:
    return UserRow(
        id=uid,
        name=name or f"Person {uid}",
        email=email or f"{uid}@example.com",
        signed_up_at=T0 + timedelta(minutes=minutes),
        referrer_kind=None if ref is None else kind,  # type: ignore[arg-type]
        referrer_id=ref,
        ip_hash=ip,
        device_hash=device,
    )


def fraud_network() -> Dataset:
    """inf refers u1, u2, u3 within 50 minutes; u1 refers u4 and u5 (exactly an hour apart),
    u2 refers u6. Hashes: ipA on u1 and u5 (uncle and nephew), devB on u5 and u6 (cousins), ipC
    on u3 and u4; the organic o1 also carries ipA but is outside the downline. Identities: u4
    and u6 share the e-mail local part jdoe, u2 and u3 the name Ann Lee."""
    return Dataset(
        influencers=[InfluencerRow("inf", "@inf", "tiktok", 10, 0.1)],
        users=[
            _user("o1", -600, None, ip="ipA"),
            _user("u1", 0, "inf", "INFLUENCER", ip="ipA"),
            _user("u2", 10, "inf", "INFLUENCER", name="Ann Lee"),
            _user("u3", 50, "inf", "INFLUENCER", ip="ipC", name="lee, ann"),
            _user("u4", 120, "u1", ip="ipC", email="j.doe+1@x.com"),
            _user("u5", 180, "u1", ip="ipA", device="devB"),
            _user("u6", 200, "u2", device="devB", email="jdoe7@y.org"),
        ],
    )


async def _report(db: Database, **overrides: object) -> fraud.FraudReport:
    args: dict[str, object] = {
        "max_depth": 10,
        "max_users": 100,
        "window": timedelta(minutes=60),
        "min_sign_ups": 2,
        "cap": 2,
        "period": fc.Period.DAY,
    }
    args.update(overrides)
    found = await fraud.fraud_signals(db, Kind.INFLUENCER, "inf", **args)  # type: ignore[arg-type]
    assert found is not None
    return found


async def test_every_signal_on_a_hand_worked_downline(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, fraud_network())
    report = await _report(db)
    assert (report.root.id, report.downline, report.truncated) == ("inf", 6, False)
    assert [(c.members, c.hashes) for c in report.clusters] == [
        (("u1", "u5", "u6"), (("DEVICE", "devB", 2), ("IP", "ipA", 2))),
        (("u3", "u4"), (("IP", "ipC", 2),)),
    ]
    assert [c.score for c in report.clusters] == pytest.approx([3 / 6, 2 / 6])
    # inf: u1, u2, u3 within [0, 60) minutes. u1's u4 and u5 are exactly 60 minutes apart, so
    # no window holds both.
    assert [(b.referrer, b.members, b.score) for b in report.bursts] == [
        (("Influencer", "inf"), ("u1", "u2", "u3"), 1.5)
    ]
    assert [(c.referrer, c.period_start, c.over_cap) for c in report.caps] == [
        (("Influencer", "inf"), T0.replace(hour=0), ("u3",))
    ]
    assert [(g.members, g.reasons) for g in report.duplicates] == [
        (("u2", "u3"), ("name:ann lee",)),
        (("u4", "u6"), ("email:jdoe",)),
    ]
    # Depth and size bounds: one level sees only u1..u3; two users truncate the downline.
    shallow = await _report(db, max_depth=1)
    assert shallow.downline == 3
    assert [c.members for c in shallow.clusters] == []
    small = await _report(db, max_users=2)
    assert (small.downline, small.truncated) == (2, True)
    wider = await _report(db, window=timedelta(minutes=61))
    assert [(b.referrer[1], b.members) for b in wider.bursts] == [
        ("inf", ("u1", "u2", "u3")),
        ("u1", ("u4", "u5")),
    ]


async def test_signals_as_of_an_instant_by_hand(clean_db: Database) -> None:
    """As of 180 minutes (inclusive): u1..u5 had signed up, u6 (200) had not. Every signal is
    over those five users: devB is on u5 alone, so the cluster of u1, u5 and u6 shrinks to u1
    and u5 sharing ipA; u4 and u6 are no longer near-duplicates; the burst and the cap are the
    same. The same as reading a graph that holds only those five users."""
    db = clean_db
    await load_dataset(db, fraud_network())
    report = await _report(db, as_of=T0 + timedelta(minutes=180))
    assert (report.downline, report.truncated) == (5, False)
    assert sorted((c.members, c.hashes) for c in report.clusters) == [
        (("u1", "u5"), (("IP", "ipA", 2),)),
        (("u3", "u4"), (("IP", "ipC", 2),)),
    ]
    assert [c.score for c in report.clusters] == pytest.approx([2 / 5, 2 / 5])
    assert [(b.referrer, b.members) for b in report.bursts] == [
        (("Influencer", "inf"), ("u1", "u2", "u3"))
    ]
    assert [(c.referrer, c.over_cap) for c in report.caps] == [(("Influencer", "inf"), ("u3",))]
    assert [(g.members, g.reasons) for g in report.duplicates] == [
        (("u2", "u3"), ("name:ann lee",)),
    ]
    # Before the first referral: an empty downline, the root still known.
    empty = await _report(db, as_of=T0 - timedelta(minutes=1))
    assert (empty.root.id, empty.downline, empty.clusters, empty.bursts) == ("inf", 0, [], [])


async def test_unknown_root_and_an_empty_downline(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, fraud_network())
    assert (
        await fraud.fraud_signals(
            db,
            Kind.PARTNER,
            "inf",
            max_depth=3,
            max_users=10,
            window=timedelta(hours=1),
            min_sign_ups=2,
            cap=1,
            period=fc.Period.WEEK,
        )
        is None
    )
    leaf = await fraud.fraud_signals(
        db,
        Kind.USER,
        "u6",
        max_depth=3,
        max_users=10,
        window=timedelta(hours=1),
        min_sign_ups=2,
        cap=1,
        period=fc.Period.WEEK,
    )
    assert leaf is not None
    assert (leaf.downline, leaf.clusters, leaf.bursts, leaf.caps, leaf.duplicates) == (
        0,
        [],
        [],
        [],
        [],
    )


async def test_bursts_in_a_period_respect_its_edges(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, fraud_network())
    hour = timedelta(hours=1)

    async def bursts(
        since: datetime, until: datetime, k: int, as_of: datetime | None = None
    ) -> list[tuple[str, tuple[str, ...]]]:
        found = await fraud.bursts_in_period(
            db,
            since=since,
            until=until,
            window=hour,
            min_sign_ups=k,
            **({} if as_of is None else {"as_of": as_of}),
        )
        return [(b.referrer[1], b.members) for b in found.bursts]

    day = (T0 - timedelta(hours=9), T0 + timedelta(hours=15))
    assert await bursts(*day, 3) == [("inf", ("u1", "u2", "u3"))]
    # since is inclusive: from u2's instant, u1 no longer counts.
    assert await bursts(T0 + timedelta(minutes=10), day[1], 2) == [("inf", ("u2", "u3"))]
    # until is exclusive: u3 signed up exactly at it.
    assert await bursts(day[0], T0 + timedelta(minutes=50), 2) == [("inf", ("u1", "u2"))]
    assert await bursts(day[0], T0 + timedelta(minutes=50), 3) == []
    # asOf is inclusive: as of u2's instant, u1 and u2 count and u3 (50 minutes) does not; u1's
    # u4 and u5 (120, 180 minutes) make a burst of two in a 61-minute window only once both had
    # signed up.
    assert await bursts(*day, 2, T0 + timedelta(minutes=10)) == [("inf", ("u1", "u2"))]
    assert await bursts(*day, 3, T0 + timedelta(minutes=49)) == []
    assert await bursts(*day, 3, T0 + timedelta(minutes=50)) == [("inf", ("u1", "u2", "u3"))]
    with pytest.raises(ValueError, match="31 days"):
        await fraud.bursts_in_period(
            db, since=T0, until=T0 + timedelta(days=32), window=hour, min_sign_ups=2
        )


async def test_bursts_in_a_period_match_brute_force_on_demo_data(clean_db: Database) -> None:
    db = clean_db
    data = seed.generate(users=2_000, seed=11)
    await load_dataset(db, data)
    since = data.users[1_000].signed_up_at
    until = since + timedelta(days=31)
    window, k = timedelta(hours=6), 3
    kids: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    labels = {"USER": "User", "INFLUENCER": "Influencer", "PARTNER": "Partner"}
    for u in data.users:
        if u.referrer_kind and u.referrer_id and since <= u.signed_up_at < until:
            kids[(labels[u.referrer_kind], u.referrer_id)].append(u.signed_up_at)
    expected = {}
    for referrer, times in kids.items():
        best = max(sum(1 for t in times if s <= t < s + window) for s in times)
        if best >= k:
            expected[referrer] = best
    found = await fraud.bursts_in_period(
        db, since=since, until=until, window=window, min_sign_ups=k
    )
    assert expected
    assert {b.referrer: len(b.members) for b in found.bursts} == expected
    assert [b.score for b in found.bursts] == sorted((b.score for b in found.bursts), reverse=True)
