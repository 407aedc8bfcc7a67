"""The network-analysis job: export a projection from Neo4j in keyset batches, score it with igraph
(``structure_compute``), write the scores back in batches, and record the job's progress on a
``NetworkAnalysis`` node so the CLI, the API and any other process see the same status.

Stored on each ``User``: ``influenceScore``, ``communityId``, ``betweenness``, ``lastActiveAt``,
``weakNodeScore`` (only on weak nodes), ``networkComputedAt``. On ``Influencer`` and ``Partner``:
``influenceScore``, ``communityId``, ``networkComputedAt``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from growthgraph.graph.database import Database
from growthgraph.graph.labels import SOURCE_LABELS, label_or_null
from growthgraph.graph.records import to_datetime
from growthgraph.graph.structure_compute import NodeKey, Projection, Scores, compute

Progress = Callable[[int, int, str], object]  # done, total, step
STALE_AFTER = timedelta(minutes=60)  # a RUNNING job silent this long was abandoned


EXPORT_USERS: LiteralString = (
    """
MATCH (u:User) WHERE u.id > $after
WITH u ORDER BY u.id LIMIT $batch
OPTIONAL MATCH (s)-[:REFERRED]->(u)
WITH u, head(collect(s)) AS s
// Activity times without naming every type: a missing type (no conversions yet) would make the
// server warn on every batch. Outgoing REFERRED/CONNECTED_TO carry `at` on the edge, CONVERTED and
// SENT on the node they reach; incoming CONNECTED_TO on the edge.
WITH u, s,
     [(u)-[x]->(o) | CASE type(x) WHEN 'REFERRED' THEN x.at WHEN 'CONNECTED_TO' THEN x.at
                                  WHEN 'CONVERTED' THEN o.at WHEN 'SENT' THEN o.at END]
     + [(u)<-[c:CONNECTED_TO]-(:User) | c.at] AS times
RETURN u.id AS id,
       """
    + label_or_null("s")
    + """ AS srcLabel,
       s.id AS srcId,
       [(u)-[:CONNECTED_TO]->(v:User) | v.id] AS connected,
       reduce(m = u.signedUpAt, t IN times | CASE WHEN t > m THEN t ELSE m END) AS lastActiveAt
ORDER BY id
"""
)
_EXPORT_SOURCES_TEMPLATE: LiteralString = (
    "MATCH (n:$LABEL) WHERE n.id > $after RETURN n.id AS id ORDER BY n.id LIMIT $batch"
)
EXPORT_SOURCES: dict[str, LiteralString] = {
    label: _EXPORT_SOURCES_TEMPLATE.replace("$LABEL", label) for label in SOURCE_LABELS
}
WRITE_USERS: LiteralString = """
UNWIND $rows AS row
MATCH (u:User {id: row.id})
SET u.influenceScore = row.influence, u.communityId = row.community,
    u.betweenness = row.betweenness, u.lastActiveAt = row.lastActiveAt,
    u.weakNodeScore = row.weak, u.networkComputedAt = $computedAt
"""
WRITE_SOURCES: dict[str, LiteralString] = {
    label: """
UNWIND $rows AS row
MATCH (n:$LABEL {id: row.id})
SET n.influenceScore = row.influence, n.communityId = row.community,
    n.networkComputedAt = $computedAt
""".replace("$LABEL", label)
    for label in SOURCE_LABELS
}
COUNT_NODES: LiteralString = """
CALL () { MATCH (u:User) RETURN count(u) AS users }
CALL () { MATCH (i:Influencer) RETURN count(i) AS influencers }
CALL () { MATCH (p:Partner) RETURN count(p) AS partners }
RETURN users + influencers + partners AS nodes
"""

# Starting a job: the lock node serialises concurrent starts; a live RUNNING job is returned
# instead of starting a second one, and a silent one is marked abandoned.
LOCK_JOBS: LiteralString = """
MERGE (l:NetworkAnalysisLock {id: 'network'})
SET l.lockedAt = $now
RETURN l.id AS id
"""
ABANDON_STALE: LiteralString = """
MATCH (j:NetworkAnalysis {status: 'RUNNING'})
WHERE j.updatedAt < $staleBefore
SET j.status = 'FAILED', j.message = 'abandoned: no progress reported', j.finishedAt = $now
RETURN count(j) AS abandoned
"""
RUNNING_JOB: LiteralString = """
MATCH (j:NetworkAnalysis {status: 'RUNNING'})
RETURN j {.*} AS j ORDER BY j.startedAt DESC LIMIT 1
"""
CREATE_JOB: LiteralString = """
CREATE (j:NetworkAnalysis)
SET j = $props
RETURN j {.*} AS j
"""
UPDATE_JOB: LiteralString = """
MATCH (j:NetworkAnalysis {id: $id})
SET j += $props
RETURN j {.*} AS j
"""
GET_JOB: LiteralString = "MATCH (j:NetworkAnalysis {id: $id}) RETURN j {.*} AS j"
LATEST_JOB: LiteralString = """
MATCH (j:NetworkAnalysis) WHERE j.startedAt IS NOT NULL
WITH j ORDER BY j.startedAt DESC LIMIT 1
RETURN j {.*} AS j
"""


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    status: str  # RUNNING, SUCCEEDED, FAILED
    step: str
    done: int
    total: int
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    message: str | None
    inactive_days: int
    betweenness_cutoff: int | None = None  # None: exact
    as_of: datetime | None = None  # inactivity is measured back from here (the start if None)
    nodes: int | None = None
    referrals: int | None = None
    connections: int | None = None
    communities: int | None = None
    modularity: float | None = None
    weak_nodes: int | None = None
    average_connections: float | None = None


@dataclass(frozen=True, slots=True)
class JobStart:
    job: JobRecord
    started: bool  # False: another job was already running and is returned instead


def _opt_time(value: object) -> datetime | None:
    return None if value is None else to_datetime(value)


def job_from(p: dict[str, Any]) -> JobRecord:
    def opt_int(key: str) -> int | None:
        return None if p.get(key) is None else int(p[key])

    return JobRecord(
        id=str(p["id"]),
        status=str(p["status"]),
        step=str(p.get("step", "")),
        done=int(p.get("done", 0)),
        total=int(p.get("total", 0)),
        started_at=to_datetime(p["startedAt"]),
        updated_at=to_datetime(p["updatedAt"]),
        finished_at=_opt_time(p.get("finishedAt")),
        message=None if p.get("message") is None else str(p["message"]),
        inactive_days=int(p["inactiveDays"]),
        betweenness_cutoff=opt_int("betweennessCutoff"),
        as_of=to_datetime(p.get("asOf") or p["startedAt"]),
        nodes=opt_int("nodes"),
        referrals=opt_int("referrals"),
        connections=opt_int("connections"),
        communities=opt_int("communities"),
        modularity=None if p.get("modularity") is None else float(p["modularity"]),
        weak_nodes=opt_int("weakNodes"),
        average_connections=None
        if p.get("averageConnections") is None
        else float(p["averageConnections"]),
    )


async def start_job(
    db: Database,
    *,
    inactive_days: int,
    now: datetime,
    betweenness_cutoff: int | None = None,
    as_of: datetime | None = None,
) -> JobStart:
    """Create a RUNNING job, or return the one already running (safe to call repeatedly)."""
    props = {
        "id": str(uuid.uuid4()),
        "status": "RUNNING",
        "step": "queued",
        "done": 0,
        "total": 0,
        "startedAt": now,
        "updatedAt": now,
        "inactiveDays": inactive_days,
        "betweennessCutoff": betweenness_cutoff,
        "asOf": as_of or now,
    }

    async def work(tx: AsyncManagedTransaction) -> JobStart:
        await (await tx.run(LOCK_JOBS, now=now)).consume()
        await (await tx.run(ABANDON_STALE, now=now, staleBefore=now - STALE_AFTER)).consume()
        running = await (await tx.run(RUNNING_JOB)).single()
        if running is not None:
            return JobStart(job_from(running["j"]), started=False)
        clean = {k: v for k, v in props.items() if v is not None}
        row = await (await tx.run(CREATE_JOB, props=clean)).single(strict=True)
        return JobStart(job_from(row["j"]), started=True)

    try:
        return await db.write_tx(work)
    except ConstraintError:
        # Two first-ever starts raced to create the lock node; the retry sees it.
        return await db.write_tx(work)


async def get_job(db: Database, job_id: str) -> JobRecord | None:
    rows = await db.read(GET_JOB, {"id": job_id})
    return job_from(rows[0]["j"]) if rows else None


async def latest_job(db: Database) -> JobRecord | None:
    rows = await db.read(LATEST_JOB)
    return job_from(rows[0]["j"]) if rows else None


async def _update(db: Database, job_id: str, props: dict[str, Any]) -> JobRecord:
    props = {**props, "updatedAt": datetime.now(UTC)}
    rows = await db.write(UPDATE_JOB, {"id": job_id, "props": props})
    return job_from(rows[0]["j"])


@dataclass
class _Export:
    index: dict[NodeKey, int] = field(default_factory=dict[NodeKey, int])
    nodes: list[NodeKey] = field(default_factory=list[NodeKey])
    last_active: list[datetime | None] = field(default_factory=list[datetime | None])
    referrals: list[tuple[NodeKey, NodeKey]] = field(default_factory=list[tuple[NodeKey, NodeKey]])
    connections: list[tuple[NodeKey, NodeKey]] = field(
        default_factory=list[tuple[NodeKey, NodeKey]]
    )

    def add(self, key: NodeKey, last_active: datetime | None) -> None:
        self.index[key] = len(self.nodes)
        self.nodes.append(key)
        self.last_active.append(last_active)

    def projection(self) -> Projection:
        # Edges to nodes created after their page was read are dropped: a consistent snapshot.
        def pairs(edges: list[tuple[NodeKey, NodeKey]]) -> tuple[tuple[int, int], ...]:
            return tuple(
                (self.index[a], self.index[b])
                for a, b in edges
                if a in self.index and b in self.index
            )

        return Projection(
            nodes=tuple(self.nodes),
            last_active=tuple(self.last_active),
            referrals=pairs(self.referrals),
            connections=pairs(self.connections),
        )


class _Tracker:
    """Reports progress to the caller and, once per batch, to the job node (the heartbeat)."""

    def __init__(self, db: Database, job_id: str, total: int, progress: Progress | None) -> None:
        self.db, self.job_id, self.total, self.progress = db, job_id, total, progress
        self.done = 0

    async def advance(self, rows: int, step: str) -> None:
        self.done += rows
        await _update(self.db, self.job_id, {"done": self.done, "total": self.total, "step": step})
        if self.progress is not None:
            self.progress(self.done, self.total, step)


async def _export(db: Database, batch: int, tracker: _Tracker) -> _Export:
    out = _Export()
    after = ""
    while True:
        rows = await db.read(EXPORT_USERS, {"after": after, "batch": batch})
        if not rows:
            break
        for row in rows:
            key: NodeKey = ("User", str(row["id"]))
            out.add(key, to_datetime(row["lastActiveAt"]))
            if row["srcId"] is not None:
                out.referrals.append(((str(row["srcLabel"]), str(row["srcId"])), key))
            out.connections.extend((key, ("User", str(v))) for v in row["connected"])
        after = str(rows[-1]["id"])
        await tracker.advance(len(rows), "exporting users")
    for label in SOURCE_LABELS:
        after = ""
        while True:
            rows = await db.read(EXPORT_SOURCES[label], {"after": after, "batch": batch})
            if not rows:
                break
            for row in rows:
                out.add((label, str(row["id"])), None)
            after = str(rows[-1]["id"])
            await tracker.advance(len(rows), f"exporting {label.lower()}s")
    return out


async def _write_back(
    db: Database,
    p: Projection,
    scores: Scores,
    *,
    batch: int,
    computed_at: datetime,
    tracker: _Tracker,
) -> None:
    users: list[dict[str, Any]] = []
    sources: dict[str, list[dict[str, Any]]] = {label: [] for label in SOURCE_LABELS}
    for i, (label, node_id) in enumerate(p.nodes):
        row: dict[str, Any] = {
            "id": node_id,
            "influence": scores.influence[i],
            "community": scores.community[i],
        }
        if label == "User":
            row["betweenness"] = scores.betweenness[i]
            row["lastActiveAt"] = p.last_active[i]
            row["weak"] = scores.betweenness[i] if scores.weak[i] else None
            users.append(row)
        else:
            sources[label].append(row)
    for start in range(0, len(users), batch):
        chunk = users[start : start + batch]
        await db.write(WRITE_USERS, {"rows": chunk, "computedAt": computed_at})
        await tracker.advance(len(chunk), "writing user scores")
    for label, rows in sources.items():
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            await db.write(WRITE_SOURCES[label], {"rows": chunk, "computedAt": computed_at})
            await tracker.advance(len(chunk), f"writing {label.lower()} scores")


async def run_job(
    db: Database,
    job: JobRecord,
    *,
    batch: int,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> JobRecord:
    """Run a started job to the end; a failure is recorded on the job and re-raised."""
    as_of = now or job.as_of or job.started_at
    try:
        counted = await db.read(COUNT_NODES)
        tracker = _Tracker(db, job.id, 2 * int(counted[0]["nodes"]), progress)
        exported = await _export(db, batch, tracker)
        tracker.total = 2 * len(exported.nodes)  # the graph may have grown since the count
        await _update(db, job.id, {"step": "computing", "total": tracker.total})
        projection = exported.projection()
        inactive_before = as_of - timedelta(days=job.inactive_days)
        scores = await asyncio.to_thread(
            compute,
            projection,
            inactive_before=inactive_before,
            betweenness_cutoff=job.betweenness_cutoff,
        )
        computed_at = datetime.now(UTC)
        await _write_back(
            db, projection, scores, batch=batch, computed_at=computed_at, tracker=tracker
        )
        users = sum(1 for label, _ in projection.nodes if label == "User")
        summary: dict[str, Any] = {
            "status": "SUCCEEDED",
            "step": "done",
            "finishedAt": computed_at,
            "nodes": len(projection.nodes),
            "referrals": len(projection.referrals),
            "connections": len(projection.connections),
            "communities": scores.communities,
            "modularity": scores.modularity,
            "weakNodes": sum(scores.weak),
            "averageConnections": 2 * len(projection.connections) / users if users else 0.0,
        }
        return await _update(db, job.id, summary)
    except BaseException as exc:
        failed = {
            "status": "FAILED",
            "message": f"failed: {type(exc).__name__}",
            "finishedAt": datetime.now(UTC),
        }
        with contextlib.suppress(Exception):
            await _update(db, job.id, failed)
        raise
