"""Opaque keyset cursors and page-size bounds."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import TypeVar

from growthgraph.errors import BadUserInputError
from growthgraph.graph.records import Page
from growthgraph.schema.types import PageInfo

T = TypeVar("T")
_PREFIX = "k1:"


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
