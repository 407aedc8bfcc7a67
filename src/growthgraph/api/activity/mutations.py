"""Root field that records activity events: ``recordActivity``. The write is idempotent and
atomic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from growthgraph.api.activity.errors import ACTIVITY_ERRORS, RecordActivityResult
from growthgraph.api.activity.types import Activity, RecordActivitySuccess
from growthgraph.api.context import Info
from growthgraph.api.errors import error_for, invalid_input
from growthgraph.graph import activity
from growthgraph.graph.outcomes import Written
from growthgraph.validation import check_aware, check_id, check_kind


async def record_activity(
    info: Info,
    user_id: Annotated[strawberry.ID, strawberry.argument(description="The existing user.")],
    at: Annotated[
        datetime,
        strawberry.argument(
            description="When the user was active; must carry a time zone offset and not "
            "precede the user's sign-up."
        ),
    ],
    kind: Annotated[
        str,
        strawberry.argument(
            description="What the user did: 1-64 lower-case letters, digits or . _ : - "
            "starting with a letter (login, page_view, order.placed)."
        ),
    ],
) -> RecordActivityResult:
    problems = check_id("userId", str(user_id)) + check_aware("at", at) + check_kind("kind", kind)
    if problems:
        return invalid_input(problems)
    out = await activity.record_activity(
        info.context.db, user_id=str(user_id), at=at.astimezone(UTC), kind=kind
    )
    if isinstance(out, Written):
        r = out.record
        return RecordActivitySuccess(
            activity=Activity(user_id=strawberry.ID(r.user_id), at=r.at, kind=r.kind),
            created=out.created,
        )
    return error_for(ACTIVITY_ERRORS, out)


@strawberry.type
class ActivityMutation:
    record_activity: RecordActivityResult = strawberry.field(
        resolver=record_activity,
        description="Record that a user was active (retention and the funnel count these). "
        "An activity is its user, instant and kind: repeating an identical call returns the "
        "stored activity with `created: false`, so a retry is always safe. Instants after now "
        "are accepted, as for the other events; analytics count an activity only up to their "
        "`asOf`.",
    )
