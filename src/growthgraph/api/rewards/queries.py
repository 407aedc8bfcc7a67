"""Root fields that read reward ledgers."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import LEDGER_PAGE
from growthgraph.api.context import Info
from growthgraph.api.pagination import decode_cursor, encode_cursor
from growthgraph.api.rewards import types as s
from growthgraph.api.rewards.mapping import run as run_of
from growthgraph.api.types import RewardStatus, reward
from growthgraph.graph import rewards


async def reward_ledger(
    info: Info,
    run_id: strawberry.ID,
    status: Annotated[
        RewardStatus | None, strawberry.argument(description="Only rewards with this status.")
    ] = None,
    first: Annotated[int, LEDGER_PAGE.argument()] = 100,
    after: Annotated[
        str | None, strawberry.argument(description="The `endCursor` of the previous page.")
    ] = None,
) -> s.RewardLedger | None:
    LEDGER_PAGE.check(first)
    found = await rewards.ledger(
        info.context.db,
        str(run_id),
        status=None if status is None else status.name,
        after=decode_cursor(after, info.field_name),
        limit=first + 1,
    )
    if found is None:
        return None
    found_run, rows = found
    page = rows[:first]
    return s.RewardLedger(
        run=run_of(found_run),
        rewards=[reward(r) for r in page],
        end_cursor=encode_cursor(page[-1].id, info.field_name) if len(rows) > first else None,
    )


@strawberry.type
class RewardsQuery:
    reward_ledger: s.RewardLedger | None = strawberry.field(
        resolver=reward_ledger,
        description="A page of the ledger of one run, by reward id. Null if the run does not "
        "exist.",
    )
