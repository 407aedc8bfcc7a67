"""Root fields of the social graph and of network analytics."""

from __future__ import annotations

import strawberry

from growthgraph.resolvers import network
from growthgraph.schema.network import ConnectUsersResult, PersonYouMayKnow


@strawberry.type(description="Reads of the social graph and of network analytics.")
class NetworkQuery:
    people_you_may_know: list[PersonYouMayKnow] | None = strawberry.field(
        resolver=network.people_you_may_know,
        description="People a user may know: users connected to at least one of the user's "
        "connections but not to the user (and not the user), ranked by the number of common "
        "connections (most first), then by Adamic-Adar index (highest first), then by user id. "
        "Each suggestion lists its shared connections as evidence. Null if the user does not "
        "exist; empty if the user has no friends of friends.",
    )


@strawberry.type(
    description="Writes of the social graph. Each returns its success type or one of its own "
    "error types; on an error nothing is written, and repeating a call is safe."
)
class NetworkMutation:
    connect_users: ConnectUsersResult = strawberry.field(
        resolver=network.connect_users,
        description="Record that two users are connected. A connection is undirected: "
        "connecting a with b and b with a is the same connection, stored once. Repeating it "
        "returns the stored connection with `created: false`.",
    )
