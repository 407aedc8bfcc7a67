"""Keyset pagination: opaque cursors, page-size bounds, and the connection types every list
shares (``PageInfo``, ``totalCount``).

A cursor names its list: it is the URL-safe base64 of the JSON array ``[list, key]``, where the
list is the schema name of the field that returned it (``users``, ``referrals``,
``rewardLedger``, ...), so a cursor of one list is refused by another. Decoding is strict: only
the exact text this module encodes is accepted (canonical base64 with its padding, canonical
JSON, a non-empty key), so a cursor cut short, padded wrongly or glued to another is refused."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, TypeVar, cast

import strawberry

from growthgraph.errors import BadUserInputError
from growthgraph.graph.records import Page

T = TypeVar("T")
# Arguments with these names are a list's page size and cursor wherever they appear (unless a
# Bound of ``api.arguments`` says otherwise), and are checked before execution.
PAGE_SIZE_ARGUMENT = "first"
CURSOR_ARGUMENT = "after"
MAX_CURSOR_LENGTH = 1024
_BASE64URL = re.compile(r"(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?")
NOT_A_CURSOR = "`after` is not a cursor returned by this API"

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


def _payload(list_name: str, key: str) -> bytes:
    return json.dumps([list_name, key], separators=(",", ":"), ensure_ascii=True).encode()


def encode_cursor(key: str, list_name: str) -> str:
    """The cursor of ``key`` in the list ``list_name`` (the field's schema name)."""
    return base64.urlsafe_b64encode(_payload(list_name, key)).decode()


def decode_cursor(cursor: str | None, list_name: str) -> str | None:
    """The key of a cursor this API returned for ``list_name``; ``BAD_USER_INPUT`` for anything
    else (another list's cursor, a malformed or non-canonical one, an empty key)."""
    if cursor is None:
        return None
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH or not _BASE64URL.fullmatch(cursor):
        raise BadUserInputError(NOT_A_CURSOR)
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii"))
        value: object = json.loads(raw)
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise BadUserInputError(NOT_A_CURSOR) from error
    match value:
        case [str(name), str(key)] if key and _payload(name, key) == raw:
            # Canonical all the way: the JSON as encoded, the base64 as encoded (no stray bits).
            if base64.urlsafe_b64encode(raw).decode() != cursor:
                raise BadUserInputError(NOT_A_CURSOR)
            if name != list_name:
                raise BadUserInputError(
                    f"`after` is a cursor of another list, not of `{list_name}`"
                )
            return key
        case _:
            raise BadUserInputError(NOT_A_CURSOR)


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    if first is None:
        return default
    if not 1 <= first <= maximum:
        raise BadUserInputError(f"`first` must be between 1 and {maximum}")
    return first


def page_info(
    page: Page[T], key: Callable[[T], str], list_name: str
) -> tuple[list[tuple[str, T]], PageInfo]:
    """Each item with its cursor in the list ``list_name``, and the page info."""
    edges = [(encode_cursor(key(item), list_name), item) for item in page.items]
    end = edges[-1][0] if edges else None
    return edges, PageInfo(has_next_page=page.has_next, end_cursor=end)


def other_order(list_name: str) -> str:
    """The message refusing a cursor of ``list_name`` made under another order or filter."""
    return f"`after` is a cursor of another order or filter of `{list_name}`"


def plain_key(key: str | None, list_name: str) -> str | None:
    """A key of a list ordered by id alone. Ids begin with a letter or digit and compound keys
    with ``[``, so a cursor of the same list under another order or filter is refused."""
    if key is not None and key.startswith("["):
        raise BadUserInputError(other_order(list_name))
    return key


def compound_key(*parts: str) -> str:
    """A cursor key made of several values (a sort value, then the id that breaks its ties)."""
    return json.dumps(list(parts), separators=(",", ":"), ensure_ascii=True)


def split_key(key: str, size: int) -> tuple[str, ...]:
    """The parts of a :func:`compound_key` of ``size`` parts; ``BAD_USER_INPUT`` for any other
    text (a key of a list ordered otherwise, or not one this module made)."""
    try:
        value: object = json.loads(key)
    except ValueError as error:
        raise BadUserInputError(NOT_A_CURSOR) from error
    if not isinstance(value, list):
        raise BadUserInputError(NOT_A_CURSOR)
    items = cast("list[object]", value)
    texts = tuple(p for p in items if isinstance(p, str))
    if len(texts) != size or len(items) != size or compound_key(*texts) != key:
        raise BadUserInputError(NOT_A_CURSOR)
    return texts


def instant_key(text: str) -> datetime:
    """An instant written by a compound key (``datetime.isoformat`` of an aware UTC time)."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError as error:
        raise BadUserInputError(NOT_A_CURSOR) from error
    if at.tzinfo is None or at.utcoffset() != timedelta(0) or at.isoformat() != text:
        raise BadUserInputError(NOT_A_CURSOR)
    return at
