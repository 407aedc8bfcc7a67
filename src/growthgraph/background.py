"""Work each server process does beside answering requests: pruning the change feed, and
(``graph.webhooks``) delivering webhooks. Every step is safe with several processes: pruning
deletes a prefix by seq, and each webhook delivery is claimed under a lease."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx

from growthgraph.config import Settings
from growthgraph.errors import GrowthGraphError
from growthgraph.graph import changes, webhooks
from growthgraph.graph.database import BACKGROUND, Database

log = logging.getLogger("growthgraph.background")

MAX_PRUNE_EVERY = 3600.0
MAX_RETRY_DELAY = 3600.0
DELIVERIES_AT_ONCE = 20
SIGNATURE_HEADER = "Growthgraph-Signature"


def signature(secret: str, timestamp: int, body: str) -> str:
    """The signature header's value: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Background:
    """The background loops of one process, started and stopped with the app's lifespan."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        every = min(self.settings.change_retention / 10, MAX_PRUNE_EVERY)
        self._tasks.append(asyncio.create_task(self._every(every, self.prune_changes)))
        if self.settings.webhook_sender:
            self._tasks.append(
                asyncio.create_task(
                    self._every(self.settings.live_poll_interval, self.send_webhooks)
                )
            )

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

    async def send_webhooks(self) -> None:
        """Fan the feed out to the webhooks, then send what is due (each delivery claimed by
        one process under a lease); never on a request's path. One read finds out whether there
        is anything to do, so an idle service makes no write."""
        work = await webhooks.pending_work(self.db)
        made = await webhooks.fan_out(self.db, work.behind) if work.behind else 0
        if not (made or work.due):
            return
        claim_id = uuid.uuid4().hex
        lease = self.settings.webhook_timeout * 2 + 5
        claimed = await webhooks.claim(
            self.db, claim_id=claim_id, lease_s=lease, limit=DELIVERIES_AT_ONCE
        )
        if claimed:
            async with httpx.AsyncClient(timeout=self.settings.webhook_timeout) as client:
                await asyncio.gather(*(self._send(client, c, claim_id) for c in claimed))

    async def _send(
        self, client: httpx.AsyncClient, delivery: webhooks.Claimed, claim: str
    ) -> None:
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: signature(delivery.secret, int(time.time()), delivery.body),
            "Growthgraph-Delivery": delivery.id,
            "Growthgraph-Event": delivery.kind,
        }
        code: int | None = None
        error: str | None = None
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        attempts = delivery.attempts + 1
        if error is None:
            status = webhooks.DELIVERED
        elif attempts >= self.settings.webhook_attempts:
            status = webhooks.FAILED
        else:
            status = webhooks.PENDING
        retry = min(self.settings.webhook_backoff * 2 ** (attempts - 1), MAX_RETRY_DELAY)
        await webhooks.record(
            self.db, id=delivery.id, claim_id=claim, status=status, code=code, error=error,
            retry_s=retry,
        )  # fmt: skip

    async def _every(self, seconds: float, step: Callable[[], Awaitable[None]]) -> None:
        BACKGROUND.set(True)  # this task's round trips are not a request's
        while True:
            try:
                await step()
            except GrowthGraphError as error:  # Neo4j away: try again next time
                log.warning("background step failed: %s", error.message)
            except Exception:
                log.exception("background step failed")
            await asyncio.sleep(seconds)
