"""Multi-hop referral reads: who referred whom, direct referrals, leaderboards by degree,
cascades and attribution paths.

The referral graph is a forest (a user is referred at most once and only by an earlier node), so
the users exactly N hops below a referrer are the ends of its N-hop REFERRED paths, and counting
paths counts users.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, LiteralString

from growthgraph.errors import ChainTooLongError
from growthgraph.graph import counters
from growthgraph.graph.database import Database
from growthgraph.graph.labels import REFERRER_LABELS, Kind, label_of, labels_in, per_label
from growthgraph.graph.records import (
    Cascade,
    CascadeLevel,
    Page,
    ReferralRecord,
    ReferrerCount,
    ReferrerRecord,
    UserRecord,
    referrer_from,
    to_datetime,
    user_from,
)

MAX_DEGREE = 5
# One cascade definition for every field (referralCascade, cascadeStructure, largestCascades,
# sourcePerformance, fraudSignals): a cascade is the users below its root, the root not counted,
# followed at most MAX_CASCADE_DEPTH levels down; every field follows DEFAULT_CASCADE_DEPTH
# levels unless asked otherwise, so by default they all count the same users.
MAX_CASCADE_DEPTH = 50
DEFAULT_CASCADE_DEPTH = MAX_CASCADE_DEPTH
MAX_ATTRIBUTION_HOPS = 1000
# Stand-ins for an open time window: a range predicate on the index needs two bounds.
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)

_HOPS: dict[int, LiteralString] = {1: "*1..1", 2: "*2..2", 3: "*3..3", 4: "*4..4", 5: "*5..5"}


REFERRED_BY: LiteralString = (
    """
UNWIND $ids AS uid
MATCH (n)-[r:REFERRED]->(:User {id: uid})
RETURN uid, n {.*, signedUpAt: toString(n.signedUpAt)} AS n,
       """
    + label_of("n")
    + """ AS label,
       toString(r.at) AS at, r.channel AS channel, r.campaignId AS campaignId
"""
)

REFERRALS_OF: dict[Kind, LiteralString] = per_label(
    REFERRER_LABELS,
    """
UNWIND $ids AS pid
MATCH (p:$LABEL {id: pid})
CALL (p) {
  MATCH (p)-[:REFERRED]->(u:User) WHERE u.id > $after
  RETURN u ORDER BY u.id LIMIT $limit
}
RETURN pid, collect(u {.*, signedUpAt: toString(u.signedUpAt)}) AS users
""",
)

# The baseline: expand up from every user in the window. Exact without any stored counter.
# The node's degree: read from its relationship counts, no referral is visited.
REFERRAL_COUNTS: dict[Kind, LiteralString] = per_label(
    REFERRER_LABELS,
    """
UNWIND $ids AS pid
MATCH (p:$LABEL {id: pid})
RETURN pid, COUNT { (p)-[:REFERRED]->() } AS n
""",
)

TOP_REFERRERS_SCAN_TEMPLATE: LiteralString = (
    """
MATCH (u:User)
WHERE u.signedUpAt >= $since AND u.signedUpAt < $until
MATCH (n)-[:REFERRED$HOPS]->(u)
WITH n, count(*) AS signUps
WHERE (n:User AND 'User' IN $labels)
   OR (n:Influencer AND 'Influencer' IN $labels)
   OR (n:Partner AND 'Partner' IN $labels)
WITH n, signUps,
     """
    + label_of("n")
    + """ AS label
ORDER BY signUps DESC, n.id ASC, label ASC
LIMIT $limit
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n, label, signUps
"""
)
TOP_REFERRERS_SCAN: dict[int, LiteralString] = {
    degree: TOP_REFERRERS_SCAN_TEMPLATE.replace("$HOPS", hops) for degree, hops in _HOPS.items()
}

# No window: each label's belowK index read from the top, stopping once `limit` referrers and
# everything tied with the last of them are in (a partial sort on id within equal counts).
_TOP_BY_BELOW_PART: LiteralString = """
  MATCH (n:$LABEL) WHERE n.$BELOW IS NOT NULL AND '$LABEL' IN $labels
  WITH n ORDER BY n.$BELOW DESC, n.id ASC LIMIT $limit
  RETURN n, '$LABEL' AS label, n.$BELOW AS signUps"""
_TOP_BY_BELOW_TEMPLATE: LiteralString = (
    "CALL () {"
    + _TOP_BY_BELOW_PART.replace("$LABEL", "User")
    + "\n  UNION ALL"
    + _TOP_BY_BELOW_PART.replace("$LABEL", "Influencer")
    + "\n  UNION ALL"
    + _TOP_BY_BELOW_PART.replace("$LABEL", "Partner")
    + """
}
WITH n, label, signUps
ORDER BY signUps DESC, n.id ASC, label ASC
LIMIT $limit
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n, label, signUps
"""
)
TOP_REFERRERS_BY_COUNTERS: dict[int, LiteralString] = {
    degree: _TOP_BY_BELOW_TEMPLATE.replace("$BELOW", below)
    for degree, below in zip(_HOPS, counters.BELOW, strict=True)
}

# A window: group the window's users by the key of their ancestor K hops up, read from the
# composite index on (signedUpAt, aboveK) without touching the users or their edges. The key
# ("<id> <Label>") orders by id, then label, so it breaks ties like the scan does.
_TOP_IN_WINDOW_TEMPLATE: LiteralString = """
MATCH (u:User)
WHERE u.signedUpAt >= $since AND u.signedUpAt < $until AND u.$ABOVE IS NOT NULL
WITH u.$ABOVE AS key, count(*) AS signUps
WITH key, signUps, split(key, ' ') AS parts
WHERE parts[1] IN $labels
ORDER BY signUps DESC, key ASC
LIMIT $limit
CALL (parts) {
  MATCH (n:User {id: parts[0]}) WHERE parts[1] = 'User' RETURN n
  UNION ALL
  MATCH (n:Influencer {id: parts[0]}) WHERE parts[1] = 'Influencer' RETURN n
  UNION ALL
  MATCH (n:Partner {id: parts[0]}) WHERE parts[1] = 'Partner' RETURN n
}
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n, parts[1] AS label, signUps
ORDER BY signUps DESC, key ASC
"""
TOP_REFERRERS_IN_WINDOW: dict[int, LiteralString] = {
    degree: _TOP_IN_WINDOW_TEMPLATE.replace("$ABOVE", above)
    for degree, above in zip(_HOPS, counters.ABOVE, strict=True)
}

CASCADE: dict[Kind, LiteralString] = per_label(
    REFERRER_LABELS,
    """
MATCH (n:$LABEL {id: $id})
OPTIONAL MATCH p = (n)-[:REFERRED*1..50]->(u:User)
WHERE length(p) <= $maxDepth AND u.signedUpAt <= $asOf
WITH n, length(p) AS depth, count(p) AS signUps
RETURN n {.*} AS n, depth, signUps
ORDER BY depth
""",
)

ATTRIBUTION_PATH: LiteralString = (
    """
MATCH (u:User {id: $id})
OPTIONAL MATCH p = (top)-[:REFERRED*1..1000]->(u)
WHERE NOT EXISTS { ()-[:REFERRED]->(top) }
RETURN [x IN reverse(nodes(p))[1..] | {
  n: x {.*},
  label: """
    + label_of("x")
    + """
}] AS chain, EXISTS { ()-[:REFERRED]->(u) } AS referred
"""
)


async def referred_by(db: Database, user_ids: Sequence[str]) -> dict[str, ReferralRecord]:
    """The incoming referral of each user that has one, in one round trip."""
    rows = await db.read(REFERRED_BY, {"ids": list(dict.fromkeys(user_ids))})
    return {
        str(row["uid"]): ReferralRecord(
            referrer=referrer_from(row["label"], row["n"]),
            at=to_datetime(row["at"]),
            channel=row["channel"],
            campaign_id=row["campaignId"],
        )
        for row in rows
    }


async def referrals_of(
    db: Database, kind: Kind, parent_ids: Sequence[str], *, first: int, after: str | None
) -> dict[str, Page[UserRecord]]:
    """One keyset page of direct referrals (by user id) for each parent, in one round trip."""
    rows = await db.read(
        REFERRALS_OF[kind],
        {"ids": list(dict.fromkeys(parent_ids)), "after": after or "", "limit": first + 1},
    )
    pages: dict[str, Page[UserRecord]] = {}
    for row in rows:
        users: list[dict[str, Any]] = row["users"]
        pages[str(row["pid"])] = Page(
            items=tuple(user_from(u) for u in users[:first]), has_next=len(users) > first
        )
    return pages


async def referral_counts(db: Database, kind: Kind, parent_ids: Sequence[str]) -> dict[str, int]:
    """How many users each parent referred directly, in one round trip."""
    rows = await db.read(REFERRAL_COUNTS[kind], {"ids": list(dict.fromkeys(parent_ids))})
    return {str(row["pid"]): int(row["n"]) for row in rows}


async def top_referrers(
    db: Database,
    *,
    degree: int,
    limit: int,
    since: datetime | None,
    until: datetime | None,
    kinds: Sequence[Kind],
    use_counters: bool = True,
) -> list[ReferrerCount]:
    """Referrers ranked by sign-ups exactly ``degree`` hops below them (ties by id, then kind).
    With ``use_counters`` the answer is read from the counters that ``graph.counters`` keeps exact;
    without, every sign-up in the window is expanded ``degree`` hops up (the same answer)."""
    if degree not in TOP_REFERRERS_SCAN:
        raise ValueError(f"degree must be 1..{MAX_DEGREE}")
    if not use_counters:
        query = TOP_REFERRERS_SCAN[degree]
    elif since is None and until is None:
        query = TOP_REFERRERS_BY_COUNTERS[degree]
    else:
        query = TOP_REFERRERS_IN_WINDOW[degree]
    rows = await db.read(
        query,
        {
            "since": since or EARLIEST,
            "until": until or LATEST,
            "labels": labels_in(kinds),
            "limit": limit,
        },
    )
    return [
        ReferrerCount(referrer=referrer_from(row["label"], row["n"]), sign_ups=int(row["signUps"]))
        for row in rows
    ]


async def cascade(
    db: Database, kind: Kind, root_id: str, *, max_depth: int, as_of: datetime = LATEST
) -> Cascade | None:
    """Sign-ups per level of the downline under a root, down to ``max_depth`` levels; only the
    users who had signed up at or before ``as_of``."""
    if not 1 <= max_depth <= MAX_CASCADE_DEPTH:
        raise ValueError(f"max_depth must be 1..{MAX_CASCADE_DEPTH}")
    rows = await db.read(CASCADE[kind], {"id": root_id, "maxDepth": max_depth, "asOf": as_of})
    if not rows:
        return None
    levels = tuple(
        CascadeLevel(depth=int(row["depth"]), sign_ups=int(row["signUps"]))
        for row in rows
        if row["depth"] is not None
    )
    return Cascade(
        root=referrer_from(kind, rows[0]["n"]),
        total=sum(level.sign_ups for level in levels),
        depth=max((level.depth for level in levels), default=0),
        levels=levels,
    )


async def attribution_path(db: Database, user_id: str) -> list[ReferrerRecord] | None:
    """The chain of referrers above a user, nearest first; ``None`` when the user is unknown."""
    rows = await db.read(ATTRIBUTION_PATH, {"id": user_id})
    if not rows:
        return None
    chain: list[dict[str, Any]] = rows[0]["chain"] or []
    if not chain and rows[0]["referred"]:
        # Referred, yet no root within the bound: the chain is longer than the walk follows.
        # An empty path would claim the user is organic.
        raise ChainTooLongError(
            f"user {user_id!r} is more than {MAX_ATTRIBUTION_HOPS} referrals below its root; "
            "the attribution path is not computed"
        )
    return [referrer_from(link["label"], link["n"]) for link in chain]
