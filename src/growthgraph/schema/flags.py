"""Types of the fraud-flag mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.schema.errors import InvalidInputError, UnknownUserError


@strawberry.type(description="The user's fraud flag as stored.")
class FlagUserSuccess:
    user_id: strawberry.ID
    flagged_at: datetime = strawberry.field(description="When the user was first flagged.")
    reason: str = strawberry.field(description="The reason given when first flagged.")
    already_flagged: bool = strawberry.field(
        description="True when the user was flagged before: the first flag is kept."
    )


@strawberry.type(description="The user's fraud flag is gone.")
class UnflagUserSuccess:
    user_id: strawberry.ID
    was_flagged: bool


FlagUserResult = Annotated[
    FlagUserSuccess | InvalidInputError | UnknownUserError, strawberry.union("FlagUserResult")
]
UnflagUserResult = Annotated[
    UnflagUserSuccess | InvalidInputError | UnknownUserError, strawberry.union("UnflagUserResult")
]
