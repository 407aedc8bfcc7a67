"""The change feed on a real Neo4j: each write that matters appends its change in the same
transaction (a refusal or a repeat appends nothing), concurrent writers get distinct,
gap-free sequence numbers in commit order, a rolled-back write leaves no change and no hole,
pruning removes a prefix, and a cursor delivers every change once, in order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import AsyncManagedTransaction

from growthgraph.graph import changes, events, fraud, rewards, sources
from growthgraph.graph import users as writes
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.outcomes import UnknownReferrer, Written

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)
H = timedelta(hours=1)


def signup(uid: str, ref: str | None = None, kind: Kind = Kind.USER) -> writes.SignUp:
    return writes.SignUp(
        id=uid,
        name=f"N {uid}",
        email=f"{uid}@example.com",
        signed_up_at=T0 + H,
        referrer_kind=kind if ref else None,
        referrer_id=ref,
    )


async def feed(db: Database) -> list[changes.Change]:
    return await changes.read_after(db, 0, 100_000)


async def test_writes_append_their_changes(clean_db: Database) -> None:
    db = clean_db
    await sources.create_influencer(
        db, id="inf", handle="h", platform="youtube", followers=1, engagement_rate=0.1
    )
    assert isinstance(await writes.record_sign_up(db, signup("a", "inf", Kind.INFLUENCER)), Written)
    assert isinstance(await writes.record_sign_up(db, signup("b", "a")), Written)
    # A repeat and a refusal append nothing.
    await writes.record_sign_up(db, signup("b", "a"))
    assert isinstance(await writes.record_sign_up(db, signup("c", "nobody")), UnknownReferrer)
    await events.record_conversion(
        db, id="cv1", user_id="b", at=T0 + 2 * H, revenue_cents=1000, plan=None
    )
    await fraud.flag_user(db, "b", reason="looks odd", at=T0)
    await fraud.flag_user(db, "b", reason="again", at=T0)  # already flagged: no change
    await fraud.unflag_user(db, "b")
    await rewards.create_rule(
        db, id="r", name="r", levels=[rewards.Level(1000, 0)], referee_cents=0, cap_cents=None
    )
    await rewards.run_rewards(db, rule_id="r", start=T0, end=T0 + 24 * H, at=T0 + 30 * H)
    found = await feed(db)
    assert [c.seq for c in found] == list(range(1, len(found) + 1))
    summary = [(c.kind, dict(c.data)) for c in found]
    k = changes.ChangeKind
    assert summary[:5] == [
        (k.SIGN_UP, {"userId": "a", "referrerKind": "Influencer", "referrerId": "inf"}),
        (k.SIGN_UP, {"userId": "b", "referrerKind": "User", "referrerId": "a"}),
        (k.CONVERSION, {"conversionId": "cv1", "userId": "b", "revenueCents": 1000}),
        (k.FRAUD_FLAG, {"userId": "b", "flagged": True}),
        (k.FRAUD_FLAG, {"userId": "b", "flagged": False}),
    ]
    # The run's rewards: 10% of 1000 to the conversion's direct referrer, user "a".
    assert [
        (kind, d["beneficiaryId"], d["status"], d["amountCents"]) for kind, d in summary[5:]
    ] == [(k.REWARD_STATUS, "a", "PENDING", 100)]
    reward_id = summary[5][1]["rewardId"]
    await rewards.set_status(db, id=reward_id, status="APPROVED", at=T0 + 31 * H)
    last = (await feed(db))[-1]
    assert (last.kind, last.get("rewardId"), last.get("status")) == (
        k.REWARD_STATUS,
        reward_id,
        "APPROVED",
    )


async def test_concurrent_writers_get_distinct_gap_free_seqs(clean_db: Database) -> None:
    db = clean_db
    n = 40
    outcomes = await asyncio.gather(
        *(writes.record_sign_up(db, signup(f"u{i:02d}")) for i in range(n))
    )
    assert all(isinstance(o, Written) for o in outcomes)
    found = await feed(db)
    assert sorted(c.seq for c in found) == list(range(1, n + 1))
    assert sorted(str(c.get("userId")) for c in found) == [f"u{i:02d}" for i in range(n)]
    assert await changes.head(db) == (n, 0)


async def test_rolled_back_write_leaves_no_change_and_no_hole(clean_db: Database) -> None:
    db = clean_db

    async def fails(tx: AsyncManagedTransaction) -> None:
        await changes.append(tx, [changes.event(changes.ChangeKind.SIGN_UP, userId="ghost")])
        raise RuntimeError("the write fails after appending")

    with pytest.raises(RuntimeError):
        await db.write_tx(fails)
    await writes.record_sign_up(db, signup("real"))
    found = await feed(db)
    assert [(c.seq, c.get("userId")) for c in found] == [(1, "real")]


async def test_seq_is_commit_ordered_while_a_writer_holds_the_feed(clean_db: Database) -> None:
    """A writer that appended but has not committed blocks the next append: a reader never sees
    seq 2 while seq 1 is still uncommitted."""
    db = clean_db
    holding = asyncio.Event()
    release = asyncio.Event()

    async def slow(tx: AsyncManagedTransaction) -> None:
        await changes.append(tx, [changes.event(changes.ChangeKind.SIGN_UP, userId="slow")])
        holding.set()
        await release.wait()

    slow_task = asyncio.create_task(db.write_tx(slow))
    await holding.wait()
    fast_task = asyncio.create_task(writes.record_sign_up(db, signup("fast")))
    await asyncio.sleep(1.0)
    assert await feed(db) == []  # neither committed: the fast one waits for the feed's lock
    assert not fast_task.done()
    release.set()
    await slow_task
    await fast_task
    assert [(c.seq, c.get("userId")) for c in await feed(db)] == [(1, "slow"), (2, "fast")]


async def test_cursor_delivers_in_order_and_skips_pruned_prefix(clean_db: Database) -> None:
    db = clean_db
    for i in range(5):
        await writes.record_sign_up(db, signup(f"p{i}"))
    cursor = changes.Cursor(position=0, batch=2)
    seen: list[int] = []
    while batch := await cursor.next_batch(db):
        seen += [c.seq for c in batch]
    assert seen == [1, 2, 3, 4, 5]
    # Everything so far is older than a cut-off in the future: pruned, floor recorded.
    assert await changes.prune(db, datetime.now(UTC) + timedelta(minutes=1)) == 5
    await writes.record_sign_up(db, signup("p5"))
    assert await changes.head(db) == (6, 5)
    late = changes.Cursor(position=2)
    got = await late.next_batch(db)
    assert [c.seq for c in got] == [6]
    assert late.missed == 3


async def test_cursor_waits_at_a_hole_then_skips_it(clean_db: Database) -> None:
    db = clean_db
    rows: list[dict[str, Any]] = [{"seq": 1}, {"seq": 3}]
    await db.write(
        "UNWIND $rows AS r CREATE (:Change {seq: r.seq, at: datetime(), kind: 'SIGN_UP'})",
        {"rows": rows},
    )
    cursor = changes.Cursor(position=0, gap_grace=0.3)
    assert [c.seq for c in await cursor.next_batch(db)] == [1]
    assert await cursor.next_batch(db) == []  # seq 2 may still be committing
    await asyncio.sleep(0.4)
    assert [c.seq for c in await cursor.next_batch(db)] == [3]
