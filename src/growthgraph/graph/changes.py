"""The change feed: every write a watcher cares about that the API makes (a sign-up, a
conversion, a reward's status, a fraud flag) appends ``(:Change {seq, at, kind, ...ids})`` in the
transaction that makes the write, so a change is visible exactly when the write is committed.

Sequence numbers come from one counter node, ``(:ChangeFeed {id: "changes"})``. Incrementing it
write-locks it (Cypher locks a node before reading a property that a ``SET`` depends on), and
Neo4j holds a write lock until the transaction has committed or rolled back. So the transaction
that takes seq n+1 can only do so after the one holding n has finished: seq numbers are
committed in order, a rolled-back write gives its number back, and the feed has no holes. The
append is the last statement of each write, so the lock is held for the commit only. Readers
still deliver only a run without holes (:class:`Cursor`): a hole is waited for, and is skipped
only when it outlasts ``gap_grace`` (which the locking above rules out) or lies below the pruned
floor.

A change carries ids, kinds, statuses and amounts, never names, e-mail addresses or free text,
so what the feed holds about a person is what erasure keeps (ids); changes older than the
retention period are pruned (``prune``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.errors import ServiceUnavailableError
from growthgraph.graph.database import BACKGROUND, Database
from growthgraph.graph.labels import label_of
from growthgraph.graph.records import to_datetime

log = logging.getLogger("growthgraph.changes")


class ChangeKind(StrEnum):
    SIGN_UP = "SIGN_UP"  # a user created by recordSignUp (the importer does not announce yet)
    REFERRAL = "REFERRAL"  # reserved: a REFERRED edge written by the importer after its user
    CONVERSION = "CONVERSION"
    REWARD_STATUS = "REWARD_STATUS"  # a reward created (pending or held) or moved on
    FRAUD_FLAG = "FRAUD_FLAG"  # a user flagged (flagged: true) or unflagged (false)


# The properties a change may carry besides seq, at and kind: ids and plain values only.
FIELDS: frozenset[str] = frozenset(
    {
        "userId",
        "referrerKind",
        "referrerId",
        "campaignId",
        "conversionId",
        "revenueCents",
        "rewardId",
        "runId",
        "status",
        "beneficiaryKind",
        "beneficiaryId",
        "amountCents",
        "flagged",
    }
)
FEED_ID = "changes"

# One statement: lock and advance the counter, then create the changes numbered after it.
APPEND: LiteralString = """
MERGE (feed:ChangeFeed {id: $feed})
SET feed.seq = coalesce(feed.seq, 0) + size($events)
WITH feed.seq - size($events) AS base
UNWIND range(0, size($events) - 1) AS i
CREATE (c:Change)
SET c = $events[i], c.seq = base + i + 1, c.at = datetime()
"""
# The importer's batches name their changes in Cypher (``changes`` rows of the same shape as
# ``$events``) and end with this suffix, so the import and its changes are one transaction.
APPEND_SUFFIX: LiteralString = """
WITH collect(change) AS events
WHERE size(events) > 0
MERGE (feed:ChangeFeed {id: "changes"})
SET feed.seq = coalesce(feed.seq, 0) + size(events)
WITH feed.seq - size(events) AS base, events
UNWIND range(0, size(events) - 1) AS i
CREATE (c:Change)
SET c = events[i], c.seq = base + i + 1, c.at = datetime()
"""
HEAD: LiteralString = """
OPTIONAL MATCH (feed:ChangeFeed {id: $feed})
RETURN coalesce(feed.seq, 0) AS head, coalesce(feed.prunedThrough, 0) AS floor
"""
READ_AFTER: LiteralString = """
MATCH (c:Change) WHERE c.seq > $after
RETURN c {.*} AS c
ORDER BY c.seq
LIMIT $limit
"""
# Prune by sequence, a prefix at a time: the newest seq older than the cut-off, then every
# change up to it (so the feed never gets a hole in its middle).
PRUNE_UPTO: LiteralString = """
MATCH (c:Change) WHERE c.at < $cutoff
RETURN max(c.seq) AS upto
"""
PRUNE: LiteralString = """
MATCH (c:Change) WHERE c.seq <= $upto
WITH c LIMIT $batch
DELETE c
RETURN count(*) AS deleted
"""
SET_FLOOR: LiteralString = """
MERGE (feed:ChangeFeed {id: $feed})
SET feed.prunedThrough = CASE WHEN coalesce(feed.prunedThrough, 0) > $upto
                              THEN feed.prunedThrough ELSE $upto END
"""
PRUNE_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    at: datetime
    kind: ChangeKind
    data: Mapping[str, Any] = field(default_factory=dict[str, Any])

    def get(self, key: str) -> Any:
        return self.data.get(key)


def event(kind: ChangeKind, **values: object) -> dict[str, Any]:
    """One change to append: its kind and its ids (None values are left out)."""
    unknown = set(values) - FIELDS
    if unknown:
        raise ValueError(f"not a change field: {sorted(unknown)}")
    return {"kind": kind.value, **{k: v for k, v in values.items() if v is not None}}


async def append(tx: AsyncManagedTransaction, events: Sequence[Mapping[str, Any]]) -> None:
    """Append ``events`` in the caller's transaction; call it as the transaction's last
    statement (the feed's counter stays locked until the commit)."""
    if events:
        await (await tx.run(APPEND, feed=FEED_ID, events=list(events))).consume()


def change_from(props: Mapping[str, Any]) -> Change:
    data = {k: v for k, v in props.items() if k in FIELDS}
    return Change(
        seq=int(props["seq"]),
        at=to_datetime(props["at"]),
        kind=ChangeKind(str(props["kind"])),
        data=data,
    )


async def head(db: Database) -> tuple[int, int]:
    """The last seq handed out and the pruned floor (every seq up to it is gone)."""
    rows = await db.read(HEAD, {"feed": FEED_ID})
    return int(rows[0]["head"]), int(rows[0]["floor"])


async def read_after(db: Database, after: int, limit: int) -> list[Change]:
    """Up to ``limit`` committed changes after ``after``, in seq order (holes possible in
    principle: see :class:`Cursor`)."""
    rows = await db.read(READ_AFTER, {"after": after, "limit": limit})
    return [change_from(row["c"]) for row in rows]


@dataclass
class Cursor:
    """A reader's place in the feed: ``next_batch`` returns the changes after ``position`` up to
    the first hole (never past it), and moves on. A hole is skipped only once it is below the
    pruned floor, or after ``gap_grace`` seconds."""

    position: int
    gap_grace: float = 10.0
    batch: int = 500
    _gap_since: float | None = None
    missed: int = 0  # changes skipped because they had been pruned before this reader got them

    async def next_batch(self, db: Database) -> list[Change]:
        found = await read_after(db, self.position, self.batch)
        if found and found[0].seq != self.position + 1:
            _, floor = await head(db)
            if floor >= self.position + 1:
                self.missed += min(floor, found[0].seq - 1) - self.position
                self.position = min(floor, found[0].seq - 1)
        ready: list[Change] = []
        expected = self.position + 1
        for change in found:
            if change.seq != expected:
                break
            ready.append(change)
            expected += 1
        if found and not ready:
            # A hole at the front: wait for it, then (it cannot be filled any more) skip it.
            now = time.monotonic()
            if self._gap_since is None:
                self._gap_since = now
            elif now - self._gap_since >= self.gap_grace:
                self._gap_since = None
                self.position = found[0].seq - 1
                return await self.next_batch(db)
            return []
        self._gap_since = None
        if ready:
            self.position = ready[-1].seq
        return ready


class FeedWatch:
    """The feed's head, read once per ``interval`` for a whole process. Every reader of the
    process (each subscription) waits here until the head passes its place and only then reads
    its changes, so an idle process makes one small read per interval however many readers it
    serves, and none while it serves none: the watching task runs only while someone waits."""

    def __init__(self, db: Database, interval: float) -> None:
        self._db = db
        self._interval = interval
        self._head = 0
        self._moved = asyncio.Condition()
        self._waiting = 0
        self._task: asyncio.Task[None] | None = None

    async def wait_beyond(self, position: int) -> None:
        """Return once the head is known to be past ``position``: at once if it already is (a
        caller that then finds nothing new should sleep before asking again)."""
        async with self._moved:
            if self._head > position:
                return
            self._waiting += 1
            if self._task is None:
                self._task = asyncio.create_task(self._watch())
            try:
                await self._moved.wait_for(lambda: self._head > position)
            finally:
                self._waiting -= 1

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self) -> None:
        BACKGROUND.set(True)  # the process's round trips, not a request's
        while True:
            delay = self._interval
            try:
                found, _ = await head(self._db)
            except ServiceUnavailableError:  # Neo4j away: keep waiting, try again
                found, delay = None, max(self._interval, 1.0)
            except Exception:
                log.exception("reading the change feed's head failed")
                found, delay = None, max(self._interval, 1.0)
            async with self._moved:
                if found is not None and found != self._head:
                    self._head = found  # lower only if the database was emptied
                    self._moved.notify_all()
                if self._waiting == 0:
                    self._task = None
                    return
            await asyncio.sleep(delay)


async def prune(db: Database, cutoff: datetime) -> int:
    """Delete the changes older than ``cutoff`` (a prefix of the feed); the number deleted."""
    rows = await db.read(PRUNE_UPTO, {"cutoff": cutoff})
    upto = rows[0]["upto"]
    if upto is None:
        return 0
    await db.write(SET_FLOOR, {"feed": FEED_ID, "upto": int(upto)})
    deleted = 0
    while True:
        found = await db.write(PRUNE, {"upto": int(upto), "batch": PRUNE_BATCH})
        n = int(found[0]["deleted"])
        deleted += n
        if n < PRUNE_BATCH:
            return deleted


# The referrers above each user, nearest first (a forest: one chain each), for the subtree
# filter of the sign-up subscription.
ANCESTORS: LiteralString = (
    """
UNWIND $ids AS id
MATCH (u:User {id: id})
OPTIONAL MATCH path = (u)<-[:REFERRED*1..1000]-(top)
WHERE NOT ()-[:REFERRED]->(top)
RETURN id, [n IN CASE WHEN path IS NULL THEN [] ELSE nodes(path)[1..] END |
            [n.id, """
    + label_of("n")
    + """]] AS above
"""
)


async def ancestors(db: Database, user_ids: Sequence[str]) -> dict[str, set[tuple[str, str]]]:
    """For each user, the (label, id) of every referrer above it, in one round trip."""
    if not user_ids:
        return {}
    rows = await db.read(ANCESTORS, {"ids": list(dict.fromkeys(user_ids))})
    return {str(r["id"]): {(str(lb), str(i)) for i, lb in r["above"]} for r in rows}
