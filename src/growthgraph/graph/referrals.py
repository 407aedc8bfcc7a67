"""Multi-hop referral reads: who referred whom, direct referrals, leaderboards by degree,
cascades and attribution paths.

The referral graph is a forest (a user is referred at most once and only by an earlier node), so
the users exactly N hops below a referrer are the ends of its N-hop REFERRED paths, and counting
paths counts users.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, LiteralString

from growthgraph.errors import ChainTooLongError
from growthgraph.graph import counters
from growthgraph.graph.database import Database, Row
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

# A window, grouped: group the window's users by the key of their ancestor K hops up, read from
# the composite index on (signedUpAt, aboveK) without touching the users or their edges. The key
# ("<id> <Label>") orders by id, then label, so it breaks ties like the scan does. Its cost grows
# with the sign-ups in the window.
# The window's users grouped by the key of their ancestor K hops up (``key``, its ``parts`` and
# ``signUps``), the best $limit, each with its node ``n``. Ends with $UNTIL for the upper bound.
_GROUP_WINDOW: LiteralString = """
MATCH (u:User)
WHERE u.signedUpAt >= $since AND u.$ABOVE IS NOT NULL AND u.signedUpAt < $UNTIL
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
}"""
_TOP_IN_WINDOW_TEMPLATE: LiteralString = (
    _GROUP_WINDOW.replace("$UNTIL", "$until")
    + """
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n, parts[1] AS label, signUps
ORDER BY signUps DESC, key ASC
"""
)
TOP_REFERRERS_IN_WINDOW: dict[int, LiteralString] = {
    degree: _TOP_IN_WINDOW_TEMPLATE.replace("$ABOVE", above)
    for degree, above in zip(_HOPS, counters.ABOVE, strict=True)
}

# A window, by threshold: a referrer's all-time ``belowK`` is an upper bound of its count in any
# window, so candidates are read from each label's belowK index, highest bound first (ties by id,
# then label), and each one's count in the window is a seek on the composite index
# (aboveK, signedUpAt): no sign-up of a referrer that is not a candidate is read.
#
# One statement reads at most $batch candidates whose bound is at least $floor and keeps the best
# $limit of them with their counts (``top``; nothing is counted when it read more than $budget).
# ``final``: it read every candidate, or the k-th of ``top`` beats every candidate not read
# (those come after the last one read, so their bound, and with it their count, is at most that
# one's bound, and on an equal count they lose the tie on id, then label). When not final and
# $cap is above zero, it counts the window's sign-ups up to $cap (``inWindow``), and when there
# are fewer it groups them like TOP_REFERRERS_IN_WINDOW (``grouped``). Each guard sits inside an
# index range as well, because the planner may filter on it only after the seek.
_CANDIDATES_PART: LiteralString = """
    MATCH (n:$LABEL)
    WHERE n.$BELOW >= $floor AND '$LABEL' IN $labels
    WITH n ORDER BY n.$BELOW DESC, n.id ASC LIMIT $batch
    RETURN n, '$LABEL' AS label"""
_TOP_BY_THRESHOLD_TEMPLATE: LiteralString = (
    """
CALL () {
  CALL () {"""
    + _CANDIDATES_PART.replace("$LABEL", "User")
    + "\n    UNION ALL"
    + _CANDIDATES_PART.replace("$LABEL", "Influencer")
    + "\n    UNION ALL"
    + _CANDIDATES_PART.replace("$LABEL", "Partner")
    + """
  }
  WITH n, label, n.$BELOW AS bound
  ORDER BY bound DESC, n.id ASC, label ASC
  LIMIT $batch
  RETURN collect({n: n, label: label, bound: bound}) AS read
}
CALL (read) {
  UNWIND CASE WHEN size(read) <= $budget THEN read ELSE [] END AS c
  CALL (c) {
    MATCH (u:User)
    WHERE u.$ABOVE = c.n.id + ' ' + c.label AND u.signedUpAt >= $since AND u.signedUpAt < $until
    RETURN count(*) AS signUps
  }
  WITH c.n AS n, c.label AS label, signUps WHERE signUps > 0
  ORDER BY signUps DESC, n.id ASC, label ASC
  LIMIT $limit
  RETURN collect({n: n {.*, signedUpAt: toString(n.signedUpAt)}, id: n.id, label: label,
                  signUps: signUps}) AS top
}
WITH read, top, last(read) AS edge, last(top) AS kth
WITH read, top, size(read) < $batch OR (size(top) = $limit AND (
       edge.bound < kth.signUps OR (edge.bound = kth.signUps AND (
         edge.n.id > kth.id OR (edge.n.id = kth.id AND edge.label >= kth.label))))) AS final
CALL (final) {
  MATCH (u:User)
  WHERE u.signedUpAt >= $since AND u.$ABOVE IS NOT NULL
    AND u.signedUpAt < CASE WHEN final THEN $since ELSE $until END
  WITH u LIMIT $cap
  RETURN count(*) AS inWindow
}
CALL (final, inWindow) {
  WITH final, inWindow WHERE NOT final AND inWindow < $cap"""
    + _GROUP_WINDOW.replace(
        "$UNTIL", "CASE WHEN NOT final AND inWindow < $cap THEN $until ELSE $since END"
    )
    + """
  WITH n, parts[1] AS label, signUps, key
  ORDER BY signUps DESC, key ASC
  RETURN collect({n: n {.*, signedUpAt: toString(n.signedUpAt)}, label: label,
                  signUps: signUps}) AS grouped
}
RETURN final, inWindow, grouped, size(read) AS read, top
"""
)
TOP_REFERRERS_BY_THRESHOLD: dict[int, LiteralString] = {
    degree: _TOP_BY_THRESHOLD_TEMPLATE.replace("$ABOVE", above).replace("$BELOW", below)
    for degree, above, below in zip(_HOPS, counters.ABOVE, counters.BELOW, strict=True)
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


class WindowStrategy(StrEnum):
    """How a windowed leaderboard is computed (see ``top_referrers``)."""

    AUTO = "auto"
    GROUPED = "grouped"
    THRESHOLD = "threshold"


# Below this many sign-ups in the window (at the degree asked), grouping them is cheaper than
# counting candidates one by one (measured at 1M users, see bench/RESULTS.md: grouping costs
# about a tenth of a candidate's seek per sign-up, and the window's count up to this cap costs a
# few milliseconds).
GROUPED_BELOW = 25_000
# The threshold's first statement reads this many candidates (and at least FIRST_PER_LIMIT x
# limit), highest bound first, and counts no sign-ups beyond theirs.
FIRST_CANDIDATES = 32
FIRST_PER_LIMIT = 4
# The automatic choice counts at most this many candidates in its second statement; a window that
# needs more of them is grouped instead.
CANDIDATE_BUDGET = 2_048
# No limit on the candidates read (a forced threshold reads as many as the answer needs).
_ALL: int = 2**62


async def top_referrers(
    db: Database,
    *,
    degree: int,
    limit: int,
    since: datetime | None,
    until: datetime | None,
    kinds: Sequence[Kind],
    use_counters: bool = True,
    strategy: WindowStrategy = WindowStrategy.AUTO,
) -> list[ReferrerCount]:
    """Referrers ranked by sign-ups exactly ``degree`` hops below them (ties by id, then kind).
    With ``use_counters`` the answer is read from the counters that ``graph.counters`` keeps exact;
    without, every sign-up in the window is expanded ``degree`` hops up (the same answer).

    A window (``since`` or ``until`` given) is answered by grouping its sign-ups by their
    ``aboveK`` key (cost grows with the window) or by the threshold below (cost grows with the
    candidates it must read, which shrink as the window grows); ``strategy`` forces one, and
    ``AUTO`` groups a window of fewer than ``GROUPED_BELOW`` sign-ups and thresholds the rest."""
    if degree not in TOP_REFERRERS_SCAN:
        raise ValueError(f"degree must be 1..{MAX_DEGREE}")
    params: dict[str, Any] = {
        "since": since or EARLIEST,
        "until": until or LATEST,
        "labels": labels_in(kinds),
        "limit": limit,
    }
    if not use_counters:
        rows = await db.read(TOP_REFERRERS_SCAN[degree], params)
    elif since is None and until is None:
        rows = await db.read(TOP_REFERRERS_BY_COUNTERS[degree], params)
    elif strategy is WindowStrategy.GROUPED:
        rows = await db.read(TOP_REFERRERS_IN_WINDOW[degree], params)
    else:
        found = await _top_by_threshold(db, degree, params, auto=strategy is WindowStrategy.AUTO)
        rows = (
            found if found is not None else await db.read(TOP_REFERRERS_IN_WINDOW[degree], params)
        )
    return [
        ReferrerCount(referrer=referrer_from(row["label"], row["n"]), sign_ups=int(row["signUps"]))
        for row in rows
    ]


async def _top_by_threshold(
    db: Database, degree: int, params: dict[str, Any], *, auto: bool
) -> list[Row] | None:
    """The threshold algorithm in one or two statements; ``None`` when ``auto`` finds grouping
    cheaper after the first.

    The first statement reads the candidates with the highest bounds; when it is final (see
    TOP_REFERRERS_BY_THRESHOLD) its best ``limit`` are the answer. Otherwise the k-th count found
    so far is a floor under the answer's k-th count, and the second statement reads every
    candidate whose bound reaches that floor: any other counts less than the answer's k-th. With
    ``auto`` a window of fewer than ``GROUPED_BELOW`` sign-ups is grouped instead (inside the
    first statement), and so is one that needs more than ``CANDIDATE_BUDGET`` candidates.

    Each statement is complete in itself (the second reads its candidates afresh), so a sign-up
    committed before the request is counted by either, like the grouped statement, whatever is
    recorded meanwhile; the floor is checked against the second answer, and lowered and read
    again in the rare case that it is not met (a user deleted meanwhile)."""
    query = TOP_REFERRERS_BY_THRESHOLD[degree]
    limit = int(params["limit"])
    first = max(FIRST_CANDIDATES, FIRST_PER_LIMIT * limit)
    cap = GROUPED_BELOW if auto else 0
    row = (
        await db.read(query, {**params, "floor": 1, "batch": first, "budget": first, "cap": cap})
    )[0]
    if row["final"]:
        return list(row["top"])
    if int(row["inWindow"]) < cap:
        return list(row["grouped"])
    floor = _kth(row["top"], limit)
    budget = CANDIDATE_BUDGET if auto else _ALL
    while True:
        row = (
            await db.read(
                query, {**params, "floor": floor, "batch": budget + 1, "budget": budget, "cap": 0}
            )
        )[0]
        if int(row["read"]) > budget:
            return None
        top: list[Row] = list(row["top"])
        if _kth(top, limit) >= floor:
            return top
        floor = _kth(top, limit)


def _kth(top: list[Row], limit: int) -> int:
    """The k-th count of ``top``, or 1 (every candidate can still enter) when it is short."""
    return int(top[-1]["signUps"]) if len(top) == limit else 1


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
