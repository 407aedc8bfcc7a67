"""The process's one watch on the change feed's head (``changes.FeedWatch``) on a real Neo4j:
however many readers wait, it reads the head once per interval; it wakes every reader whose
place the head has passed, and only those; it reads nothing while nobody waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio

from growthgraph.config import Settings
from growthgraph.graph import changes, users
from growthgraph.graph.database import Database
from growthgraph.graph.outcomes import Written
from tests.support.counting import CountingDatabase, counting_database

INTERVAL = 0.1
READERS = 40


@pytest_asyncio.fixture
async def counting(settings: Settings, clean_db: Database) -> AsyncIterator[CountingDatabase]:
    async with counting_database(settings) as database:
        yield database


async def sign_up(db: Database, uid: str) -> None:
    signed = users.SignUp(
        id=uid,
        name=f"N {uid}",
        email=f"{uid}@example.com",
        signed_up_at=datetime(2024, 3, 1, tzinfo=UTC),
        referrer_kind=None,
        referrer_id=None,
    )
    assert isinstance(await users.record_sign_up(db, signed), Written)


async def test_many_readers_share_one_read_per_interval(
    counting: CountingDatabase, clean_db: Database
) -> None:
    watch = changes.FeedWatch(counting, INTERVAL)
    await sign_up(clean_db, "a")  # seq 1
    waiting = [asyncio.create_task(watch.wait_beyond(1)) for _ in range(READERS)]
    ahead = asyncio.create_task(watch.wait_beyond(0))  # the head is already past it
    await asyncio.wait_for(ahead, timeout=10)

    started, reads = time.monotonic(), counting.reads
    await asyncio.sleep(1.0)
    elapsed, made = time.monotonic() - started, counting.reads - reads
    assert not any(t.done() for t in waiting)  # nothing new: nobody woken
    # One read per interval for all readers (a slow machine makes fewer, never more).
    assert made <= elapsed / INTERVAL + 1

    await sign_up(clean_db, "b")  # seq 2
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=10)

    await asyncio.sleep(3 * INTERVAL)  # the last reader left: the watch stops reading
    idle = counting.reads
    await asyncio.sleep(5 * INTERVAL)
    assert counting.reads == idle
    await watch.close()


async def test_a_reader_waits_only_for_its_own_place(
    counting: CountingDatabase, clean_db: Database
) -> None:
    watch = changes.FeedWatch(counting, INTERVAL)
    await sign_up(clean_db, "a")
    behind = asyncio.create_task(watch.wait_beyond(0))
    level = asyncio.create_task(watch.wait_beyond(1))
    further = asyncio.create_task(watch.wait_beyond(2))
    await asyncio.wait_for(behind, timeout=10)
    await asyncio.sleep(5 * INTERVAL)
    assert not level.done()
    assert not further.done()
    await sign_up(clean_db, "b")
    await asyncio.wait_for(level, timeout=10)
    await asyncio.sleep(5 * INTERVAL)
    assert not further.done()
    await sign_up(clean_db, "c")
    await asyncio.wait_for(further, timeout=10)
    await watch.close()
