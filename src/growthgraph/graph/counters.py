"""Exact referral counters that let leaderboards read instead of traverse.

Two sets of properties, kept exact on every write path that adds a REFERRED edge:

- ``aboveK`` (K = 1..5) on a User: the key of the referrer exactly K hops above it, as
  ``"<id> <Label>"`` (ids never contain a space, so ordering keys orders by id, then label).
- ``belowK`` on a User, Influencer or Partner: how many users sit exactly K hops below it.
  Absent when zero, so its index holds only referrers that have a downline at that depth.

``topReferrers`` without a window reads the ``belowK`` index in descending order. With a small
window it groups the users signed up in it by ``aboveK`` (a composite index on
``signedUpAt, aboveK``), which replaces a K-hop expansion per sign-up by a value read from the
index; with a larger one it reads candidates from the ``belowK`` index, whose all-time count
bounds the window's, and counts each one's sign-ups in the window with a seek on a composite
index on ``aboveK, signedUpAt`` until no candidate left can reach the top (see
``referrals.top_referrers``).

A sign-up is always a new leaf, so recording one adds one to ``below1..5`` of its five nearest
ancestors and stores their keys as its ``above`` keys. Each ancestor is write-locked before its
count is read, so concurrent sign-ups never lose an increment; every transaction locks its
ancestors nearest first, so two chains that share ancestors lock them in the same order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.labels import REFERRER_LABEL_LIST, label_of

DEPTH = 5
ABOVE: tuple[LiteralString, ...] = ("above1", "above2", "above3", "above4", "above5")
BELOW: tuple[LiteralString, ...] = ("below1", "below2", "below3", "below4", "below5")
LABELS = REFERRER_LABEL_LIST
Progress = Callable[[int], object]


def node_key(label: str, node_id: str) -> str:
    """The key stored in ``aboveK``: sorts by id, then label, because ids hold no space."""
    return f"{node_id} {label}"


def split_key(key: str) -> tuple[str, str]:
    """(label, id) of a key made by :func:`node_key`."""
    node_id, _, label = key.rpartition(" ")
    return label, node_id


SCHEMA_STATEMENTS: tuple[LiteralString, ...] = (
    *(
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label in LABELS
        for prop in BELOW
    ),
    *(
        f"CREATE INDEX user_signed_up_{prop} IF NOT EXISTS FOR (n:User) ON (n.signedUpAt, n.{prop})"
        for prop in ABOVE
    ),
    *(
        f"CREATE INDEX user_{prop}_signed_up IF NOT EXISTS FOR (n:User) ON (n.{prop}, n.signedUpAt)"
        for prop in ABOVE
    ),
)

# --- one sign-up ------------------------------------------------------------------------------

_KEY_OF_A: LiteralString = "a.id + ' ' + " + label_of("a")
# Run first in a sign-up's transaction, before the new user and its edge are created: the
# referrer and its four nearest ancestors are the new user's five nearest ancestors. Each is
# write-locked (set and remove a property) nearest first before its count is read and raised, so
# sign-ups under one referrer queue on its lock. Relying on the lock that the increment itself
# takes deadlocks concurrent sign-ups under one referrer (measured: 40 at once, 44-68 deadlock
# retries), and so does creating the edge in the same statement. Returns the ancestors' keys,
# nearest first, for the new user's ``aboveK``.
_ON_SIGN_UP_TEMPLATE: LiteralString = (
    """
MATCH (ref:$LABEL {id: $referrerId})
OPTIONAL MATCH p = (up)-[:REFERRED*1..4]->(ref)
WITH ref, up ORDER BY length(p)
WITH ref, collect(up) AS ups
WITH [ref] + ups AS chain
UNWIND range(1, size(chain)) AS k
WITH chain[k - 1] AS a, k
SET a._lock = true
REMOVE a._lock
WITH a, k
FOREACH (_ IN CASE WHEN k = 1 THEN [1] ELSE [] END | SET a.below1 = coalesce(a.below1, 0) + 1)
FOREACH (_ IN CASE WHEN k = 2 THEN [1] ELSE [] END | SET a.below2 = coalesce(a.below2, 0) + 1)
FOREACH (_ IN CASE WHEN k = 3 THEN [1] ELSE [] END | SET a.below3 = coalesce(a.below3, 0) + 1)
FOREACH (_ IN CASE WHEN k = 4 THEN [1] ELSE [] END | SET a.below4 = coalesce(a.below4, 0) + 1)
FOREACH (_ IN CASE WHEN k = 5 THEN [1] ELSE [] END | SET a.below5 = coalesce(a.below5, 0) + 1)
RETURN k, """
    + _KEY_OF_A
    + """ AS key
ORDER BY k
"""
)
ON_SIGN_UP: dict[str, LiteralString] = {
    label: _ON_SIGN_UP_TEMPLATE.replace("$LABEL", label) for label in LABELS
}


def above_props(keys: Iterable[str]) -> dict[str, str]:
    """The new user's ``aboveK`` properties from its ancestors' keys, nearest first."""
    return dict(zip(ABOVE, keys, strict=False))


# --- recomputation ----------------------------------------------------------------------------

# The ancestors of every user, nearest first, from the edges alone.
_SET_ABOVE: LiteralString = (
    """
OPTIONAL MATCH p = (a)-[:REFERRED*1..5]->(u)
WITH u, a, length(p) AS k
ORDER BY k
WITH u, [x IN collect(CASE WHEN a IS NULL THEN null ELSE """
    + _KEY_OF_A
    + """ END) WHERE x IS NOT NULL] AS ups
SET u.above1 = ups[0], u.above2 = ups[1], u.above3 = ups[2], u.above4 = ups[3],
    u.above5 = ups[4]
"""
)
ABOVE_FOR_SUBTREES: LiteralString = (
    """
UNWIND $ids AS cid
MATCH (:User {id: cid})-[:REFERRED*0..4]->(u:User)
WITH DISTINCT u
CALL (u) {"""
    + _SET_ABOVE
    + """}
RETURN count(u) AS n
"""
)
# The below counts of chosen nodes, counted along the edges.
_RECOUNT_BELOW: dict[str, LiteralString] = {
    label: f"""
UNWIND $ids AS nid
MATCH (n:{label} {{id: nid}})
SET n.below1 = nullIf(COUNT {{ (n)-[:REFERRED]->(:User) }}, 0),
    n.below2 = nullIf(COUNT {{ (n)-[:REFERRED*2..2]->(:User) }}, 0),
    n.below3 = nullIf(COUNT {{ (n)-[:REFERRED*3..3]->(:User) }}, 0),
    n.below4 = nullIf(COUNT {{ (n)-[:REFERRED*4..4]->(:User) }}, 0),
    n.below5 = nullIf(COUNT {{ (n)-[:REFERRED*5..5]->(:User) }}, 0)
"""
    for label in LABELS
}
_ABOVE_OF: LiteralString = """
UNWIND $ids AS cid
MATCH (:User {id: cid})-[:REFERRED*0..4]->(u:User)
RETURN DISTINCT [u.above1, u.above2, u.above3, u.above4, u.above5] AS ups
"""


@dataclass(frozen=True, slots=True)
class Stored:
    """Counters computed in memory: node key -> (below1..below5), user key -> (above1..above5)."""

    below: dict[str, tuple[int, ...]]
    above: dict[str, tuple[str | None, ...]]


def from_forest(parent_of: Mapping[str, str]) -> Stored:
    """The counters a forest implies, computed in memory: ``parent_of`` maps a user's key to its
    referrer's key (keys from :func:`node_key`). Users with no referrer may be absent."""
    above: dict[str, tuple[str | None, ...]] = {}
    counts: dict[str, list[int]] = {}
    for child in parent_of:
        ups: list[str | None] = []
        node = child
        while len(ups) < DEPTH and node in parent_of:
            node = parent_of[node]
            ups.append(node)
            counts.setdefault(node, [0] * DEPTH)[len(ups) - 1] += 1
        above[child] = tuple(ups + [None] * (DEPTH - len(ups)))
    return Stored(below={k: tuple(v) for k, v in counts.items()}, above=above)


# --- recomputation inside Neo4j, in batches -----------------------------------------------------
#
# ``check`` and ``rebuild`` cut each label's nodes into ranges of ``batch`` ids (a keyset walk of
# the id index that only reads ids: ``id > $after ORDER BY id SKIP batch - 1 LIMIT 1``) and hand
# the ranges to two workers, so two batches are in flight at any time. Each batch is one write
# transaction that recomputes its nodes' counters from the edges: the users' ``aboveK`` by one
# upward walk of at most five edges, every referrer's ``belowK`` by one walk of the paths at most
# five edges down from it, counted by length (each path is read once; counting every depth apart
# read the shorter paths again for each longer one, ten times the store reads on the batches of
# the oldest users). A batch returns one row (how many nodes, how many differ, a few of them), so
# the client holds one batch's answer at a time whatever the size of the graph, and every batch is
# one short transaction under the transaction timeout, retried by the driver on a transient error.
#
# A sign-up recorded while a batch runs is exact either way: it only adds a leaf, whose ``above``
# it writes itself, and it raises the ``below`` of its ancestors under their locks (see
# ``ON_SIGN_UP``). So a node whose ``below`` counts differ from its edges is locked first and
# counted again before it is reported or written: a sign-up that holds the lock then has committed
# both its edge and its increments, and one that has not taken it yet has not created its edge.

BATCH = 5_000
SAMPLE = 20
IN_FLIGHT = 2

_KEY_OF: LiteralString = "x.id + ' ' + " + label_of("x")
_ANCESTORS: LiteralString = (
    """
MATCH (u:User) WHERE $after < u.id <= $upto
OPTIONAL MATCH (u)<-[:REFERRED]-(a1)
OPTIONAL MATCH (a1)<-[:REFERRED]-(a2)
OPTIONAL MATCH (a2)<-[:REFERRED]-(a3)
OPTIONAL MATCH (a3)<-[:REFERRED]-(a4)
OPTIONAL MATCH (a4)<-[:REFERRED]-(a5)
WITH u, [x IN [a1, a2, a3, a4, a5] | """
    + _KEY_OF
    + """] AS want,
     [u.above1, u.above2, u.above3, u.above4, u.above5] AS have
CALL (u, want, have) {
  WITH * WHERE [x IN have | coalesce(x, '')] <> [x IN want | coalesce(x, '')]
  $WRITE
  RETURN head(collect({id: u.id, label: 'User', what: 'above', have: have, want: want})) AS wrong
}
RETURN count(u) AS nodes, count(wrong) AS differing, collect(wrong)[..$sample] AS sample
"""
)
_SET_ABOVE_TO_WANT: LiteralString = (
    "SET u.above1 = want[0], u.above2 = want[1], u.above3 = want[2], u.above4 = want[3], "
    "u.above5 = want[4]"
)


_BY_DEPTH: LiteralString = (
    "[sum(CASE k WHEN 1 THEN 1 ELSE 0 END), sum(CASE k WHEN 2 THEN 1 ELSE 0 END), "
    "sum(CASE k WHEN 3 THEN 1 ELSE 0 END), sum(CASE k WHEN 4 THEN 1 ELSE 0 END), "
    "sum(CASE k WHEN 5 THEN 1 ELSE 0 END)]"
)
_ASTRAY: LiteralString = (
    ",\n           sum(CASE WHEN u IS NULL OR CASE k WHEN 1 THEN u.above1 WHEN 2 THEN u.above2 "
    "WHEN 3 THEN u.above3 WHEN 4 THEN u.above4 WHEN 5 THEN u.above5 END = n.id + ' $LABEL' "
    "THEN 0 ELSE 1 END) AS astray"
)


def _counted_below(name: LiteralString, *, astray: bool = False) -> LiteralString:
    """A subquery that binds ``name`` to the users exactly 1..5 edges below ``n``, walking each
    path down from ``n`` once; with ``astray``, also how many of those users do not hold ``n``'s
    key in the ``aboveK`` of their depth (bound to ``astray``)."""
    return (
        """CALL (n) {
    OPTIONAL MATCH p = (n)-[:REFERRED*1..5]->(u)
    WITH length(p) AS k, u
    RETURN """
        + _BY_DEPTH
        + " AS "
        + name
        + (_ASTRAY if astray else "")
        + "\n  }"
    )


_STORED_BELOW: LiteralString = (
    "[coalesce(n.below1, 0), coalesce(n.below2, 0), coalesce(n.below3, 0), "
    "coalesce(n.below4, 0), coalesce(n.below5, 0)]"
)
_DESCENDANTS: LiteralString = (
    """
MATCH (n:$LABEL) WHERE $after < n.id <= $upto
"""
    + _counted_below("want", astray=True)
    + """
WITH n, want, astray, """
    + _STORED_BELOW
    + """ AS have
CALL (n, want, have) {
  WITH n, want <> have AS differs
  WHERE differs
  SET n._lock = true
  REMOVE n._lock
  WITH n
  """
    + _counted_below("counted")
    + """
  WITH n, counted, """
    + _STORED_BELOW
    + """ AS kept
  WHERE counted <> kept
  $WRITE
  RETURN head(collect({id: n.id, label: '$LABEL', what: 'below', have: kept, want: counted}))
         AS wrong
}
RETURN count(n) AS nodes, count(wrong) AS differing, collect(wrong)[..$sample] AS sample,
       sum(astray) AS astray,
       [sum(want[0]), sum(want[1]), sum(want[2]), sum(want[3]), sum(want[4])] AS paths
"""
)
_SET_BELOW_TO_WANT: LiteralString = (
    "SET n.below1 = nullIf(counted[0], 0), n.below2 = nullIf(counted[1], 0), "
    "n.below3 = nullIf(counted[2], 0), n.below4 = nullIf(counted[3], 0), "
    "n.below5 = nullIf(counted[4], 0)"
)
# The last id of the next range of ``batch`` ids after ``after`` (read from the id index in
# order), or none when fewer remain; then the last id of all.
_RANGE_END: LiteralString = """
MATCH (n:$LABEL) WHERE n.id > $after
WITH n.id AS id ORDER BY id SKIP $skip LIMIT 1
RETURN id
"""
_LAST_ID: LiteralString = """
MATCH (n:$LABEL) WHERE n.id > $after
WITH n.id AS id ORDER BY id DESC LIMIT 1
RETURN id
"""


def _descendants(label: LiteralString, write: LiteralString) -> LiteralString:
    return _DESCENDANTS.replace("$LABEL", label).replace("$WRITE", write)


# How many users hold an ``aboveK`` key, K = 1..5: read from the (signedUpAt, aboveK) indexes,
# which hold a user when both are set (a user without a sign-up time is missed and the check
# falls back to walking every user up).
_SLOTS_HELD: LiteralString = (
    "CALL () { MATCH (u:User) USING INDEX u:User(signedUpAt, above1) "
    "WHERE u.signedUpAt IS NOT NULL AND u.above1 IS NOT NULL RETURN count(u) AS k1 } "
    "CALL () { MATCH (u:User) USING INDEX u:User(signedUpAt, above2) "
    "WHERE u.signedUpAt IS NOT NULL AND u.above2 IS NOT NULL RETURN count(u) AS k2 } "
    "CALL () { MATCH (u:User) USING INDEX u:User(signedUpAt, above3) "
    "WHERE u.signedUpAt IS NOT NULL AND u.above3 IS NOT NULL RETURN count(u) AS k3 } "
    "CALL () { MATCH (u:User) USING INDEX u:User(signedUpAt, above4) "
    "WHERE u.signedUpAt IS NOT NULL AND u.above4 IS NOT NULL RETURN count(u) AS k4 } "
    "CALL () { MATCH (u:User) USING INDEX u:User(signedUpAt, above5) "
    "WHERE u.signedUpAt IS NOT NULL AND u.above5 IS NOT NULL RETURN count(u) AS k5 } "
    "RETURN [k1, k2, k3, k4, k5] AS held"
)

# The statements of a check and of a rebuild: each label's descendants (which also look at the
# ``aboveK`` of every user they reach), and the users' ancestors.
_BELOW_CHECK: list[tuple[LiteralString, LiteralString]] = [
    (label, _descendants(label, "")) for label in LABELS
]
_BELOW_REBUILD: list[tuple[LiteralString, LiteralString]] = [
    (label, _descendants(label, _SET_BELOW_TO_WANT)) for label in LABELS
]
_ABOVE_CHECK: LiteralString = _ANCESTORS.replace("$WRITE", "")
_ABOVE_REBUILD: LiteralString = _ANCESTORS.replace("$WRITE", _SET_ABOVE_TO_WANT)


@dataclass(frozen=True, slots=True)
class Survey:
    """What a check found (or a rebuild corrected): nodes looked at (each user twice, once for
    its ancestors and once for its downline), how many differed from the edges, and the first
    ``sample`` of them as readable lines."""

    nodes: int
    differing: int
    sample: tuple[str, ...]


def _line(wrong: Mapping[str, object]) -> str:
    key = node_key(str(wrong["label"]), str(wrong["id"]))
    return f"{key}: {wrong['what']}1..5 stored {wrong['have']}, edges imply {wrong['want']}"


_COUNT_LABEL: LiteralString = "MATCH (n:$LABEL) RETURN count(n) AS n"


async def work_size(db: Database) -> int:
    """How many node visits a check or rebuild makes (each user twice), from the count store."""
    total = 0
    for label in LABELS:
        rows = await db.read(_COUNT_LABEL.replace("$LABEL", label))
        total += int(rows[0]["n"]) * (2 if label == "User" else 1)
    return total


async def _ranges(db: Database, label: LiteralString, batch: int) -> AsyncIterator[tuple[str, str]]:
    """The ids of ``label`` cut into ranges ``(after, upto]`` of ``batch`` ids, in id order."""
    after = ""
    while True:
        rows = await db.read(
            _RANGE_END.replace("$LABEL", label), {"after": after, "skip": batch - 1}
        )
        if not rows:
            rows = await db.read(_LAST_ID.replace("$LABEL", label), {"after": after})
            if rows:
                yield after, str(rows[0]["id"])
            return
        upto = str(rows[0]["id"])
        yield after, upto
        after = upto


@dataclass(slots=True)
class _Tally:
    nodes: int = 0
    differing: int = 0
    astray: int = 0
    paths: tuple[int, ...] = (0,) * DEPTH
    lines: list[str] = field(default_factory=list[str])


async def _walk(
    db: Database,
    jobs: Sequence[tuple[LiteralString, LiteralString]],
    *,
    batch: int,
    sample: int,
    tally: _Tally,
    progress: Progress | None,
) -> None:
    """Run each (label, statement) over that label's nodes, range by range, ``IN_FLIGHT``
    ranges at a time, adding what each batch returns to ``tally``."""
    work: asyncio.Queue[tuple[LiteralString, str, str] | None] = asyncio.Queue(IN_FLIGHT * 2)

    async def cut() -> None:
        try:
            for label, query in jobs:
                async for after, upto in _ranges(db, label, batch):
                    await work.put((query, after, upto))
        finally:
            for _ in range(IN_FLIGHT):
                await work.put(None)

    async def run() -> None:
        while (job := await work.get()) is not None:
            query, after, upto = job
            params = {"after": after, "upto": upto, "sample": sample}
            row = (await db.write(query, params))[0]
            done = int(row["nodes"])
            tally.nodes += done
            tally.differing += int(row["differing"])
            tally.astray += int(row.get("astray") or 0)
            if "paths" in row:
                tally.paths = tuple(
                    a + int(b) for a, b in zip(tally.paths, row["paths"], strict=True)
                )
            tally.lines.extend(_line(w) for w in row["sample"][: max(0, sample - len(tally.lines))])
            if progress is not None and done:
                progress(done)

    async with asyncio.TaskGroup() as group:
        group.create_task(cut())
        for _ in range(IN_FLIGHT):
            group.create_task(run())


async def _survey(
    db: Database, *, write: bool, batch: int, sample: int, progress: Progress | None
) -> Survey:
    """Every node's ``belowK`` from one walk down from it; on the way, each user reached at depth
    K is asked whether its ``aboveK`` holds the key of the node walked from. If every one does,
    and as many users hold an ``aboveK`` key as there are paths of length K, every ``aboveK`` is
    right (each user has one ancestor at depth K, so the keys found are all the keys held) and
    the users are not walked up one by one; otherwise they are, and the ones that differ are
    reported (and written, by a rebuild). A sign-up between the two counts only sends a check
    the long way round."""
    tally = _Tally()
    below = _BELOW_REBUILD if write else _BELOW_CHECK
    await _walk(db, below, batch=batch, sample=sample, tally=tally, progress=progress)
    held = tuple(int(k) for k in (await db.read(_SLOTS_HELD))[0]["held"])
    if tally.astray == 0 and held == tally.paths:
        users = int((await db.read(_COUNT_LABEL.replace("$LABEL", "User")))[0]["n"])
        tally.nodes += users
        if progress is not None and users:
            progress(users)
    else:
        above: list[tuple[LiteralString, LiteralString]] = [
            ("User", _ABOVE_REBUILD if write else _ABOVE_CHECK)
        ]
        await _walk(db, above, batch=batch, sample=sample, tally=tally, progress=progress)
    return Survey(nodes=tally.nodes, differing=tally.differing, sample=tuple(sorted(tally.lines)))


async def check(
    db: Database, *, batch: int = BATCH, sample: int = SAMPLE, progress: Progress | None = None
) -> Survey:
    """Compare every stored counter with what the edges imply, inside Neo4j in batches; nothing
    is written. ``progress`` is called with the nodes of each batch done."""
    return await _survey(db, write=False, batch=batch, sample=sample, progress=progress)


async def rebuild(
    db: Database, *, batch: int = BATCH, sample: int = SAMPLE, progress: Progress | None = None
) -> Survey:
    """Recompute every counter from the edges inside Neo4j, in batches, and write those that
    differ; the survey counts the nodes corrected. Safe to re-run, and exact while sign-ups are
    recorded at the same time."""
    return await _survey(db, write=True, batch=batch, sample=sample, progress=progress)


async def refresh(
    db: Database,
    user_ids: Iterable[str],
    *,
    batch: int = 1_000,
    progress: Progress | None = None,
) -> None:
    """Make the counters exact again after REFERRED edges into ``user_ids`` were added by a path
    that did not maintain them (a bulk load into a non-empty database): recompute the ``above``
    keys of everything up to four hops below those users, then recount ``below`` of every node
    that was or now is within five hops above any of them. ``progress`` is called with the users
    of each chunk done."""
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        touched: set[str] = set()
        for r in await db.read(_ABOVE_OF, {"ids": chunk}):
            touched.update(k for k in r["ups"] if k is not None)
        await db.write(ABOVE_FOR_SUBTREES, {"ids": chunk})
        for r in await db.read(_ABOVE_OF, {"ids": chunk}):
            touched.update(k for k in r["ups"] if k is not None)
        by_label: dict[str, list[str]] = {label: [] for label in LABELS}
        for key in touched:
            label, node_id = split_key(key)
            by_label[label].append(node_id)
        for label, node_ids in by_label.items():
            if node_ids:
                await db.write(_RECOUNT_BELOW[label], {"ids": sorted(node_ids)})
        if progress is not None:
            progress(len(chunk))


# Up to this many new referral edges, the counters are refreshed around them (``refresh``: cost
# grows with the edges and the downlines above them); beyond it, every counter is recomputed
# inside Neo4j and only those that changed are written (``rebuild``: cost grows with the whole
# graph). Measured on the 100k-user set, 69,877 new edges into 100k stored users: refresh 87 s, a
# rebuild that read the graph into the client 32 s.
REFRESH_AT_MOST = 20_000


ProgressFactory = Callable[[int], Progress]


async def keep_exact(
    db: Database, new_edges_into: Sequence[str], *, progress: ProgressFactory | None = None
) -> None:
    """Make the counters exact again after a bulk load added REFERRED edges into these users.
    ``progress`` is given the work's size (node visits of a full rebuild, or users refreshed) and
    returns what to call as it is done."""
    if len(new_edges_into) > REFRESH_AT_MOST:
        total = await work_size(db) if progress is not None else 0
        await rebuild(db, progress=None if progress is None else progress(total))
    elif new_edges_into:
        ids = set(new_edges_into)
        await refresh(db, ids, progress=None if progress is None else progress(len(ids)))
