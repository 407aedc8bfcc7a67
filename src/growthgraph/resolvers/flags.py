"""Resolvers of the fraud-flag mutations."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from growthgraph.graph import flags
from growthgraph.resolvers.context import Context
from growthgraph.resolvers.mutations import invalid_input
from growthgraph.schema.enums import ErrorCode
from growthgraph.schema.errors import UnknownUserError
from growthgraph.schema.flags import (
    FlagUserResult,
    FlagUserSuccess,
    UnflagUserResult,
    UnflagUserSuccess,
)
from growthgraph.validation import check_id, check_text

Ctx = Info[Context, None]


def _unknown(user_id: str) -> UnknownUserError:
    return UnknownUserError(
        code=ErrorCode.UNKNOWN_USER,
        message=f"no user with id {user_id!r}",
        ids=[strawberry.ID(user_id)],
    )


async def flag_user(info: Ctx, user_id: strawberry.ID, reason: str) -> FlagUserResult:
    problems = check_id("userId", str(user_id)) + check_text("reason", reason)
    if problems:
        return invalid_input(problems)
    found = await flags.flag_user(
        info.context.db, str(user_id), reason=reason.strip(), at=datetime.now(UTC)
    )
    if found is None:
        return _unknown(str(user_id))
    return FlagUserSuccess(
        user_id=strawberry.ID(found.user_id),
        flagged_at=found.flagged_at,
        reason=found.reason,
        already_flagged=found.already,
    )


async def unflag_user(info: Ctx, user_id: strawberry.ID) -> UnflagUserResult:
    problems = check_id("userId", str(user_id))
    if problems:
        return invalid_input(problems)
    was = await flags.unflag_user(info.context.db, str(user_id))
    if was is None:
        return _unknown(str(user_id))
    return UnflagUserSuccess(user_id=user_id, was_flagged=was)
