"""Growth events on a real Neo4j: invites, sign-ups through invites and conversions. Every
refusal writes nothing (checked with a snapshot), repeats are safe, and racing sign-ups on one
invite end with exactly one acceptance."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from growthgraph.graph import events, sources
from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.outcomes import (
    IdConflict,
    InviteAlreadyAccepted,
    InviteReferrerMismatch,
    SignUpBeforeInvite,
    UnknownCampaign,
    UnknownInvite,
    UnknownReferrer,
    Written,
)
from tests.support.snapshot import snapshot

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
H = timedelta(hours=1)


def signup(uid: str, **changes: object) -> writes.SignUp:
    base = writes.SignUp(
        id=uid, name=f"N {uid}", email=f"{uid}@example.com", signed_up_at=T0 + 10 * H
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def invite(
    db: Database,
    iid: str,
    kind: Kind = Kind.USER,
    sender: str = "root",
    at: datetime = T0 + H,
    channel: str | None = "email",
    campaign_id: str | None = None,
) -> events.InviteOutcome:
    return await events.record_invite(
        db, id=iid, sender_kind=kind, sender_id=sender, at=at, channel=channel,
        campaign_id=campaign_id,
    )  # fmt: skip


async def _base(db: Database) -> None:
    assert isinstance(
        await sources.create_influencer(
            db, id="inf", handle="@i", platform="tiktok", followers=9, engagement_rate=0.1,
            cost_cents=50_000,
        ),
        Written,
    )  # fmt: skip
    assert isinstance(
        await sources.create_partner(db, id="ptn", name="P", kind="affiliate", cost_cents=0),
        Written,
    )
    assert isinstance(
        await sources.create_campaign(
            db, id="cmp", name="C", utm_source=None, utm_medium=None, utm_campaign=None
        ),
        Written,
    )
    assert isinstance(await writes.record_sign_up(db, signup("root", signed_up_at=T0)), Written)


async def test_costs_are_stored_and_part_of_identity(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    again = await sources.create_influencer(
        db, id="inf", handle="@i", platform="tiktok", followers=9, engagement_rate=0.1,
        cost_cents=50_000,
    )  # fmt: skip
    assert isinstance(again, Written)
    assert (again.created, again.record.cost_cents) == (False, 50_000)
    other = await sources.create_partner(db, id="ptn", name="P", kind="affiliate", cost_cents=1)
    assert other == IdConflict("Partner", "ptn")


async def test_invites_are_idempotent_and_refusals_write_nothing(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    first = await invite(db, "i1", campaign_id="cmp")
    assert isinstance(first, Written)
    assert first.created
    assert first.record.sender.id == "root"
    assert first.record.campaign_id == "cmp"
    again = await invite(db, "i1", campaign_id="cmp")
    assert again == Written(first.record, created=False)
    before = await snapshot(db)
    refusals = [
        (invite(db, "i1", channel="sms", campaign_id="cmp"), IdConflict("Invite", "i1")),
        # The same id and values from another sender is still another invite.
        (invite(db, "i1", Kind.INFLUENCER, "inf", campaign_id="cmp"), IdConflict("Invite", "i1")),
        (invite(db, "i2", Kind.USER, "ghost"), UnknownReferrer(Kind.USER, "ghost")),
        (invite(db, "i2", Kind.PARTNER, "root"), UnknownReferrer(Kind.PARTNER, "root")),
        (invite(db, "i2", campaign_id="nope"), UnknownCampaign("nope")),
        (invite(db, "i2", at=T0 - H), events.InviteBeforeSender("root", T0)),
    ]
    for call, expected in refusals:
        assert await call == expected
        assert await snapshot(db) == before
    # Exactly at the sender's sign-up is allowed; influencers and partners have no sign-up time.
    assert isinstance(await invite(db, "i3", at=T0), Written)
    assert isinstance(await invite(db, "i4", Kind.PARTNER, "ptn", at=T0 - 100 * H), Written)


async def test_sign_up_through_an_invite(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    assert isinstance(await invite(db, "i1", campaign_id="cmp"), Written)
    assert isinstance(await invite(db, "i2", Kind.INFLUENCER, "inf", channel=None), Written)
    # No referrer named: the invite's sender is implied, with its channel and campaign.
    out = await writes.record_sign_up(db, signup("a", invite_id="i1"))
    assert isinstance(out, Written)
    assert out.created
    assert (out.record.channel, out.record.campaign_id) == ("email", "cmp")
    assert await writes.record_sign_up(db, signup("a", invite_id="i1")) == Written(
        out.record, created=False
    )
    # The sender named explicitly, with its own channel.
    named = await writes.record_sign_up(
        db,
        signup("b", invite_id="i2", referrer_kind=Kind.INFLUENCER, referrer_id="inf", channel="x"),
    )
    assert isinstance(named, Written)
    assert named.record.channel == "x"
    rows = await db.read(
        "MATCH (s)-[:SENT]->(i:Invite)-[:ACCEPTED]->(u:User)<-[r:REFERRED]-(s) "
        "RETURN i.id AS invite, u.id AS user, s.id AS sender ORDER BY invite"
    )
    assert rows == [
        {"invite": "i1", "user": "a", "sender": "root"},
        {"invite": "i2", "user": "b", "sender": "inf"},
    ]


async def test_invite_refusals_write_nothing(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    assert isinstance(await invite(db, "i1", at=T0 + 5 * H), Written)
    assert isinstance(await invite(db, "i2", at=T0 + 5 * H), Written)
    assert isinstance(await writes.record_sign_up(db, signup("a", invite_id="i1")), Written)
    assert isinstance(await writes.record_sign_up(db, signup("o")), Written)
    before = await snapshot(db)
    cases = [
        (signup("n1", invite_id="ghost"), UnknownInvite("ghost")),
        (signup("n2", invite_id="i1"), InviteAlreadyAccepted("i1", "a")),
        (
            signup("n3", invite_id="i2", referrer_kind=Kind.INFLUENCER, referrer_id="inf"),
            InviteReferrerMismatch("i2", Kind.USER, "root"),
        ),
        (
            signup("n4", invite_id="i2", signed_up_at=T0 + 5 * H - timedelta(seconds=1)),
            SignUpBeforeInvite("i2", T0 + 5 * H),
        ),
        # "a" accepted i1; naming no invite, or another one, is not the same sign-up.
        (signup("a"), IdConflict("User", "a")),
        (signup("a", invite_id="i2"), IdConflict("User", "a")),
        # An existing organic user cannot accept an invite afterwards.
        (signup("o", invite_id="i2"), IdConflict("User", "o")),
    ]
    for attempt, expected in cases:
        assert await writes.record_sign_up(db, attempt) == expected, attempt
        assert await snapshot(db) == before, attempt


async def test_racing_sign_ups_accept_an_invite_once(clean_db: Database) -> None:
    db = clean_db
    await _base(db)
    assert isinstance(await invite(db, "hot"), Written)
    outcomes = await asyncio.gather(
        *(writes.record_sign_up(db, signup(f"r{n}", invite_id="hot")) for n in range(8))
    )
    winners = [o for o in outcomes if isinstance(o, Written)]
    assert len(winners) == 1
    assert all(isinstance(o, InviteAlreadyAccepted) for o in outcomes if o not in winners)
    rows = await db.read("MATCH (:Invite {id: 'hot'})-[a:ACCEPTED]->() RETURN count(a) AS n")
    assert rows == [{"n": 1}]
    rows = await db.read("MATCH (u:User) WHERE u.id STARTS WITH 'r' RETURN count(u) AS n")
    assert rows == [{"n": 2}]  # root and the one winner


async def test_conversions(clean_db: Database) -> None:
    db = clean_db
    await _base(db)

    async def convert(cid: str, uid: str = "root", **kw: object) -> events.ConversionOutcome:
        args: dict[str, object] = {"at": T0 + H, "revenue_cents": 999, "plan": "pro"} | kw
        return await events.record_conversion(db, id=cid, user_id=uid, **args)  # type: ignore[arg-type]

    first = await convert("c1")
    assert isinstance(first, Written)
    assert first.created
    assert (first.record.user_id, first.record.revenue_cents) == ("root", 999)
    assert await convert("c1") == Written(first.record, created=False)
    assert isinstance(await convert("c0", at=T0, revenue_cents=0, plan=None), Written)
    assert isinstance(await writes.record_sign_up(db, signup("other")), Written)
    before = await snapshot(db)
    assert await convert("c1", revenue_cents=1) == IdConflict("Conversion", "c1")
    assert await convert("c1", uid="other", at=T0 + 20 * H) == IdConflict("Conversion", "c1")
    assert await convert("c2", uid="ghost") == events.UnknownUser("ghost")
    assert await convert("c2", at=T0 - timedelta(microseconds=1)) == (
        events.ConversionBeforeSignUp("root", T0)
    )
    assert await snapshot(db) == before
