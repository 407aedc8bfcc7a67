"""Resolvers of the network analysis: start a job, read its status and the stored scores."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.errors import BadUserInputError
from growthgraph.graph import structure, structure_reads
from growthgraph.graph.database import Database
from growthgraph.resolvers import mapping
from growthgraph.resolvers.context import Context
from growthgraph.schema.structure import (
    AnalysisStatus,
    Community,
    InfluenceScore,
    NetworkAnalysis,
    NetworkSummary,
    RunNetworkAnalysisResult,
    UserNetworkScores,
)

log = logging.getLogger("growthgraph.analysis")
Ctx = Info[Context, None]
# Running jobs, held so they are not garbage-collected mid-run.
_RUNNING: set[asyncio.Task[structure.JobRecord]] = set()


def job(r: structure.JobRecord) -> NetworkAnalysis:
    return NetworkAnalysis(
        id=strawberry.ID(r.id),
        status=AnalysisStatus(r.status),
        step=r.step,
        done=r.done,
        total=r.total,
        started_at=r.started_at,
        updated_at=r.updated_at,
        finished_at=r.finished_at,
        message=r.message,
        inactive_days=r.inactive_days,
        nodes=r.nodes,
        referrals=r.referrals,
        connections=r.connections,
        communities=r.communities,
        modularity=r.modularity,
        weak_nodes=r.weak_nodes,
        average_connections=r.average_connections,
    )


def scores(r: structure_reads.UserScores) -> UserNetworkScores:
    return UserNetworkScores(
        user=mapping.user(r.user),
        influence_score=r.influence,
        community_id=r.community,
        betweenness=r.betweenness,
        last_active_at=r.last_active_at,
        weak_node_score=r.weak_node_score,
        computed_at=r.computed_at,
    )


async def _run(db: Database, record: structure.JobRecord, batch: int) -> structure.JobRecord:
    try:
        return await structure.run_job(db, record, batch=batch)
    except Exception:
        log.exception("network analysis %s failed", record.id)
        raise


def _forget(task: asyncio.Task[structure.JobRecord]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved (and already logged) so asyncio does not warn


async def run_network_analysis(
    info: Ctx,
    inactive_days: Annotated[
        int | None,
        strawberry.argument(
            description="Days without activity after which a user counts as inactive, 1 to "
            "3650; the server's setting (30 unless configured) when omitted."
        ),
    ] = None,
) -> RunNetworkAnalysisResult:
    ctx = info.context
    days = ctx.settings.inactive_days if inactive_days is None else inactive_days
    if not 1 <= days <= 3650:
        raise BadUserInputError("`inactiveDays` must be between 1 and 3650")
    start = await structure.start_job(ctx.db, inactive_days=days, now=datetime.now(UTC))
    if start.started:
        task = asyncio.create_task(_run(ctx.db, start.job, ctx.settings.analysis_batch_size))
        _RUNNING.add(task)
        task.add_done_callback(_forget)
    return RunNetworkAnalysisResult(job=job(start.job), started=start.started)


async def network_analysis(
    info: Ctx,
    id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="A job id; the most recently started job if omitted."),
    ] = None,
) -> NetworkAnalysis | None:
    db = info.context.db
    found = await (structure.latest_job(db) if id is None else structure.get_job(db, str(id)))
    return None if found is None else job(found)


def _limit(name: str, value: int, maximum: int) -> None:
    if not 1 <= value <= maximum:
        raise BadUserInputError(f"`{name}` must be between 1 and {maximum}")


Limit = Annotated[
    int,
    strawberry.argument(
        description=f"How many entries to return, 1 to {structure_reads.MAX_LIMIT}."
    ),
]


async def top_influence(info: Ctx, limit: Limit = 10) -> list[InfluenceScore]:
    _limit("limit", limit, structure_reads.MAX_LIMIT)
    found = await structure_reads.top_influence(info.context.db, limit=limit)
    return [
        InfluenceScore(
            referrer=mapping.referrer(r.node),
            influence_score=r.influence,
            community_id=r.community,
            computed_at=r.computed_at,
        )
        for r in found
    ]


async def weak_nodes(info: Ctx, limit: Limit = 10) -> list[UserNetworkScores]:
    _limit("limit", limit, structure_reads.MAX_LIMIT)
    return [scores(r) for r in await structure_reads.weak_nodes(info.context.db, limit=limit)]


async def communities(
    info: Ctx,
    limit: Limit = 10,
    members: Annotated[
        int,
        strawberry.argument(
            description="How many top users to list per community, "
            f"1 to {structure_reads.MAX_MEMBERS}."
        ),
    ] = 5,
) -> list[Community]:
    _limit("limit", limit, structure_reads.MAX_LIMIT)
    _limit("members", members, structure_reads.MAX_MEMBERS)
    found = await structure_reads.communities(info.context.db, limit=limit, members=members)
    return [
        Community(
            id=c.id,
            users=c.users,
            sources=c.sources,
            top_users=[scores(u) for u in c.top_users],
        )
        for c in found
    ]


async def network_scores(
    info: Ctx,
    user_ids: Annotated[
        list[strawberry.ID],
        strawberry.argument(
            description=f"Up to {structure_reads.MAX_LIMIT} user ids; unknown ids are skipped."
        ),
    ],
) -> list[UserNetworkScores]:
    if len(user_ids) > structure_reads.MAX_LIMIT:
        raise BadUserInputError(f"at most {structure_reads.MAX_LIMIT} `userIds`")
    ids = [str(i) for i in user_ids]
    found = await structure_reads.user_scores(info.context.db, ids)
    return [scores(found[i]) for i in dict.fromkeys(ids) if i in found]


async def network_summary(info: Ctx) -> NetworkSummary:
    found = await structure_reads.summary(info.context.db)
    return NetworkSummary(
        users=found.users,
        connections=found.connections,
        average_connections=found.average_connections,
    )
