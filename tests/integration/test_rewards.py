"""Multi-tier rewards on a real Neo4j, checked against a plain-Python ledger computed from the same
rows and networkx ancestors: levels, first-conversion fixed amounts, two-sided rewards, the cap,
held rewards for flagged users and referral edges, idempotent runs and transitions, and refusals
that write nothing."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from growthgraph.graph import rewards
from growthgraph.graph.database import Database
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.loading import seed
from growthgraph.loading.dataset import ConversionRow, Dataset, load_dataset
from tests.support import oracle
from tests.support.invites import with_invites
from tests.support.snapshot import snapshot

LEVELS = (rewards.Level(1000, 500), rewards.Level(200, 0), rewards.Level(100, 0))
REFEREE = 300
CAP = 2_000
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _data() -> Dataset:
    data = with_invites(seed.generate(users=900, seed=21, days=30))
    # Second payments for some users, one at the very same instant as the first (ties by id).
    extra = [
        ConversionRow(f"{c.id}-b", c.user_id, c.at + timedelta(hours=0 if i % 3 else 5), 4_999)
        for i, c in enumerate(data.conversions[::4])
    ]
    return replace(data, conversions=data.conversions + extra)


def _expected(
    data: Dataset,
    start: datetime,
    end: datetime,
    flagged_users: set[str],
    flagged_edges: set[str],
    rid: str,
) -> dict[str, tuple[str, str, int, int, str]]:
    graph = oracle.referral_graph(data)
    by_user: dict[str, list[ConversionRow]] = defaultdict(list)
    for c in data.conversions:
        by_user[c.user_id].append(c)
    earned: dict[tuple[str, str], int] = defaultdict(int)
    out: dict[str, tuple[str, str, int, int, str]] = {}

    def add(cid: str, level: int, who: oracle.Node, amount: int, held: bool) -> None:
        if amount <= 0:
            return
        room = max(0, CAP - earned[who])
        paid = min(amount, room)
        earned[who] += paid
        status = "HELD" if held else "PENDING"
        out[f"{rid}#{cid}#{level}"] = (who[0], who[1], paid, amount - paid, status)

    in_period = sorted(
        (c for c in data.conversions if start <= c.at < end), key=lambda c: (c.at, c.id)
    )
    for c in in_period:
        first = min(by_user[c.user_id], key=lambda x: (x.at, x.id)) is c
        chain: list[oracle.Node] = [("User", c.user_id)]
        while len(chain) <= len(LEVELS) and (parents := list(graph.predecessors(chain[-1]))):
            chain.append(parents[0])
        below_flagged = False
        for level, who in enumerate(chain):
            # Anything between the beneficiary and the payer (payer included) that is flagged.
            if level > 0:
                below = chain[level - 1][1]
                below_flagged = below_flagged or below in flagged_users or below in flagged_edges
            if level == 0:
                if first and len(chain) > 1:
                    user_held = c.user_id in flagged_users or c.user_id in flagged_edges
                    add(c.id, 0, who, REFEREE, user_held)
                continue
            tier = LEVELS[level - 1]
            amount = c.revenue_cents * tier.share_bps // 10_000 + (tier.fixed_cents if first else 0)
            # A flagged beneficiary is not paid either.
            held = below_flagged or (who[0] == "User" and who[1] in flagged_users)
            add(c.id, level, who, amount, held)
    return out


async def _ledger(db: Database, rid: str) -> list[rewards.RewardRecord]:
    rows: list[rewards.RewardRecord] = []
    after = None
    while True:
        found = await rewards.ledger(db, rid, status=None, after=after, limit=97)
        assert found is not None
        rows += found[1]
        if len(found[1]) < 97:
            return rows
        after = found[1][-1].id


async def test_a_period_too_large_is_refused_and_writes_nothing(
    clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = clean_db
    await load_dataset(db, _data(), batch_size=2_000)
    assert isinstance(
        await rewards.create_rule(db, id="r", name="r", levels=LEVELS, referee_cents=0,
                                  cap_cents=None),
        Written,
    )  # fmt: skip
    before = await snapshot(db)
    monkeypatch.setattr(rewards, "MAX_RUN_ROWS", 10)
    out = await rewards.run_rewards(db, rule_id="r", start=NOW - timedelta(days=99_999),
                                    end=NOW, at=NOW)  # fmt: skip
    assert out == rewards.PeriodTooLarge(10)
    assert await snapshot(db) == before


async def test_ledger_matches_the_oracle_and_runs_once(clean_db: Database) -> None:
    db = clean_db
    data = _data()
    await load_dataset(db, data, batch_size=2_000)
    referred = [u.id for u in data.users if u.referrer_kind == "USER"]
    flagged_users, flagged_edges = set(referred[5:40:3]), set(referred[60:120:4])
    await db.write(
        "UNWIND $ids AS id MATCH (u:User {id: id}) SET u.flaggedAt = $at",
        {"ids": sorted(flagged_users), "at": NOW},
    )
    await db.write(
        "UNWIND $ids AS id MATCH ()-[r:REFERRED]->(:User {id: id}) SET r.flaggedAt = $at",
        {"ids": sorted(flagged_edges), "at": NOW},
    )
    made = await rewards.create_rule(
        db, id="tiers", name="10/2/1", levels=LEVELS, referee_cents=REFEREE, cap_cents=CAP
    )
    assert isinstance(made, Written)
    times = sorted(c.at for c in data.conversions)
    start, end = times[len(times) // 4], times[3 * len(times) // 4]
    out = await rewards.run_rewards(db, rule_id="tiers", start=start, end=end, at=NOW)
    assert isinstance(out, Written)
    assert out.created
    rid = out.record.id
    got = {
        r.id: (r.beneficiary_label, r.beneficiary_id, r.amount_cents, r.capped_cents, r.status)
        for r in await _ledger(db, rid)
    }
    want = _expected(data, start, end, flagged_users, flagged_edges, rid)
    assert got == want
    statuses = {v[4] for v in want.values()}
    assert statuses == {"HELD", "PENDING"}
    assert any(v[3] > 0 for v in want.values())  # the cap bit
    assert any(k.endswith("#0") for k in want)  # two-sided
    assert any(k.endswith("#3") for k in want)  # three levels deep
    assert out.record.rewards == len(want)
    assert out.record.total_cents == sum(v[2] for v in want.values())

    before = await snapshot(db)
    again = await rewards.run_rewards(db, rule_id="tiers", start=start, end=end, at=NOW)
    assert again == Written(out.record, created=False)
    overlap = await rewards.run_rewards(
        db, rule_id="tiers", start=end - timedelta(seconds=1), end=end + timedelta(days=1), at=NOW
    )
    assert overlap == rewards.PeriodOverlap(rid)
    assert await rewards.run_rewards(db, rule_id="nope", start=start, end=end, at=NOW) == (
        rewards.UnknownRule("nope")
    )
    other = await rewards.create_rule(
        db, id="tiers", name="10/2/1", levels=LEVELS[:1], referee_cents=REFEREE, cap_cents=CAP
    )
    assert other == IdConflict("RewardRule", "tiers")
    assert await snapshot(db) == before
    # The adjacent period [end, ...) does not overlap.
    nxt = await rewards.run_rewards(db, rule_id="tiers", start=end, end=times[-1], at=NOW)
    assert isinstance(nxt, Written)
    assert nxt.created


async def test_transitions_are_recorded_idempotent_and_checked(clean_db: Database) -> None:
    db = clean_db
    data = _data()
    await load_dataset(db, data, batch_size=2_000)
    referred = [u.id for u in data.users if u.referrer_kind == "USER"]
    await db.write(
        "UNWIND $ids AS id MATCH (u:User {id: id}) SET u.flaggedAt = $at",
        {"ids": referred, "at": NOW},
    )
    assert isinstance(
        await rewards.create_rule(
            db, id="r", name="r", levels=LEVELS, referee_cents=0, cap_cents=None
        ),
        Written,
    )
    run = await rewards.run_rewards(db, rule_id="r", start=NOW - timedelta(days=99_999),
                                    end=NOW, at=NOW)  # fmt: skip
    assert isinstance(run, Written)
    ledger = await _ledger(db, run.record.id)
    pending = next(r for r in ledger if r.status == "PENDING")
    held = next(r for r in ledger if r.status == "HELD")
    t1, t2 = NOW + timedelta(hours=1), NOW + timedelta(hours=2)

    approved = await rewards.set_status(db, id=pending.id, status="APPROVED", at=t1)
    assert isinstance(approved, Written)
    assert approved.created
    assert approved.record.history == (("PENDING", NOW), ("APPROVED", t1))
    repeat = await rewards.set_status(db, id=pending.id, status="APPROVED", at=t2)
    assert repeat == Written(approved.record, created=False)
    paid = await rewards.set_status(db, id=pending.id, status="PAID", at=t2)
    assert isinstance(paid, Written)
    assert paid.record.status == "PAID"
    assert paid.record.history[-1] == ("PAID", t2)
    before = await snapshot(db)
    refused = [
        (pending.id, "REJECTED", rewards.InvalidTransition(pending.id, "PAID", "REJECTED")),
        (held.id, "APPROVED", rewards.InvalidTransition(held.id, "HELD", "APPROVED")),
        (held.id, "PAID", rewards.InvalidTransition(held.id, "HELD", "PAID")),
        ("ghost", "PAID", rewards.UnknownReward("ghost")),
    ]
    for rid, status, expected in refused:
        assert await rewards.set_status(db, id=rid, status=status, at=t2) == expected
    # A late retry of an earlier move is a repeat, not an error.
    late = await rewards.set_status(db, id=pending.id, status="APPROVED", at=t2)
    assert late == Written(paid.record, created=False)
    assert await snapshot(db) == before
    rejected = await rewards.set_status(db, id=held.id, status="REJECTED", at=t2)
    assert isinstance(rejected, Written)
    assert rejected.record.history == (("HELD", NOW), ("REJECTED", t2))


@pytest.mark.parametrize("revenue", [0, 1, 9, 10, 12_345])
def test_amounts_round_down_to_a_cent(revenue: int) -> None:
    rule = rewards.RuleRecord("r", "r", LEVELS, 0, None)
    row = {"conversionId": "c", "revenue": revenue, "first": False, "userId": "u",
           "userFlagged": False, "level": 2, "beneficiaryLabel": "User", "beneficiaryId": "a",
           "pathFlagged": False}  # fmt: skip
    entries = rewards.compute_rewards(rule, "run", [row], NOW)
    want = revenue * 2 // 100
    assert [e["amountCents"] for e in entries] == ([want] if want else [])


async def test_concurrent_approvals_and_payments_pay_once(clean_db: Database) -> None:
    db = clean_db
    await load_dataset(db, _data(), batch_size=2_000)
    assert isinstance(
        await rewards.create_rule(
            db, id="r", name="r", levels=LEVELS, referee_cents=0, cap_cents=None
        ),
        Written,
    )
    run = await rewards.run_rewards(db, rule_id="r", start=NOW - timedelta(days=99_999),
                                    end=NOW, at=NOW)  # fmt: skip
    assert isinstance(run, Written)
    pending = next(r for r in await _ledger(db, run.record.id) if r.status == "PENDING")
    t1 = NOW + timedelta(hours=1)
    for status in ("APPROVED", "PAID"):
        outcomes = await asyncio.gather(
            *(rewards.set_status(db, id=pending.id, status=status, at=t1) for _ in range(12))
        )
        assert all(isinstance(o, Written) for o in outcomes)
        assert sum(1 for o in outcomes if isinstance(o, Written) and o.created) == 1
    final = await rewards.set_status(db, id=pending.id, status="PAID", at=t1)
    assert isinstance(final, Written)
    assert [s for s, _ in final.record.history] == ["PENDING", "APPROVED", "PAID"]
