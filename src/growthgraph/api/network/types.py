"""Types of the social graph: connections, people you may know, and their errors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from growthgraph.api.errors import Error, InvalidInputError, UnknownUserError
from growthgraph.api.types import User


@strawberry.type(description="A suggested connection for a user, with the evidence behind it.")
class PersonYouMayKnow:
    user: User = strawberry.field(description="The suggested user (not yet connected).")
    common_connections: int = strawberry.field(
        description="How many connections the two users share (at least 1)."
    )
    adamic_adar: float = strawberry.field(
        description="Adamic-Adar index: the sum, over the shared connections, of 1 / ln(degree), "
        "where degree is the shared connection's number of connections. Shared connections "
        "with few ties weigh more than hubs."
    )
    shared_connections: list[User] = strawberry.field(
        description="The shared connections, the most telling first (fewest connections of "
        "their own, then id); at most `evidence` of them."
    )


@strawberry.type(description="The connection as stored.")
class ConnectUsersSuccess:
    a: User = strawberry.field(description="The user with the smaller id.")
    b: User = strawberry.field(description="The user with the larger id.")
    at: datetime | None = strawberry.field(
        description="When the connection was made, as first recorded (UTC)."
    )
    created: bool = strawberry.field(
        description="False when the two users were already connected; the stored connection "
        "is then returned unchanged."
    )


@strawberry.type(description="A user cannot be connected to themselves.")
class SelfConnectionError(Error):
    id: strawberry.ID


ConnectUsersResult = Annotated[
    ConnectUsersSuccess | InvalidInputError | UnknownUserError | SelfConnectionError,
    strawberry.union("ConnectUsersResult"),
]
