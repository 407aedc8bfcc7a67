"""Privacy: GDPR erasure of a user (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from growthgraph.graph import erasure
from growthgraph.resolvers.context import Context
from growthgraph.schema.enums import ErrorCode
from growthgraph.schema.errors import Error


@strawberry.type(description="The user's personal data is erased.")
class EraseUserSuccess:
    user_id: strawberry.ID
    erased_at: datetime = strawberry.field(description="When the user was first erased (UTC).")
    already_erased: bool = strawberry.field(
        description="True when an earlier call had erased the user; nothing changed."
    )


@strawberry.type(description="No user has this id. Nothing was written.")
class UnknownUserError(Error):
    user_id: strawberry.ID


EraseUserResult = Annotated[
    EraseUserSuccess | UnknownUserError, strawberry.union("EraseUserResult")
]


async def erase_user(
    info: Info[Context, None],
    id: Annotated[strawberry.ID, strawberry.argument(description="The user's id.")],
) -> EraseUserResult:
    done = await erasure.erase_user(info.context.db, str(id))
    if done is None:
        return UnknownUserError(
            code=ErrorCode.UNKNOWN_USER, message="no user has this id", user_id=id
        )
    return EraseUserSuccess(
        user_id=strawberry.ID(done.id), erased_at=done.erased_at, already_erased=done.already
    )


@strawberry.type
class PrivacyMutation:
    erase_user: EraseUserResult = strawberry.field(
        resolver=erase_user,
        description="GDPR erasure (admin only). Replaces the user's name and email with "
        "`[erased]` and removes the country, but keeps the user node, its id, sign-up time and "
        "every referral edge, so counts, cascades and attributions still add up. The erasure is "
        "recorded. Repeating the call is safe.",
    )
