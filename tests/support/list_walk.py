"""Walk a root list (``users``, ``influencers``, ...) under a filter and an order, page by page
to the end, each page checked as it arrives against the whole list an oracle computed."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.test_pages_walk import Walk, check_page


def query(list_name: str, type_prefix: str) -> str:
    return f"""
query($first: Int, $after: String, $filter: {type_prefix}Filter, $order: {type_prefix}Order) {{
  {list_name}(first: $first, after: $after, filter: $filter, orderBy: $order) {{
    totalCount
    edges {{ cursor node {{ id }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


def page_sizes(want: list[str]) -> list[int | None]:
    """The server's default, small and large pages, a last page of one item, one page exactly
    full; sizes outside 1..100 left out."""
    sizes: set[int | None] = {None, 7, 100}
    if len(want) > 1:
        sizes.add(len(want) - 1)
    if want:
        sizes.add(len(want))
    return [s for s in sorted(sizes, key=lambda s: s or 0) if s is None or 1 <= s <= 100]


def walk(
    api: Api,
    document: str,
    list_name: str,
    variables: dict[str, Any],
    want: list[str],
) -> Walk:
    """Every page to the end; ``variables`` holds ``first``, ``filter`` and ``order``."""
    progress = Walk(want, [])
    after: str | None = None
    what = (list_name, variables)
    while True:
        page = api.data(document, {**variables, "after": after})[list_name]
        assert page["totalCount"] == len(want), what
        check_page(progress, page["edges"], page["pageInfo"], what)
        if not page["pageInfo"]["hasNextPage"]:
            return progress
        after = page["pageInfo"]["endCursor"]


def walk_all(
    api: Api, document: str, list_name: str, where: Any, order: Any, want: list[str]
) -> None:
    """The list walked at every page size of :func:`page_sizes`, each time the whole of it."""
    for first in page_sizes(want):
        variables = {"first": first, "filter": where, "order": order}
        got = walk(api, document, list_name, variables, want)
        assert got.seen == want, (list_name, where, order, first)
