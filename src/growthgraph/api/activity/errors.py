"""The refusals of ``recordActivity``, its result union, and its table from graph outcome to
error."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.activity.types import RecordActivitySuccess
from growthgraph.api.enums import ErrorCode
from growthgraph.api.errors import (
    Error,
    InvalidInputError,
    OutcomeErrors,
    UnknownUserError,
    unknown_users,
)
from growthgraph.graph import activity


@strawberry.type(description="The activity's time is earlier than the user's sign-up.")
class ActivityBeforeSignUpError(Error):
    signed_up_at: datetime


ActivityError = UnknownUserError | ActivityBeforeSignUpError

ACTIVITY_ERRORS: OutcomeErrors[ActivityError] = {
    activity.UnknownUser: lambda out: unknown_users([out.id]),
    activity.ActivityBeforeSignUp: lambda out: ActivityBeforeSignUpError(
        code=ErrorCode.ACTIVITY_BEFORE_SIGN_UP,
        message=f"at is before user {out.user_id!r} signed up ({out.signed_up_at.isoformat()})",
        signed_up_at=out.signed_up_at,
    ),
}

RecordActivityResult = Annotated[
    RecordActivitySuccess | InvalidInputError | ActivityError,
    strawberry.union("RecordActivityResult"),
]
