"""Keyset pagination: opaque cursors, page-size bounds, and the connection types every list
shares (``PageInfo``, ``totalCount``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry

from growthgraph.errors import BadUserInputError
from growthgraph.graph.records import Page

T = TypeVar("T")
_PREFIX = "k1:"

FIRST_DESCRIPTION = (
    "Page size. Defaults to the server's page size (20 unless configured) and may not exceed "
    "its maximum (100 unless configured)."
)
AFTER_DESCRIPTION = "The `endCursor` of the previous page; omit it for the first page."
First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]
Count = Callable[[], Awaitable[int]]


@strawberry.type(description="Where a page of a list ends and whether another page follows.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to fetch the next page; null on an empty page."
    )


@strawberry.type
class Counted:
    """A list page whose whole length can be asked for. ``count`` runs only when ``totalCount``
    is selected, and answers from Neo4j's counts (the count store, a node's degree), never by
    reading the items."""

    count: strawberry.Private[Count]

    @strawberry.field(
        description="How many items the whole list holds, not just this page. Counted only when "
        "asked for, in constant time from the database's counts, never by reading the items."
    )
    async def total_count(self) -> int:
        return await self.count()


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_PREFIX + key).encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_PREFIX):
        raise BadUserInputError("`after` is not a cursor returned by this API")
    return text[len(_PREFIX) :]


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    if first is None:
        return default
    if not 1 <= first <= maximum:
        raise BadUserInputError(f"`first` must be between 1 and {maximum}")
    return first


def page_info(page: Page[T], key: Callable[[T], str]) -> tuple[list[tuple[str, T]], PageInfo]:
    """Each item with its cursor, and the page info."""
    edges = [(encode_cursor(key(item)), item) for item in page.items]
    end = edges[-1][0] if edges else None
    return edges, PageInfo(has_next_page=page.has_next, end_cursor=end)
