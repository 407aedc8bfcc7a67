"""Root fields that read users: one by id, and the list, filtered and sorted, keyset-paginated."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Annotated

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.pagination import (
    After,
    First,
    compound_key,
    decode_cursor,
    page_info,
    split_key,
)
from growthgraph.api.types import User, UserConnection, UserEdge, entity_list, user
from growthgraph.api.users.types import SortDirection, UserFilter, UserOrder, UserSortField
from growthgraph.api.window import require_offset
from growthgraph.errors import BadUserInputError
from growthgraph.graph import entities, users
from growthgraph.graph.records import to_datetime

_COUNTRY = re.compile(r"[A-Z]{2}")
OTHER_ORDER = "`after` is a cursor of another order or filter of `users`"


async def find_user(info: Info, id: strawberry.ID) -> User | None:
    found = await entities.get_one(info.context.db, entities.USERS, str(id))
    return None if found is None else user(found)


def _filter(where: UserFilter | None) -> users.UserFilter:
    """The filter as the graph takes it, in UTC; ``BAD_USER_INPUT`` for a bad value."""
    if where is None:
        return users.UserFilter()
    start, end = where.signed_up_from, where.signed_up_to
    require_offset("signedUpFrom", start)
    require_offset("signedUpTo", end)
    if start is not None and end is not None and start >= end:
        raise BadUserInputError("`signedUpFrom` must be earlier than `signedUpTo`")
    if where.country is not None and not _COUNTRY.fullmatch(where.country):
        raise BadUserInputError("`country` must be an ISO 3166-1 alpha-2 code such as DE")
    return users.UserFilter(
        signed_up_from=None if start is None else start.astimezone(UTC),
        signed_up_to=None if end is None else end.astimezone(UTC),
        country=where.country,
        campaign_id=None if where.campaign_id is None else str(where.campaign_id),
    )


def _fingerprint(flt: users.UserFilter) -> str:
    """The filter as text, so a cursor names the filter it was made under."""
    parts = [
        f"{name}={value.isoformat() if hasattr(value, 'isoformat') else value}"
        for name, value in flt.params().items()
    ]
    return compound_key(*parts)


async def list_users(
    info: Info,
    first: First = None,
    after: After = None,
    where: Annotated[
        UserFilter | None,
        strawberry.argument(
            name="filter", description="Only the users that match; all users when omitted."
        ),
    ] = None,
    order_by: Annotated[
        UserOrder | None,
        strawberry.argument(description="The order; by id, ascending, when omitted."),
    ] = None,
) -> UserConnection:
    order = order_by or UserOrder()
    flt = _filter(where)
    ascending_ids = order.field is UserSortField.ID and order.direction is SortDirection.ASC
    if ascending_ids and not flt.params():
        # The plain list: cursors are the ids, the same as every other entity list.
        return await entity_list(info, entities.USERS, user, UserEdge, UserConnection, first, after)
    ctx = info.context
    sort = f"{order.field.value}_{order.direction.value}"
    fingerprint = _fingerprint(flt)
    after_key = decode_cursor(after, "users")
    seek: tuple[str, str] | None = None
    if after_key is not None:
        cursor_sort, cursor_filter, value, last_id = split_key(after_key, 4)
        if (cursor_sort, cursor_filter) != (sort, fingerprint):
            raise BadUserInputError(OTHER_ORDER)
        if order.field is UserSortField.SIGNED_UP_AT:
            try:
                to_datetime(value)
            except ValueError as error:
                raise BadUserInputError(OTHER_ORDER) from error
        seek = (value, last_id)
    page = await users.users_page(
        ctx.db, order=sort, where=flt, first=ctx.page_size(first), after=seek
    )
    edges, pi = page_info(
        page, lambda s: compound_key(sort, fingerprint, s.sort_value, s.user.id), "users"
    )

    async def count() -> int:
        return await users.users_count(ctx.db, flt)

    return UserConnection(
        edges=[UserEdge(cursor=c, node=user(s.user)) for c, s in edges], page_info=pi, count=count
    )


@strawberry.type
class UsersQuery:
    user: User | None = strawberry.field(
        resolver=find_user, description="A user by id; null if there is none."
    )
    users: UserConnection = strawberry.field(
        resolver=list_users,
        description="Users, by id unless `orderBy` says otherwise (ties always by id), "
        "optionally filtered by sign-up range, country and campaign. Keyset-paginated: a cursor "
        "carries its sort value and id, and is refused under another order or filter. With a "
        "filter, `totalCount` counts the matching users through the indexes.",
    )
