"""Root fields that read users: one by id, and the list, filtered and sorted, keyset-paginated."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Annotated

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.lists import FILTER, LIST_NOTE, ORDER, Listing, sorted_list
from growthgraph.api.pagination import After, First
from growthgraph.api.types import User, UserConnection, UserEdge, user
from growthgraph.api.users.types import UserFilter, UserOrder
from growthgraph.api.window import require_offset
from growthgraph.errors import BadUserInputError
from growthgraph.graph import entities, users

_COUNTRY = re.compile(r"[A-Z]{2}")
_USERS = Listing(users.USER_LIST, user, UserEdge, UserConnection)


async def find_user(info: Info, id: strawberry.ID) -> User | None:
    found = await entities.get_one(info.context.db, entities.USERS, str(id))
    return None if found is None else user(found)


def _filter(where: UserFilter | None) -> dict[str, object]:
    """The filter as the graph takes it (``graph.users.USER_LIST``), in UTC; ``BAD_USER_INPUT``
    for a bad value."""
    if where is None:
        return {}
    start, end = where.signed_up_from, where.signed_up_to
    require_offset("signedUpFrom", start)
    require_offset("signedUpTo", end)
    if start is not None and end is not None and start >= end:
        raise BadUserInputError("`signedUpFrom` must be earlier than `signedUpTo`")
    if where.country is not None and not _COUNTRY.fullmatch(where.country):
        raise BadUserInputError("`country` must be an ISO 3166-1 alpha-2 code such as DE")
    return {
        "from": None if start is None else start.astimezone(UTC),
        "to": None if end is None else end.astimezone(UTC),
        "country": where.country,
        "campaignId": None if where.campaign_id is None else str(where.campaign_id),
    }


async def list_users(
    info: Info,
    first: First = None,
    after: After = None,
    where: Annotated[UserFilter | None, FILTER] = None,
    order_by: Annotated[UserOrder | None, ORDER] = None,
) -> UserConnection:
    return await sorted_list(info, _USERS, (first, after), order_by or UserOrder(), _filter(where))


@strawberry.type
class UsersQuery:
    user: User | None = strawberry.field(
        resolver=find_user, description="A user by id; null if there is none."
    )
    users: UserConnection = strawberry.field(
        resolver=list_users,
        description="Users, by id unless `orderBy` says otherwise (sign-up time), ties always "
        "by id; optionally filtered by sign-up range, country and campaign. " + LIST_NOTE,
    )
