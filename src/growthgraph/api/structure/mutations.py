"""Root field that starts the network analysis (admin): a background job, one at a time."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated

import strawberry

from growthgraph.api.arguments import INACTIVE_DAYS
from growthgraph.api.context import Info
from growthgraph.api.enums import ErrorCode
from growthgraph.api.structure.mapping import job
from growthgraph.api.structure.types import (
    AnalysisRunningError,
    RunNetworkAnalysisResult,
    RunNetworkAnalysisSuccess,
)
from growthgraph.api.window import require_offset
from growthgraph.graph import structure
from growthgraph.graph.database import Database

log = logging.getLogger("growthgraph.analysis")
# Running jobs, held so they are not garbage-collected mid-run.
_RUNNING: set[asyncio.Task[structure.JobRecord]] = set()


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
    info: Info,
    inactive_days: Annotated[int | None, INACTIVE_DAYS.argument()] = None,
    as_of: Annotated[
        datetime | None,
        strawberry.argument(
            name="asOf",
            description="The instant inactivity is measured back from (weak nodes are users "
            "inactive for `inactiveDays` before it); now when omitted. The job says which it "
            "used (`asOf`).",
        ),
    ] = None,
) -> RunNetworkAnalysisResult:
    ctx = info.context
    days = ctx.settings.inactive_days if inactive_days is None else inactive_days
    INACTIVE_DAYS.check(days)
    require_offset("asOf", as_of)
    cutoff = ctx.settings.betweenness_cutoff or None
    now = datetime.now(UTC)
    start = await structure.start_job(
        ctx.db,
        inactive_days=days,
        now=now,
        betweenness_cutoff=cutoff,
        as_of=now if as_of is None else as_of.astimezone(UTC),
    )
    if not start.started:
        return analysis_running(start.job)
    task = asyncio.create_task(_run(ctx.db, start.job, ctx.settings.analysis_batch))
    _RUNNING.add(task)
    task.add_done_callback(_forget)
    return RunNetworkAnalysisSuccess(job=job(start.job))


def analysis_running(running: structure.JobRecord) -> AnalysisRunningError:
    return AnalysisRunningError(
        code=ErrorCode.ANALYSIS_RUNNING,
        message=f"network analysis {running.id} is already running (started "
        f"{running.started_at.isoformat()})",
        job=job(running),
    )


@strawberry.type
class StructureMutation:
    run_network_analysis: RunNetworkAnalysisResult = strawberry.field(
        resolver=run_network_analysis,
        description="Admin: start the network analysis in the background and return its job "
        "at once; follow it with `networkAnalysis(id:)`. Only one job runs at a time: while "
        "one runs, this answers `ANALYSIS_RUNNING` with that job, and nothing starts. The "
        "same job runs from the command line with `growthgraph analyze`.",
    )
