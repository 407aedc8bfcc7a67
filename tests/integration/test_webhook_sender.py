"""The webhook sender's step on a real Neo4j: one read decides whether there is anything to do,
so an idle service (no webhook, or no new change and nothing due) writes nothing; a new change
is fanned out and sent; a failed delivery waits for its backoff without a write per tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
from neo4j import AsyncManagedTransaction

from growthgraph.background import Background
from growthgraph.config import Settings
from growthgraph.graph import users, webhooks
from growthgraph.graph.database import Database
from growthgraph.graph.outcomes import Written
from tests.support.counting import CountingDatabase, counting_database
from tests.support.live import free_port


@pytest_asyncio.fixture
async def counting(settings: Settings, clean_db: Database) -> AsyncIterator[CountingDatabase]:
    async with counting_database(settings) as database:
        yield database


def sender(settings: Settings, db: Database) -> Background:
    return Background(settings.model_copy(update={"webhook_backoff": 3600.0}), db)


async def sign_up(db: Database, uid: str) -> None:
    found = await users.record_sign_up(
        db,
        users.SignUp(
            id=uid,
            name=f"N {uid}",
            email=f"{uid}@example.com",
            signed_up_at=datetime(2024, 3, 1, tzinfo=UTC),
            referrer_kind=None,
            referrer_id=None,
        ),
    )
    assert isinstance(found, Written)


async def deliveries(db: Database) -> list[dict[str, Any]]:
    async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
        result = await tx.run("MATCH (d:WebhookDelivery) RETURN d {.*} AS d ORDER BY d.seq")
        return [dict(r["d"]) async for r in result]

    return await db.write_tx(work)


async def test_an_idle_sender_only_reads(settings: Settings, counting: CountingDatabase) -> None:
    step = sender(settings, counting)
    await sign_up(counting, "before")  # a change with no webhook to receive it
    counting.reads = counting.writes = 0
    for _ in range(3):
        await step.send_webhooks()
    assert (counting.reads, counting.writes) == (3, 0)

    created = await webhooks.create(
        counting, id="w", url=f"http://127.0.0.1:{free_port()}/hook", kinds=["SIGN_UP"], secret="s"
    )
    assert isinstance(created, Written)
    counting.reads = counting.writes = 0
    await step.send_webhooks()  # registered after the change: nothing behind, nothing due
    assert (counting.reads, counting.writes) == (1, 0)


async def test_a_new_change_is_fanned_out_and_sent_once_then_waits(
    settings: Settings, counting: CountingDatabase
) -> None:
    step = sender(settings, counting)
    # Nobody listens on this port: the attempt fails and the delivery waits for its backoff.
    url = f"http://127.0.0.1:{free_port()}/hook"
    assert isinstance(
        await webhooks.create(counting, id="w", url=url, kinds=["SIGN_UP"], secret="s"), Written
    )
    await sign_up(counting, "a")
    await step.send_webhooks()
    [made] = await deliveries(counting)
    assert (made["id"], made["status"], made["attempts"]) == ("w:1", "PENDING", 1)
    assert made["lastError"] is not None

    counting.reads = counting.writes = 0
    for _ in range(3):
        await step.send_webhooks()  # its next attempt is an hour away: no claim, no write
    assert (counting.reads, counting.writes) == (3, 0)
    [still] = await deliveries(counting)
    assert still["attempts"] == 1


async def test_a_process_with_the_sender_off_leaves_the_feed_to_others(
    settings: Settings, counting: CountingDatabase
) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    assert isinstance(
        await webhooks.create(counting, id="w", url=url, kinds=["SIGN_UP"], secret="s"), Written
    )
    await sign_up(counting, "a")
    fast = {"live_poll_interval": 0.05, "webhook_backoff": 3600.0}
    quiet = Background(settings.model_copy(update={**fast, "webhook_sender": False}), counting)
    quiet.start()
    try:
        await asyncio.sleep(0.5)  # ten of its ticks
    finally:
        await quiet.stop()
    assert await deliveries(counting) == []

    sending = Background(settings.model_copy(update=fast), counting)
    sending.start()
    try:
        for _ in range(100):
            if [d for d in await deliveries(counting) if d["attempts"] == 1]:
                break
            await asyncio.sleep(0.05)
    finally:
        await sending.stop()
    [made] = await deliveries(counting)
    assert (made["id"], made["attempts"]) == ("w:1", 1)
