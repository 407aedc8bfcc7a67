"""The root lists filtered and sorted (``users``, ``influencers``, ``partners``, ``campaigns``):
the arguments they share, and the one resolver behind them (``graph.lists``).

A sorted or filtered list's cursor key is the compound ``[order, filter, sort value, id]``: the
order and the filter it was made under, so it is refused under any other, and the place where
the next page starts. The plain list (by id, ascending, unfiltered) keeps the id as its key, the
key the compiled path reads, and refuses a compound one (``pagination.plain_key``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Protocol

import strawberry

from growthgraph.api.context import Info
from growthgraph.api.pagination import (
    compound_key,
    decode_cursor,
    other_order,
    page_info,
    split_key,
)
from growthgraph.api.types import Conn, Node, Rec, entity_list
from growthgraph.errors import BadUserInputError
from growthgraph.graph import lists
from growthgraph.validation import MAX_TEXT_LENGTH

FILTER = strawberry.argument(
    name="filter", description="Only the items that match every field given; all when omitted."
)
ORDER = strawberry.argument(description="The order; by id, ascending, when omitted.")
LIST_NOTE = (
    "Keyset-paginated: a cursor carries its order, filter, sort value and id, and is refused "
    "under another order or filter. `totalCount` counts the matching items through the indexes."
)


@strawberry.enum(description="Ascending or descending.")
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


def text_filter(name: str, value: str | None) -> str | None:
    """A filter's exact text; ``BAD_USER_INPUT`` when blank or longer than any stored value."""
    if value is not None and (not value.strip() or len(value) > MAX_TEXT_LENGTH):
        raise BadUserInputError(f"`{name}` must be 1 to {MAX_TEXT_LENGTH} characters, not blank")
    return value


def _fingerprint(where: Mapping[str, object]) -> str:
    """The filter, short and fixed in length, so a cursor names the filter it was made under
    whatever the length of the values filtered on."""
    text = compound_key(
        *(
            f"{name}={value.isoformat() if isinstance(value, datetime) else value}"
            for name, value in sorted(where.items())
            if value is not None
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Ordered(Protocol):
    """A list's order argument: a sort field (its value a sort of ``graph.lists``), a direction."""

    @property
    def field(self) -> Enum: ...

    @property
    def direction(self) -> SortDirection: ...


@dataclass(frozen=True, slots=True)
class Listing(Generic[Rec, Node, Conn]):
    """A root list: its graph side, and how a record becomes its node, edge and connection."""

    spec: lists.ListSpec[Rec]
    node: Callable[[Rec], Node]
    edge: Callable[..., object]
    connection: Callable[..., Conn]


async def sorted_list(
    info: Info,
    listing: Listing[Rec, Node, Conn],
    page: tuple[int | None, str | None],
    order: Ordered,
    where: Mapping[str, object],
) -> Conn:
    """A keyset page of the list in ``order`` (ties by id) among the items ``where`` admits
    (the filters given, by their graph names; None for a filter not given)."""
    first, after = page
    spec, sort = listing.spec, str(order.field.value)
    descending = order.direction is SortDirection.DESC
    given = {name: value for name, value in where.items() if value is not None}
    if sort == "ID" and not descending and not given:
        # The plain list: cursors are the ids, as the compiled path reads them.
        return await entity_list(
            info, spec.entity, listing.node, listing.edge, listing.connection, first, after
        )
    ctx = info.context
    name = info.field_name
    key = f"{sort}_{order.direction.value}"
    fingerprint = _fingerprint(given)
    after_key = decode_cursor(after, name)
    seek: tuple[Any, str] | None = None
    if after_key is not None:
        if not after_key.startswith("["):
            raise BadUserInputError(other_order(name))  # the plain list's: an id
        cursor_order, cursor_filter, value, last_id = split_key(after_key, 4)
        if (cursor_order, cursor_filter) != (key, fingerprint):
            raise BadUserInputError(other_order(name))
        try:
            seek = (spec.sorts[sort].parse(value), last_id)
        except ValueError as error:
            raise BadUserInputError(other_order(name)) from error
    found = await lists.page(
        ctx.db,
        spec,
        sort=sort,
        descending=descending,
        where=given,
        first=ctx.page_size(first),
        after=seek,
    )
    edges, pi = page_info(
        found, lambda s: compound_key(key, fingerprint, s.sort_value, s.item.id), name
    )

    async def count() -> int:
        return await lists.count(ctx.db, spec, given)

    return listing.connection(
        edges=[listing.edge(cursor=c, node=listing.node(s.item)) for c, s in edges],
        page_info=pi,
        count=count,
    )
