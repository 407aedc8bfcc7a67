"""Fraud signals for one referrer's downline: one anchored, bounded read of the downline (users up
to ``max_depth`` REFERRED hops below the referrer, at most ``max_users`` of them, earliest
sign-ups first), then the signals of ``fraud_compute`` on those rows; and the fraud flags an
analyst sets after reviewing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph import changes, referrals
from growthgraph.graph import fraud_compute as fc
from growthgraph.graph.database import Database
from growthgraph.graph.labels import REFERRER_LABELS, Kind, label_of, label_or_null
from growthgraph.graph.records import (
    ReferrerRecord,
    UserRecord,
    referrer_from,
    to_datetime,
    user_from,
)

MAX_DEPTH = referrals.MAX_CASCADE_DEPTH  # the cascade definition of graph.referrals
MAX_USERS = 20_000

DOWNLINE: dict[Kind, LiteralString] = {
    kind: (
        """
MATCH (r:$LABEL {id: $id})
CALL (r) {
  MATCH p = (r)-[:REFERRED*1..50]->(u:User)
  WHERE length(p) <= $maxDepth AND u.signedUpAt <= $asOf
  WITH u, p ORDER BY u.signedUpAt ASC, length(p) ASC, u.id ASC LIMIT $maxUsers
  WITH u, length(p) AS depth, nodes(p)[-2] AS parent
  RETURN collect({
    u: u {.*}, depth: depth, parentId: parent.id,
    parentLabel: """
        + label_of("parent")
        + """
  }) AS rows
}
RETURN r {.*} AS root, rows
"""
    ).replace("$LABEL", label)
    for kind, label in REFERRER_LABELS.items()
}


@dataclass(frozen=True, slots=True)
class FraudReport:
    root: ReferrerRecord
    downline: int
    truncated: bool  # the downline had more than ``max_users`` users; the earliest were read
    users: dict[str, UserRecord]
    referrers: dict[fc.NodeKey, ReferrerRecord]
    clusters: list[fc.HashCluster]
    bursts: list[fc.Burst]
    caps: list[fc.CapExcess]
    duplicates: list[fc.DuplicateGroup]


async def fraud_signals(
    db: Database,
    kind: Kind,
    root_id: str,
    *,
    max_depth: int,
    max_users: int,
    window: timedelta,
    min_sign_ups: int,
    cap: int,
    period: fc.Period,
    as_of: datetime = referrals.LATEST,
) -> FraudReport | None:
    """Every signal for the downline under one referrer, over the users who had signed up at or
    before ``as_of``; ``None`` if the referrer is unknown."""
    if not 1 <= max_depth <= MAX_DEPTH:
        raise ValueError(f"max_depth must be 1..{MAX_DEPTH}")
    if not 1 <= max_users <= MAX_USERS:
        raise ValueError(f"max_users must be 1..{MAX_USERS}")
    found = await db.read(
        DOWNLINE[kind],
        {"id": root_id, "maxDepth": max_depth, "maxUsers": max_users + 1, "asOf": as_of},
    )
    if not found:
        return None
    root = referrer_from(kind, found[0]["root"])
    rows: list[dict[str, Any]] = found[0]["rows"]
    truncated = len(rows) > max_users
    rows = rows[:max_users]
    users = {str(r["u"]["id"]): user_from(r["u"]) for r in rows}
    members = [
        fc.Member(
            id=str(r["u"]["id"]),
            name=str(r["u"]["name"]),
            email=str(r["u"]["email"]),
            signed_up_at=users[str(r["u"]["id"])].signed_up_at,
            parent=(str(r["parentLabel"]), str(r["parentId"])),
            depth=int(r["depth"]),
            ip_hash=r["u"].get("ipHash"),
            device_hash=r["u"].get("deviceHash"),
        )
        for r in rows
    ]
    referrers: dict[fc.NodeKey, ReferrerRecord] = {(root.kind.value, root.id): root}
    referrers.update({("User", uid): u for uid, u in users.items()})
    return FraudReport(
        root=root,
        downline=len(members),
        truncated=truncated,
        users=users,
        referrers=referrers,
        clusters=fc.hash_clusters(members),
        bursts=fc.bursts(members, window=window, min_sign_ups=min_sign_ups),
        caps=fc.caps_exceeded(members, cap=cap, period=period),
        duplicates=fc.near_duplicates(members),
    )


MAX_PERIOD = timedelta(days=31)
MAX_PERIOD_SIGN_UPS = 50_000

SIGN_UPS_IN_PERIOD: LiteralString = (
    """
MATCH (u:User) WHERE u.signedUpAt >= $since AND u.signedUpAt < $until AND u.signedUpAt <= $asOf
WITH u ORDER BY u.signedUpAt ASC, u.id ASC LIMIT $maxRows
OPTIONAL MATCH (r)-[:REFERRED]->(u)
RETURN u {.*} AS u, r {.*} AS r,
       """
    + label_or_null("r")
    + """ AS label
"""
)


@dataclass(frozen=True, slots=True)
class PeriodBursts:
    bursts: list[fc.Burst]
    users: dict[str, UserRecord]
    referrers: dict[fc.NodeKey, ReferrerRecord]


class TooManySignUpsError(ValueError):
    """The period holds more sign-ups than one request may examine."""


async def bursts_in_period(
    db: Database,
    *,
    since: datetime,
    until: datetime,
    window: timedelta,
    min_sign_ups: int,
    as_of: datetime = referrals.LATEST,
) -> PeriodBursts:
    """Velocity bursts of every referrer, over the sign-ups in ``[since, until)`` made at or
    before ``as_of`` (read on the ``signedUpAt`` index). Raises ``TooManySignUpsError`` past
    ``MAX_PERIOD_SIGN_UPS``."""
    if not timedelta(0) < until - since <= MAX_PERIOD:
        raise ValueError("the period must be positive and at most 31 days")
    rows = await db.read(
        SIGN_UPS_IN_PERIOD,
        {"since": since, "until": until, "maxRows": MAX_PERIOD_SIGN_UPS + 1, "asOf": as_of},
    )
    if len(rows) > MAX_PERIOD_SIGN_UPS:
        raise TooManySignUpsError(f"more than {MAX_PERIOD_SIGN_UPS} sign-ups in the period")
    users: dict[str, UserRecord] = {}
    referrers: dict[fc.NodeKey, ReferrerRecord] = {}
    members: list[fc.Member] = []
    for row in rows:
        if row["r"] is None:
            continue
        user = user_from(row["u"])
        referrer = referrer_from(str(row["label"]), row["r"])
        key = (referrer.kind.value, referrer.id)
        users[user.id] = user
        referrers[key] = referrer
        members.append(
            fc.Member(
                id=user.id,
                name=user.name,
                email=user.email,
                signed_up_at=user.signed_up_at,
                parent=key,
                depth=1,
            )
        )
    found = fc.bursts(members, window=window, min_sign_ups=min_sign_ups)
    return PeriodBursts(bursts=found, users=users, referrers=referrers)


# --- fraud flags: set by an analyst after reviewing the signals. A flagged user (or the
# REFERRED edge into it) holds every reward that flows through it: see ``graph.rewards``.
# The first flag wins: a repeat keeps the original time and reason, so the call is idempotent.
FLAG_USER: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.flaggedAt IS NOT NULL AS already
SET u.flaggedAt = coalesce(u.flaggedAt, $at), u.flagReason = coalesce(u.flagReason, $reason)
RETURN u.id AS id, u.flaggedAt AS flaggedAt, u.flagReason AS reason, already
"""
UNFLAG_USER: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.flaggedAt IS NOT NULL AS was
REMOVE u.flaggedAt, u.flagReason
RETURN u.id AS id, was
"""


@dataclass(frozen=True, slots=True)
class Flag:
    user_id: str
    flagged_at: datetime
    reason: str
    already: bool


async def flag_user(db: Database, user_id: str, *, reason: str, at: datetime) -> Flag | None:
    """``None`` when the user does not exist. A new flag appends a FRAUD_FLAG change."""

    async def work(tx: AsyncManagedTransaction) -> Flag | None:
        row = await (await tx.run(FLAG_USER, id=user_id, reason=reason, at=at)).single()
        if row is None:
            return None
        if not row["already"]:
            change = changes.event(changes.ChangeKind.FRAUD_FLAG, userId=user_id, flagged=True)
            await changes.append(tx, [change])
        return Flag(
            user_id=str(row["id"]),
            flagged_at=to_datetime(row["flaggedAt"]),
            reason=str(row["reason"]),
            already=bool(row["already"]),
        )

    return await db.write_tx(work)


async def unflag_user(db: Database, user_id: str) -> bool | None:
    """Whether a flag was removed (then a FRAUD_FLAG change with ``flagged: false`` is
    appended); ``None`` when the user does not exist."""

    async def work(tx: AsyncManagedTransaction) -> bool | None:
        row = await (await tx.run(UNFLAG_USER, id=user_id)).single()
        if row is None:
            return None
        if row["was"]:
            change = changes.event(changes.ChangeKind.FRAUD_FLAG, userId=user_id, flagged=False)
            await changes.append(tx, [change])
        return bool(row["was"])

    return await db.write_tx(work)
