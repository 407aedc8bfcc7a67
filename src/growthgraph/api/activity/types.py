"""Types of activity events: the activity as stored and the success of recording one."""

from __future__ import annotations

from datetime import datetime

import strawberry

from growthgraph.api.errors import created_flag


@strawberry.type(
    description="A user was active: did something of a kind at an instant. An activity is "
    "identified by its user, instant and kind together."
)
class Activity:
    user_id: strawberry.ID = strawberry.field(description="The user who was active.")
    at: datetime = strawberry.field(description="When (UTC).")
    kind: str = strawberry.field(description="What the user did: login, order.placed, ...")


@strawberry.type(description="The activity as stored.")
class RecordActivitySuccess:
    activity: Activity
    created: bool = created_flag()
