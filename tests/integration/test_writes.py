"""Mutations' repository layer on a real Neo4j: every refusal writes nothing, repeats are safe,
conflicts are refused, and concurrent writers of one id end with exactly one result."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from growthgraph.graph import sources
from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.outcomes import (
    AlreadyReferred,
    IdConflict,
    SignUpBeforeReferrer,
    UnknownCampaign,
    UnknownReferrer,
    Written,
)
from tests.support.snapshot import snapshot

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)


def signup(uid: str, **changes: object) -> writes.SignUp:
    base = writes.SignUp(id=uid, name=f"N {uid}", email=f"{uid}@example.com", signed_up_at=T0)
    return replace(base, **changes)  # type: ignore[arg-type]


async def _base(db: Database) -> None:
    assert isinstance(
        await sources.create_influencer(
            db, id="inf", handle="@inf", platform="tiktok", followers=10, engagement_rate=0.1
        ),
        Written,
    )
    assert isinstance(
        await sources.create_partner(db, id="ptn", name="P", kind="affiliate"), Written
    )
    assert isinstance(
        await sources.create_campaign(
            db, id="cmp", name="C", utm_source="s", utm_medium=None, utm_campaign=None
        ),
        Written,
    )
    assert isinstance(await writes.record_sign_up(db, signup("root")), Written)


async def test_create_entities_idempotent_and_conflicting(clean_db: Database) -> None:
    db = clean_db
    first = await sources.create_influencer(
        db, id="i1", handle="@a", platform="instagram", followers=5, engagement_rate=0.5
    )
    assert isinstance(first, Written)
    assert first.created
    again = await sources.create_influencer(
        db, id="i1", handle="@a", platform="instagram", followers=5, engagement_rate=0.5
    )
    assert isinstance(again, Written)
    assert not again.created
    assert again.record == first.record
    before = await snapshot(db)
    clash = await sources.create_influencer(
        db, id="i1", handle="@b", platform="instagram", followers=5, engagement_rate=0.5
    )
    assert clash == IdConflict(entity="Influencer", id="i1")
    assert await snapshot(db) == before

    c1 = await sources.create_campaign(
        db, id="c1", name="C", utm_source=None, utm_medium=None, utm_campaign=None
    )
    c2 = await sources.create_campaign(
        db, id="c1", name="C", utm_source=None, utm_medium=None, utm_campaign=None
    )
    assert isinstance(c1, Written)
    assert isinstance(c2, Written)
    assert (c1.created, c2.created) == (True, False)
    p1 = await sources.create_partner(db, id="p1", name="P", kind="reseller")
    p2 = await sources.create_partner(db, id="p1", name="P", kind="alliance")
    assert isinstance(p1, Written)
    assert p2 == IdConflict(entity="Partner", id="p1")


async def test_sign_up_with_each_kind_of_referrer(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    later = T0 + timedelta(days=1)
    for uid, kind, ref in [
        ("a", Kind.USER, "root"),
        ("b", Kind.INFLUENCER, "inf"),
        ("c", Kind.PARTNER, "ptn"),
    ]:
        out = await writes.record_sign_up(
            db,
            signup(uid, signed_up_at=later, referrer_kind=kind, referrer_id=ref, campaign_id="cmp"),
        )
        assert isinstance(out, Written)
        assert out.created
        repeat = await writes.record_sign_up(
            db,
            signup(uid, signed_up_at=later, referrer_kind=kind, referrer_id=ref, campaign_id="cmp"),
        )
        assert repeat == Written(out.record, created=False)


async def test_refusals_write_nothing(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    await writes.record_sign_up(
        db,
        signup(
            "kid", signed_up_at=T0 + timedelta(hours=1), referrer_kind=Kind.USER, referrer_id="root"
        ),
    )
    before = await snapshot(db)
    later = T0 + timedelta(days=2)
    cases = [
        (
            signup("n1", referrer_kind=Kind.USER, referrer_id="ghost"),
            UnknownReferrer(Kind.USER, "ghost"),
        ),
        (
            signup("n2", referrer_kind=Kind.INFLUENCER, referrer_id="root"),
            UnknownReferrer(Kind.INFLUENCER, "root"),
        ),
        (signup("n3", campaign_id="nope"), UnknownCampaign("nope")),
        (
            signup(
                "n4",
                signed_up_at=T0 - timedelta(seconds=1),
                referrer_kind=Kind.USER,
                referrer_id="root",
            ),
            SignUpBeforeReferrer("root", T0),
        ),
        # "kid" exists, referred by root: a different referrer loses (first referral wins).
        (
            signup("kid", signed_up_at=later, referrer_kind=Kind.INFLUENCER, referrer_id="inf"),
            None,
        ),
        # "root" exists organically: the same id with other values is a conflict.
        (signup("root", name="Someone else"), IdConflict("User", "root")),
    ]
    for attempt, expected in cases:
        out = await writes.record_sign_up(db, attempt)
        if expected is None:
            assert isinstance(out, AlreadyReferred)
            assert out.referrer.id == "root"
        else:
            assert out == expected
        assert await snapshot(db) == before, attempt


async def test_concurrent_sign_ups_of_one_user_make_one_user_and_one_edge(
    clean_db: Database,
) -> None:
    db = clean_db
    await _base(db)
    later = T0 + timedelta(hours=3)
    attempts = [
        signup("racer", signed_up_at=later, referrer_kind=Kind.INFLUENCER, referrer_id="inf")
        for _ in range(10)
    ] + [
        signup("racer", signed_up_at=later, referrer_kind=Kind.PARTNER, referrer_id="ptn")
        for _ in range(10)
    ]
    outcomes = await asyncio.gather(*(writes.record_sign_up(db, a) for a in attempts))
    created = [o for o in outcomes if isinstance(o, Written) and o.created]
    assert len(created) == 1
    winner_is_influencer = outcomes.index(created[0]) < 10
    for index, out in enumerate(outcomes):
        same_side = (index < 10) == winner_is_influencer
        if same_side:
            assert isinstance(out, Written)
        else:
            assert isinstance(out, AlreadyReferred)
    stored = await snapshot(db)
    assert stored.relationships_of("REFERRED", end="racer") == 1
    assert stored.nodes_with("User", id="racer") == 1
