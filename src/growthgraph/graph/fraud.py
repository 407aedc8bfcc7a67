"""Fraud signals for one referrer's downline: one anchored, bounded read of the downline (users up
to ``max_depth`` REFERRED hops below the referrer, at most ``max_users`` of them, earliest
sign-ups first), then the signals of ``fraud_compute`` on those rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, LiteralString

from growthgraph.graph import fraud_compute as fc
from growthgraph.graph.database import Database
from growthgraph.graph.records import Kind, ReferrerRecord, UserRecord, referrer_from, user_from

MAX_DEPTH = 50
MAX_USERS = 20_000

_LABEL: dict[Kind, LiteralString] = {
    Kind.USER: "User",
    Kind.INFLUENCER: "Influencer",
    Kind.PARTNER: "Partner",
}
DOWNLINE: dict[Kind, LiteralString] = {
    kind: """
MATCH (r:$LABEL {id: $id})
CALL (r) {
  MATCH p = (r)-[:REFERRED*1..50]->(u:User)
  WHERE length(p) <= $maxDepth
  WITH u, p ORDER BY u.signedUpAt ASC, u.id ASC LIMIT $maxUsers
  WITH u, length(p) AS depth, nodes(p)[-2] AS parent
  RETURN collect({
    u: u {.*}, depth: depth, parentId: parent.id,
    parentLabel: CASE WHEN parent:User THEN 'User'
                      WHEN parent:Influencer THEN 'Influencer' ELSE 'Partner' END
  }) AS rows
}
RETURN r {.*} AS root, rows
""".replace("$LABEL", label)
    for kind, label in _LABEL.items()
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
) -> FraudReport | None:
    """Every signal for the downline under one referrer; ``None`` if the referrer is unknown."""
    if not 1 <= max_depth <= MAX_DEPTH:
        raise ValueError(f"max_depth must be 1..{MAX_DEPTH}")
    if not 1 <= max_users <= MAX_USERS:
        raise ValueError(f"max_users must be 1..{MAX_USERS}")
    found = await db.read(
        DOWNLINE[kind],
        {"id": root_id, "maxDepth": max_depth, "maxUsers": max_users + 1},
    )
    if not found:
        return None
    root = referrer_from(_LABEL[kind], found[0]["root"])
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
