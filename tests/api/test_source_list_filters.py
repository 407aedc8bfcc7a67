"""The root lists of influencers, partners and campaigns, filtered (platform and a followers
range; kind of partnership; utm_source and utm_medium) and sorted (id, followers, engagement
rate, name, direct and second-degree sign-ups; ascending and descending, ties by id), walked page
by page to the end against pandas computing the same lists from the data set's rows
(tests/support/source_lists.py: the sign-up counts from the users' referrers). Ties, sources that
referred nobody (a counter absent in the graph, zero in the order), names beyond ASCII and pages
that end a list exactly are part of the data. A cursor of one order or filter is refused under
another, on the general and on the compiled path."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from growthgraph.api.pagination import compound_key, decode_cursor, encode_cursor, split_key
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import Api
from tests.support import source_lists
from tests.support.list_walk import query, walk_all

PREFIX = {"influencers": "Influencer", "partners": "Partner", "campaigns": "Campaign"}
SORTS = {
    "influencers": (
        "ID", "FOLLOWERS", "ENGAGEMENT_RATE", "DIRECT_SIGN_UPS", "SECOND_DEGREE_SIGN_UPS",
    ),
    "partners": ("ID", "NAME", "DIRECT_SIGN_UPS", "SECOND_DEGREE_SIGN_UPS"),
    "campaigns": ("ID", "NAME"),
}  # fmt: skip
FILTERS: dict[str, list[dict[str, Any] | None]] = {
    "influencers": [
        None,
        {"platform": "tiktok"},
        {"minFollowers": 1200},
        {"maxFollowers": 1200},
        {"minFollowers": 150, "maxFollowers": 98_000, "platform": "youtube"},
        {"minFollowers": 1200, "maxFollowers": 1200},
        {"platform": "myspace"},
    ],
    "partners": [None, {"partnerKind": "RESELLER"}, {"partnerKind": "CO_MARKETING"}],
    "campaigns": [
        None,
        {"utmSource": "newsletter"},
        {"utmMedium": "cpc"},
        {"utmSource": "tiktok", "utmMedium": "influencer"},
        {"utmSource": "nowhere"},
    ],
}
CASES = [
    pytest.param(
        name, order, id=f"{name}-{order and order['field']}-{order and order['direction']}"
    )
    for name, sorts in SORTS.items()
    for order in [
        None,
        *({"field": field, "direction": d} for field in sorts for d in ("ASC", "DESC")),
    ]
]


@pytest.fixture(scope="module")
async def frames(db: Database) -> dict[str, pd.DataFrame]:
    await delete_everything(db)
    data = source_lists.sources_dataset()
    await load_dataset(db, data, batch_size=2_000)
    return source_lists.frames(data)


@pytest.mark.parametrize(("name", "order"), CASES)
def test_every_filter_and_order_to_the_end(
    api: Api, frames: dict[str, pd.DataFrame], name: str, order: dict[str, str] | None
) -> None:
    document = query(name, PREFIX[name])
    for where in FILTERS[name]:
        want = source_lists.expected(frames[name], name, where or {}, order or {})
        walk_all(api, document, name, where, order, want)


def test_the_data_has_ties_zeros_and_empty_answers(frames: dict[str, pd.DataFrame]) -> None:
    influencers, partners = frames["influencers"], frames["partners"]
    for frame, column in (
        (influencers, "FOLLOWERS"),
        (influencers, "ENGAGEMENT_RATE"),
        (partners, "NAME"),
        (frames["campaigns"], "NAME"),
    ):
        assert frame[column].duplicated().any(), column
    for frame in (influencers, partners):
        for column in ("DIRECT_SIGN_UPS", "SECOND_DEGREE_SIGN_UPS"):
            counts = frame[column]
            assert (counts == 0).sum() > 5, column
            assert counts[counts > 0].duplicated().any(), column
            assert counts.max() > 1, column
    names = set(partners["NAME"]) | set(frames["campaigns"]["NAME"])
    assert {"\uff21cme", "\U0001d538cme", "Orbit \uff38", "Orbit 🚀"} <= names
    # Names whose order by code point (the NAME order, Python's) is not their order by UTF-16
    # code unit (how Neo4j compares a text with a parameter).
    assert sorted(names) != sorted(names, key=lambda n: n.encode("utf-16-be"))
    assert frames["campaigns"]["utmSource"].isna().any()
    for name, filters in FILTERS.items():
        sizes = [len(source_lists.expected(frames[name], name, w or {}, {})) for w in filters]
        assert sizes[0] > 40, (name, sizes)  # several pages at the default page size
        assert name == "partners" or 0 in sizes, (name, sizes)  # and an empty answer


def _cursor(api: Api, name: str, where: Any, order: Any) -> str:
    body = api.data(query(name, PREFIX[name]), {"first": 2, "filter": where, "order": order})
    cursor: str | None = body[name]["pageInfo"]["endCursor"]
    assert cursor is not None, (name, where, order)
    return cursor


SHAPES: dict[str, list[tuple[dict[str, Any] | None, dict[str, str] | None]]] = {
    "influencers": [
        (None, None),
        (None, {"field": "FOLLOWERS"}),
        (None, {"field": "FOLLOWERS", "direction": "DESC"}),
        (None, {"field": "DIRECT_SIGN_UPS", "direction": "DESC"}),
        (None, {"field": "SECOND_DEGREE_SIGN_UPS", "direction": "DESC"}),
        ({"minFollowers": 1}, None),
        ({"minFollowers": 2}, None),
    ],
    "partners": [
        (None, None),
        (None, {"field": "NAME"}),
        (None, {"field": "DIRECT_SIGN_UPS"}),
        ({"partnerKind": "RESELLER"}, {"field": "NAME"}),
    ],
    "campaigns": [
        (None, None),
        (None, {"field": "NAME", "direction": "DESC"}),
        ({"utmMedium": "email"}, None),
        ({"utmSource": "newsletter"}, None),
    ],
}


@pytest.mark.parametrize("name", SORTS)
def test_a_cursor_of_another_order_or_filter_is_refused(
    api: Api, frames: dict[str, pd.DataFrame], name: str
) -> None:
    shapes = SHAPES[name]
    document = query(name, PREFIX[name])
    cursors = [_cursor(api, name, where, order) for where, order in shapes]
    for i, cursor in enumerate(cursors):
        for j, (where, order) in enumerate(shapes):
            body = api.gql(document, {"first": 2, "after": cursor, "filter": where, "order": order})
            if i == j:
                assert "errors" not in body, body
            else:
                codes = [e["extensions"]["code"] for e in body.get("errors", [])]
                assert codes == ["BAD_USER_INPUT"], (shapes[i], shapes[j], body)
                assert "another order or filter" in body["errors"][0]["message"]


@pytest.mark.parametrize("name", SORTS)
def test_a_plain_list_refuses_a_sorted_lists_cursor_on_every_path(
    api: Api, frames: dict[str, pd.DataFrame], name: str
) -> None:
    """A document without `filter` or `orderBy` is answered by the compiled path: it refuses a
    sorted or filtered list's cursor as the general path does, never reading it as an id."""
    for where, order in SHAPES[name][1:]:
        cursor = _cursor(api, name, where, order)
        body = api.gql(
            f"query($a: String) {{ {name}(first: 3, after: $a) {{ edges {{ node {{ id }} }} }} }}",
            {"a": cursor},
        )
        assert body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
        assert "another order or filter" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("influencers", {"minFollowers": -1}),
        ("influencers", {"minFollowers": 10, "maxFollowers": 9}),
        ("influencers", {"platform": " "}),
        ("influencers", {"platform": "x" * 201}),
        ("campaigns", {"utmSource": ""}),
        ("campaigns", {"utmMedium": "y" * 201}),
    ],
)
def test_a_bad_filter_is_refused(
    api: Api, frames: dict[str, pd.DataFrame], name: str, where: dict[str, Any]
) -> None:
    body = api.gql(query(name, PREFIX[name]), {"first": 3, "filter": where})
    assert body["data"] is None, body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body


@pytest.mark.parametrize(
    "value", ["abc", "1.0", "01", "nan", "0.1000000000000000055511151231257827"]
)
def test_a_forged_sort_value_is_refused(
    api: Api, frames: dict[str, pd.DataFrame], value: str
) -> None:
    """A cursor whose sort value is not one this list writes (a followers count that is not
    an integer as written, an engagement rate that is not the shortest text of a double)."""
    for field in ("FOLLOWERS", "ENGAGEMENT_RATE"):
        order = {"field": field, "direction": "ASC"}
        real = _cursor(api, "influencers", None, order)
        sort, fingerprint, _, last_id = split_key(decode_cursor(real, "influencers") or "", 4)
        forged = encode_cursor(compound_key(sort, fingerprint, value, last_id), "influencers")
        body = api.gql(
            query("influencers", "Influencer"), {"first": 2, "after": forged, "order": order}
        )
        if field == "ENGAGEMENT_RATE" and value == "1.0":
            assert "errors" not in body, body  # the text Python writes for the double 1
            continue
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body


@pytest.mark.parametrize("value", ["Acme", "4F", "4f7", "4f 72", "g0", "0x4f"])
def test_a_forged_name_key_is_refused(
    api: Api, frames: dict[str, pd.DataFrame], value: str
) -> None:
    """A name order's cursor carries the name's sort key (the hex of its UTF-8 bytes, lower
    case); any other text (a name itself, upper-case or odd-length hex) is refused."""
    for name in ("partners", "campaigns"):
        order = {"field": "NAME", "direction": "DESC"}
        real = _cursor(api, name, None, order)
        sort, fingerprint, key, last_id = split_key(decode_cursor(real, name) or "", 4)
        assert bytes.fromhex(key).decode() in set(frames[name]["NAME"])
        forged = encode_cursor(compound_key(sort, fingerprint, value, last_id), name)
        body = api.gql(query(name, PREFIX[name]), {"first": 2, "after": forged, "order": order})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
