"""Root fields that write the social graph: ``connectUsers``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from growthgraph import rules
from growthgraph.api.context import Info
from growthgraph.api.enums import ErrorCode
from growthgraph.api.errors import invalid_input, unknown_users
from growthgraph.api.network.types import (
    ConnectUsersResult,
    ConnectUsersSuccess,
    SelfConnectionError,
)
from growthgraph.api.types import user
from growthgraph.graph import network
from growthgraph.validation import check_aware, check_id


async def connect_users(
    info: Info,
    a: Annotated[strawberry.ID, strawberry.argument(description="One user's id.")],
    b: Annotated[strawberry.ID, strawberry.argument(description="The other user's id.")],
    at: Annotated[
        datetime | None,
        strawberry.argument(
            description="When the two connected; must carry a time zone offset. Optional."
        ),
    ] = None,
) -> ConnectUsersResult:
    problems = check_id("a", str(a)) + check_id("b", str(b))
    if at is not None:
        problems += check_aware("at", at)
    if problems:
        return invalid_input(problems)
    if rules.is_self_connection(str(a), str(b)):
        return SelfConnectionError(
            code=ErrorCode.SELF_CONNECTION,
            message="a user cannot be connected to themselves",
            id=a,
        )
    out = await network.connect_users(
        info.context.db, str(a), str(b), None if at is None else at.astimezone(UTC)
    )
    if isinstance(out, network.UnknownUsers):
        return unknown_users(list(out.ids))
    return ConnectUsersSuccess(a=user(out.a), b=user(out.b), at=out.at, created=out.created)


@strawberry.type(
    description="Writes of the social graph and network analytics. Each returns its success "
    "type or one of its own error types; on an error nothing is written, and repeating a call "
    "is safe."
)
class NetworkMutation:
    connect_users: ConnectUsersResult = strawberry.field(
        resolver=connect_users,
        description="Record that two users are connected. A connection is undirected: "
        "connecting a with b and b with a is the same connection, stored once. Repeating it "
        "returns the stored connection with `created: false`.",
    )
