"""Work each server process does beside answering requests: pruning the change feed, and
(``graph.webhooks``) delivering webhooks. Every step is safe with several processes: pruning
deletes a prefix by seq, and each webhook delivery is claimed under a lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from growthgraph.config import Settings
from growthgraph.errors import GrowthGraphError
from growthgraph.graph import changes
from growthgraph.graph.database import Database

log = logging.getLogger("growthgraph.background")

MAX_PRUNE_EVERY = 3600.0


class Background:
    """The background loops of one process, started and stopped with the app's lifespan."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        every = min(self.settings.change_retention / 10, MAX_PRUNE_EVERY)
        self._tasks.append(asyncio.create_task(self._every(every, self.prune_changes)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def prune_changes(self) -> None:
        cutoff = datetime.now(UTC) - timedelta(seconds=self.settings.change_retention)
        deleted = await changes.prune(self.db, cutoff)
        if deleted:
            log.info("pruned %d changes older than %s", deleted, cutoff.isoformat())

    async def _every(self, seconds: float, step: Callable[[], Awaitable[None]]) -> None:
        while True:
            try:
                await step()
            except GrowthGraphError as error:  # Neo4j away: try again next time
                log.warning("background step failed: %s", error.message)
            except Exception:
                log.exception("background step failed")
            await asyncio.sleep(seconds)
