"""The root subscriptions, delivered over ``graphql-transport-ws`` on ``/graphql``.

Each subscription reads the change feed (``graph.changes``) from Neo4j, from ``after`` (or from
the feed's head when it is omitted), whenever the process's one reader of the feed's head
(``FeedWatch``, every ``GROWTHGRAPH_LIVE_POLL_INTERVAL`` seconds) sees it move past the
subscription's place, and sends what its filter keeps, in seq order. Because the feed is in the
database, every server process sends the same events in the same order, and a client that
reconnects with ``after`` set to the last seq it received gets exactly what it missed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from typing import Annotated

import strawberry

from growthgraph.api.arguments import DEGREE, TOP_LIMIT, Bound, check
from growthgraph.api.context import Info
from growthgraph.api.enums import FROM_KIND, TO_KIND, ReferrerKind
from growthgraph.api.live.types import (
    LeaderboardEntry,
    LeaderboardUpdate,
    RewardStatusEvent,
    SignUpEvent,
    SignUpFilter,
)
from growthgraph.api.types import ReferrerRef, referrer, user
from growthgraph.errors import ServiceUnavailableError
from growthgraph.graph import changes, entities, referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind

AFTER = Bound(
    "after",
    0,
    2**31 - 1,
    "Resume after this seq (the last one received): every later change is sent, in order. "
    "Omitted: only changes committed from now on.",
)
After = Annotated[int | None, AFTER.argument()]
ChangeKind = changes.ChangeKind


async def _cursor(db: Database, after: int | None) -> changes.Cursor:
    if after is not None:
        AFTER.check(after)
        return changes.Cursor(position=after)
    head, _ = await changes.head(db)
    return changes.Cursor(position=head)


async def _batches(info: Info, cursor: changes.Cursor) -> AsyncGenerator[list[changes.Change]]:
    """Every batch of the feed after the cursor, forever. Waits on the process's feed watch
    (one read of the head per interval for all subscriptions) until there is something new;
    without one (a context built outside the app), polls on its own."""
    db, interval = info.context.db, info.context.settings.live_poll_interval
    watch = info.context.feed_watch
    while True:
        try:
            if watch is not None:
                await watch.wait_beyond(cursor.position)
            batch = await cursor.next_batch(db)
        except ServiceUnavailableError:  # Neo4j away: keep the place and try again
            await asyncio.sleep(max(interval, 1.0))
            continue
        if batch:
            info.context.fresh_loaders()
            yield batch
        if not batch or (watch is None and len(batch) < cursor.batch):
            await asyncio.sleep(interval)  # nothing yet (a hole to wait out, or no watch)


async def _kept_sign_ups(
    db: Database, found: Sequence[changes.Change], wanted: SignUpFilter | None
) -> list[changes.Change]:
    kept = [c for c in found if c.kind is ChangeKind.SIGN_UP]
    if wanted is None:
        return kept
    if wanted.campaign_id is not None:
        kept = [c for c in kept if c.get("campaignId") == str(wanted.campaign_id)]
    if wanted.referrer_kinds is not None:
        labels = {TO_KIND[k].value for k in wanted.referrer_kinds}
        kept = [c for c in kept if c.get("referrerKind") in labels]
    if wanted.referrer is not None and kept:
        root = (TO_KIND[wanted.referrer.kind].value, str(wanted.referrer.id))
        above = await changes.ancestors(db, [str(c.get("userId")) for c in kept])
        kept = [c for c in kept if root in above.get(str(c.get("userId")), set())]
    return kept


async def sign_ups(
    info: Info,
    filter: Annotated[
        SignUpFilter | None, strawberry.argument(description="Which sign-ups to receive.")
    ] = None,
    after: After = None,
) -> AsyncGenerator[SignUpEvent]:
    db = info.context.db
    cursor = await _cursor(db, after)
    async for batch in _batches(info, cursor):
        kept = await _kept_sign_ups(db, batch, filter)
        if not kept:
            continue
        users = await entities.get_many(db, entities.USERS, [str(c.get("userId")) for c in kept])
        for change in kept:
            found = users.get(str(change.get("userId")))
            if found is None:
                continue
            kind = change.get("referrerKind")
            ref_id = change.get("referrerId")
            campaign = change.get("campaignId")
            yield SignUpEvent(
                seq=change.seq,
                at=change.at,
                user=user(found),
                referrer_kind=None if kind is None else FROM_KIND[Kind(kind)],
                referrer_id=None if ref_id is None else strawberry.ID(str(ref_id)),
                campaign_id=None if campaign is None else strawberry.ID(str(campaign)),
            )


LEADERBOARD_KINDS = (ChangeKind.SIGN_UP, ChangeKind.REFERRAL)


async def leaderboard(
    info: Info,
    degree: Annotated[int, DEGREE.argument()],
    limit: Annotated[int, TOP_LIMIT.argument()] = 10,
) -> AsyncGenerator[LeaderboardUpdate]:
    check((DEGREE, degree), (TOP_LIMIT, limit))
    db = info.context.db
    cursor = await _cursor(db, None)
    last: list[tuple[str, str, int]] | None = None

    async def current() -> tuple[list[tuple[str, str, int]], list[LeaderboardEntry]]:
        rows = await referrals.top_referrers(
            db,
            degree=degree,
            limit=limit,
            since=None,
            until=None,
            kinds=list(Kind),
            use_counters=info.context.settings.referral_counters,
        )
        key = [(r.referrer.kind.value, r.referrer.id, r.sign_ups) for r in rows]
        entries = [
            LeaderboardEntry(referrer=referrer(r.referrer), sign_ups=r.sign_ups) for r in rows
        ]
        return key, entries

    last, entries = await current()
    yield LeaderboardUpdate(seq=cursor.position, entries=entries)
    async for batch in _batches(info, cursor):
        if not any(c.kind in LEADERBOARD_KINDS for c in batch):
            continue
        key, entries = await current()
        if key != last:
            last = key
            yield LeaderboardUpdate(seq=cursor.position, entries=entries)


async def reward_status_changed(
    info: Info,
    beneficiary: Annotated[
        ReferrerRef, strawberry.argument(description="Whose rewards to follow.")
    ],
    after: After = None,
) -> AsyncGenerator[RewardStatusEvent]:
    wanted = (TO_KIND[beneficiary.kind].value, str(beneficiary.id))
    cursor = await _cursor(info.context.db, after)
    async for batch in _batches(info, cursor):
        for c in batch:
            if c.kind is not ChangeKind.REWARD_STATUS:
                continue
            if (c.get("beneficiaryKind"), c.get("beneficiaryId")) != wanted:
                continue
            yield RewardStatusEvent(
                seq=c.seq,
                at=c.at,
                reward_id=strawberry.ID(str(c.get("rewardId"))),
                run_id=strawberry.ID(str(c.get("runId"))),
                status=str(c.get("status")),
                beneficiary_kind=FROM_KIND[Kind(str(c.get("beneficiaryKind")))],
                beneficiary_id=strawberry.ID(str(c.get("beneficiaryId"))),
                amount_cents=int(c.get("amountCents")),
            )


@strawberry.type
class LiveSubscription:
    sign_ups: AsyncGenerator[SignUpEvent] = strawberry.subscription(
        resolver=sign_ups,
        description="Sign-ups as they are committed, in feed order, optionally filtered by "
        "referrer downline, campaign and referrer kind. With `after`, first every matching "
        "sign-up after that seq that is still in the feed.",
    )
    leaderboard: AsyncGenerator[LeaderboardUpdate] = strawberry.subscription(
        resolver=leaderboard,
        description="The top referrers by sign-ups exactly `degree` hops below them: sent at "
        "once, then each time the entries or their counts change.",
    )
    reward_status_changed: AsyncGenerator[RewardStatusEvent] = strawberry.subscription(
        resolver=reward_status_changed,
        description="Every new reward and status change of one beneficiary's rewards, in feed "
        "order; with `after`, first those after that seq still in the feed.",
    )


__all__ = ["LiveSubscription", "ReferrerKind"]
