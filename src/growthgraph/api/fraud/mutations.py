"""Root fields of the fraud flags: the link from fraud signals to held rewards."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.errors import invalid_input, unknown_users
from growthgraph.api.fraud.types import (
    FlagUserResult,
    FlagUserSuccess,
    UnflagUserResult,
    UnflagUserSuccess,
)
from growthgraph.graph import fraud
from growthgraph.validation import check_id, check_text


async def flag_user(info: Info, user_id: strawberry.ID, reason: str) -> FlagUserResult:
    problems = check_id("userId", str(user_id)) + check_text("reason", reason)
    if problems:
        return invalid_input(problems)
    found = await fraud.flag_user(
        info.context.db, str(user_id), reason=reason.strip(), at=datetime.now(UTC)
    )
    if found is None:
        return unknown_users([str(user_id)])
    return FlagUserSuccess(
        user_id=strawberry.ID(found.user_id),
        flagged_at=found.flagged_at,
        reason=found.reason,
        already_flagged=found.already,
    )


async def unflag_user(info: Info, user_id: strawberry.ID) -> UnflagUserResult:
    problems = check_id("userId", str(user_id))
    if problems:
        return invalid_input(problems)
    was = await fraud.unflag_user(info.context.db, str(user_id))
    if was is None:
        return unknown_users([str(user_id)])
    return UnflagUserSuccess(user_id=user_id, was_flagged=was)


@strawberry.type
class FraudMutation:
    flag_user: FlagUserResult = strawberry.field(
        resolver=flag_user,
        description="Flag a user as fraudulent after reviewing `fraudSignals` (admin). Every "
        "reward that flows through a flagged user is HELD by `runRewards` instead of PENDING, "
        "and can then only be rejected. The first flag is kept: repeating the call changes "
        "nothing.",
    )
    unflag_user: UnflagUserResult = strawberry.field(
        resolver=unflag_user,
        description="Remove a user's fraud flag (admin); later reward runs treat the user as "
        "unflagged. Rewards already HELD stay held.",
    )
