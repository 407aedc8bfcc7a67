"""Multi-tier rewards: rules, the ledger a rule produces for a period, and status transitions.

A rule pays, for each conversion in a period, each referrer up to ``len(levels)`` hops above the
paying user: a share of the revenue (basis points, rounded down to a cent) plus, on the user's
first conversion ever, a fixed amount; two-sided rules also pay the referred user itself on its
first conversion. A cap limits what one beneficiary earns from one run. Rewards to or through a
fraud-flagged user or referral edge (``flaggedAt`` set) are HELD instead of PENDING.

A run is recorded once per (rule, period): repeating it returns the stored ledger, and a period
that overlaps another run of the same rule is refused, so nothing is ever paid twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph import changes
from growthgraph.graph.database import Database
from growthgraph.graph.entities import same_values, write_retrying
from growthgraph.graph.labels import label_of
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.graph.records import to_datetime

MAX_LEVELS = 5
MAX_LEDGER_PAGE = 500
# One run is one transaction: a period with more (conversion, beneficiary) rows than this is
# refused, to be split into shorter periods.
MAX_RUN_ROWS = 200_000
PENDING, HELD, APPROVED, PAID, REJECTED = "PENDING", "HELD", "APPROVED", "PAID", "REJECTED"
# Allowed moves; a move to a status the reward already had is a repeat, not an error.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({APPROVED, REJECTED}),
    APPROVED: frozenset({PAID, REJECTED}),
    HELD: frozenset({REJECTED}),
    PAID: frozenset(),
    REJECTED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Level:
    share_bps: int  # of the conversion's revenue, in 1/100 of a percent
    fixed_cents: int  # on the paying user's first conversion


@dataclass(frozen=True, slots=True)
class RuleRecord:
    id: str
    name: str
    levels: tuple[Level, ...]
    referee_cents: int  # two-sided: paid to the converting user on its first conversion
    cap_cents: int | None  # per beneficiary and run


@dataclass(frozen=True, slots=True)
class RewardRecord:
    id: str
    run_id: str
    conversion_id: str
    level: int  # 0: the paying user itself (two-sided); n: its n-th referrer up
    beneficiary_label: str
    beneficiary_id: str
    amount_cents: int
    capped_cents: int  # cut by the cap
    status: str
    history: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    rule_id: str
    start: datetime
    end: datetime
    rewards: int
    total_cents: int


@dataclass(frozen=True, slots=True)
class UnknownRule:
    id: str


@dataclass(frozen=True, slots=True)
class PeriodOverlap:
    run_id: str


@dataclass(frozen=True, slots=True)
class PeriodTooLarge:
    max_rows: int


@dataclass(frozen=True, slots=True)
class UnknownReward:
    id: str


@dataclass(frozen=True, slots=True)
class InvalidTransition:
    id: str
    status: str
    wanted: str


FIND_RULE: LiteralString = "MATCH (r:RewardRule {id: $id}) RETURN r {.*} AS r"
CREATE_RULE: LiteralString = "CREATE (r:RewardRule) SET r = $props RETURN r {.*} AS r"
RUN_STATE: LiteralString = """
MATCH (rule:RewardRule {id: $ruleId})
SET rule._lock = true
REMOVE rule._lock
WITH rule
OPTIONAL MATCH (rule)<-[:UNDER]-(run:RewardRun)
WHERE run.start < $end AND $start < run.end
RETURN rule {.*} AS rule, collect(run {.*}) AS runs
"""
# One row per (conversion, beneficiary): the paying user itself at level 0 and each referrer up
# to $levels hops above it, with whether anything on the way is fraud-flagged.
CONVERSIONS_IN_PERIOD: LiteralString = (
    """
MATCH (c:Conversion)
WHERE c.at >= $start AND c.at < $end
MATCH (u:User)-[:CONVERTED]->(c)
WITH c, u, NOT EXISTS {
  MATCH (u)-[:CONVERTED]->(e:Conversion) WHERE e.at < c.at OR (e.at = c.at AND e.id < c.id)
} AS first
OPTIONAL MATCH (u)<-[ref:REFERRED]-()
OPTIONAL MATCH p = (a)-[:REFERRED*1..5]->(u)
WHERE length(p) <= $levels
RETURN c.id AS conversionId, c.at AS at, c.revenueCents AS revenue, first, u.id AS userId,
       u.flaggedAt IS NOT NULL OR ref.flaggedAt IS NOT NULL AS userFlagged,
       CASE WHEN p IS NULL THEN null ELSE length(p) END AS level,
       a.id AS beneficiaryId,
       """
    + label_of("a")
    + """
         AS beneficiaryLabel,
       CASE WHEN p IS NULL THEN false ELSE
         any(n IN nodes(p) WHERE n.flaggedAt IS NOT NULL)
         OR any(r IN relationships(p) WHERE r.flaggedAt IS NOT NULL) END AS pathFlagged
ORDER BY at, conversionId, level
LIMIT $maxRows
"""
)
CREATE_RUN: LiteralString = """
MATCH (rule:RewardRule {id: $ruleId})
CREATE (run:RewardRun)-[:UNDER]->(rule)
SET run = $run
WITH run
UNWIND $rewards AS props
CREATE (w:Reward)-[:IN_RUN]->(run)
SET w = props
"""
LEDGER: LiteralString = """
MATCH (run:RewardRun {id: $runId})<-[:IN_RUN]-(w:Reward)
WHERE w.id > $after AND ($status IS NULL OR w.status = $status)
RETURN w {.*} AS w
ORDER BY w.id
LIMIT $limit
"""
RUN_BY_ID: LiteralString = "MATCH (run:RewardRun {id: $id}) RETURN run {.*} AS run"
REWARD_STATE: LiteralString = """
MATCH (w:Reward {id: $id})
SET w._lock = true
REMOVE w._lock
RETURN w {.*} AS w
"""
SET_STATUS: LiteralString = """
MATCH (w:Reward {id: $id})
SET w.status = $status,
    w.statusHistory = w.statusHistory + $status,
    w.statusTimes = w.statusTimes + $at
RETURN w {.*} AS w
"""


def rule_from(props: dict[str, Any]) -> RuleRecord:
    return RuleRecord(
        id=str(props["id"]),
        name=str(props["name"]),
        levels=tuple(
            Level(int(b), int(f))
            for b, f in zip(props["levelShareBps"], props["levelFixedCents"], strict=True)
        ),
        referee_cents=int(props["refereeCents"]),
        cap_cents=None if props.get("capCents") is None else int(props["capCents"]),
    )


def reward_from(props: dict[str, Any]) -> RewardRecord:
    return RewardRecord(
        id=str(props["id"]),
        run_id=str(props["runId"]),
        conversion_id=str(props["conversionId"]),
        level=int(props["level"]),
        beneficiary_label=str(props["beneficiaryLabel"]),
        beneficiary_id=str(props["beneficiaryId"]),
        amount_cents=int(props["amountCents"]),
        capped_cents=int(props["cappedCents"]),
        status=str(props["status"]),
        history=tuple(
            (str(s), to_datetime(t))
            for s, t in zip(props["statusHistory"], props["statusTimes"], strict=True)
        ),
    )


def run_from(props: dict[str, Any]) -> RunRecord:
    return RunRecord(
        id=str(props["id"]),
        rule_id=str(props["ruleId"]),
        start=to_datetime(props["start"]),
        end=to_datetime(props["end"]),
        rewards=int(props["rewards"]),
        total_cents=int(props["totalCents"]),
    )


async def create_rule(
    db: Database,
    *,
    id: str,
    name: str,
    levels: Sequence[Level],
    referee_cents: int,
    cap_cents: int | None,
) -> Written[RuleRecord] | IdConflict:
    props = {
        "id": id,
        "name": name,
        "levelShareBps": [lv.share_bps for lv in levels],
        "levelFixedCents": [lv.fixed_cents for lv in levels],
        "refereeCents": referee_cents,
        "capCents": cap_cents,
    }

    async def work(tx: AsyncManagedTransaction) -> Written[RuleRecord] | IdConflict:
        found = await (await tx.run(FIND_RULE, id=id)).single()
        if found is not None:
            if same_values(found["r"], props):
                return Written(rule_from(found["r"]), created=False)
            return IdConflict("RewardRule", id)
        clean = {k: v for k, v in props.items() if v is not None}
        row = await (await tx.run(CREATE_RULE, props=clean)).single(strict=True)
        return Written(rule_from(row["r"]), created=True)

    return await write_retrying(db, work)


def run_id(rule_id: str, start: datetime, end: datetime) -> str:
    return f"{rule_id}@{start.isoformat()}/{end.isoformat()}"


def compute_rewards(
    rule: RuleRecord, rid: str, rows: Sequence[dict[str, Any]], at: datetime
) -> list[dict[str, Any]]:
    """The ledger entries of one run, from CONVERSIONS_IN_PERIOD rows in (time, id, level)
    order. Pure, so it can be checked on its own."""
    entries: list[dict[str, Any]] = []
    earned: dict[tuple[str, str], int] = defaultdict(int)
    seen_referee: set[str] = set()

    def add(cid: str, level: int, label: str, bid: str, amount: int, held: bool) -> None:
        if amount <= 0:
            return
        key = (label, bid)
        room = amount if rule.cap_cents is None else max(0, rule.cap_cents - earned[key])
        paid = min(amount, room)
        earned[key] += paid
        status = HELD if held else PENDING
        entries.append(
            {
                "id": f"{rid}#{cid}#{level}",
                "runId": rid,
                "conversionId": cid,
                "level": level,
                "beneficiaryLabel": label,
                "beneficiaryId": bid,
                "amountCents": paid,
                "cappedCents": amount - paid,
                "status": status,
                "statusHistory": [status],
                "statusTimes": [at],
            }
        )

    for row in rows:
        cid, revenue, first = str(row["conversionId"]), int(row["revenue"]), bool(row["first"])
        if cid not in seen_referee:
            seen_referee.add(cid)
            if first and rule.referee_cents and row["level"] is not None:
                # Two-sided: only a referred user earns the referee side.
                add(cid, 0, "User", str(row["userId"]), rule.referee_cents, row["userFlagged"])
        if row["level"] is None:
            continue
        level = int(row["level"])
        tier = rule.levels[level - 1]
        amount = revenue * tier.share_bps // 10_000 + (tier.fixed_cents if first else 0)
        add(cid, level, str(row["beneficiaryLabel"]), str(row["beneficiaryId"]), amount,
            bool(row["pathFlagged"]))  # fmt: skip
    return entries


def reward_change(props: dict[str, Any]) -> dict[str, Any]:
    """The change a reward's new status appends to the feed."""
    return changes.event(
        changes.ChangeKind.REWARD_STATUS,
        rewardId=props["id"],
        runId=props["runId"],
        status=props["status"],
        beneficiaryKind=props["beneficiaryLabel"],
        beneficiaryId=props["beneficiaryId"],
        amountCents=props["amountCents"],
    )


RunOutcome = Written[RunRecord] | UnknownRule | PeriodOverlap | PeriodTooLarge


async def run_rewards(
    db: Database, *, rule_id: str, start: datetime, end: datetime, at: datetime
) -> RunOutcome:
    rid = run_id(rule_id, start, end)

    async def work(tx: AsyncManagedTransaction) -> RunOutcome:
        result = await tx.run(RUN_STATE, ruleId=rule_id, start=start, end=end)
        state = await result.single()
        if state is None:
            return UnknownRule(rule_id)
        runs: list[dict[str, Any]] = state["runs"]
        for run in runs:
            if run["id"] == rid:
                return Written(run_from(run), created=False)
        if runs:
            return PeriodOverlap(str(runs[0]["id"]))
        rule = rule_from(state["rule"])
        result = await tx.run(
            CONVERSIONS_IN_PERIOD,
            start=start,
            end=end,
            levels=len(rule.levels),
            maxRows=MAX_RUN_ROWS + 1,
        )
        rows = [r.data() async for r in result]
        if len(rows) > MAX_RUN_ROWS:
            return PeriodTooLarge(MAX_RUN_ROWS)
        rewards = compute_rewards(rule, rid, rows, at)
        run = {
            "id": rid,
            "ruleId": rule_id,
            "start": start,
            "end": end,
            "createdAt": at,
            "rewards": len(rewards),
            "totalCents": sum(int(w["amountCents"]) for w in rewards),
        }
        await (await tx.run(CREATE_RUN, ruleId=rule_id, run=run, rewards=rewards)).consume()
        await changes.append(tx, [reward_change(w) for w in rewards])
        return Written(run_from(run), created=True)

    return await write_retrying(db, work)


async def ledger(
    db: Database, rid: str, *, status: str | None, after: str | None, limit: int
) -> tuple[RunRecord, list[RewardRecord]] | None:
    runs = await db.read(RUN_BY_ID, {"id": rid})
    if not runs:
        return None
    rows = await db.read(
        LEDGER, {"runId": rid, "status": status, "after": after or "", "limit": limit}
    )
    return run_from(runs[0]["run"]), [reward_from(r["w"]) for r in rows]


TransitionOutcome = Written[RewardRecord] | UnknownReward | InvalidTransition


async def set_status(db: Database, *, id: str, status: str, at: datetime) -> TransitionOutcome:
    async def work(tx: AsyncManagedTransaction) -> TransitionOutcome:
        found = await (await tx.run(REWARD_STATE, id=id)).single()
        if found is None:
            return UnknownReward(id)
        current = reward_from(found["w"])
        if any(s == status for s, _ in current.history):
            return Written(current, created=False)
        if status not in TRANSITIONS[current.status]:
            return InvalidTransition(id, current.status, status)
        row = await (await tx.run(SET_STATUS, id=id, status=status, at=at)).single(strict=True)
        await changes.append(tx, [reward_change(row["w"])])
        return Written(reward_from(row["w"]), created=True)

    return await write_retrying(db, work)
