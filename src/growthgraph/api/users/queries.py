"""Root fields that read users."""

from __future__ import annotations

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.pagination import After, First
from growthgraph.api.types import User, UserConnection, UserEdge, entity_list, user
from growthgraph.graph import entities


async def find_user(info: Info, id: strawberry.ID) -> User | None:
    found = await entities.get_one(info.context.db, entities.USERS, str(id))
    return None if found is None else user(found)


async def list_users(info: Info, first: First = None, after: After = None) -> UserConnection:
    return await entity_list(info, entities.USERS, user, UserEdge, UserConnection, first, after)


@strawberry.type
class UsersQuery:
    user: User | None = strawberry.field(
        resolver=find_user, description="A user by id; null if there is none."
    )
    users: UserConnection = strawberry.field(resolver=list_users, description="All users by id.")
