"""The root list of users, filtered (sign-up range, country, campaign) and sorted (id or sign-up
time, ascending or descending), walked page by page to the end against pandas computing the same
list from the data set's rows. Users that share a sign-up instant (ties broken by id) and a
page that ends a list exactly are part of the data. A cursor of one order or filter is refused
under another, and the plain list's cursors are not accepted by a filtered one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import seed
from growthgraph.loading.dataset import Dataset, UserRow, load_dataset
from tests.api.conftest import Api
from tests.support.list_walk import query, walk_all

TIE = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
QUERY = query("users", "User")


def _dataset() -> Dataset:
    data = seed.generate(users=300, seed=7)
    # Twelve organic users who share one instant (ties by id), from two countries, one campaign.
    for n in range(12):
        data.users.append(
            UserRow(
                id=f"tie-{(n * 7) % 12:02d}",
                name=f"Tie {n}",
                email=f"tie{n}@example.com",
                signed_up_at=TIE,
                country="DE" if n % 2 else "FR",
                campaign_id="cmp-1" if n % 3 == 0 else None,
            )
        )
    # One user whose sign-up carries no country.
    data.users[5] = replace(data.users[5], country=None)
    return data


@pytest.fixture(scope="module")
async def frame(db: Database) -> pd.DataFrame:
    await delete_everything(db)
    data = _dataset()
    await load_dataset(db, data, batch_size=2_000)
    return pd.DataFrame(
        [(u.id, u.signed_up_at, u.country, u.campaign_id) for u in data.users],
        columns=["id", "at", "country", "campaign"],
    )


def expected(frame: pd.DataFrame, where: dict[str, Any], order: dict[str, str]) -> list[str]:
    """The same list computed by pandas from the rows."""
    keep = pd.Series(True, index=frame.index)
    if "signedUpFrom" in where:
        keep &= frame["at"] >= datetime.fromisoformat(where["signedUpFrom"])
    if "signedUpTo" in where:
        keep &= frame["at"] < datetime.fromisoformat(where["signedUpTo"])
    if "country" in where:
        keep &= frame["country"] == where["country"]
    if "campaignId" in where:
        keep &= frame["campaign"] == where["campaignId"]
    keys = ["at", "id"] if order.get("field") == "SIGNED_UP_AT" else ["id"]
    ascending = order.get("direction", "ASC") == "ASC"
    ordered: pd.DataFrame = frame.loc[keep].sort_values(keys, ascending=ascending)
    return [str(i) for i in ordered["id"].tolist()]


ORDERS: list[dict[str, str] | None] = [
    None,
    {"field": "ID", "direction": "DESC"},
    {"field": "SIGNED_UP_AT"},
    {"field": "SIGNED_UP_AT", "direction": "DESC"},
]
FILTERS: list[dict[str, Any] | None] = [
    None,
    {"country": "DE"},
    {"campaignId": "cmp-1"},
    {"signedUpFrom": "2024-03-01T00:00:00+00:00", "signedUpTo": "2024-06-01T12:00:00+02:00"},
    {"signedUpFrom": "2024-06-01T12:00:00+00:00", "country": "FR"},
    {"signedUpTo": "2024-06-01T12:00:01+00:00", "country": "DE", "campaignId": "cmp-1"},
    {"country": "ZZ"},
]


@pytest.mark.parametrize("order", ORDERS)
def test_every_filter_and_order_to_the_end(
    api: Api, frame: pd.DataFrame, order: dict[str, str] | None
) -> None:
    for where in FILTERS:
        want = expected(frame, where or {}, order or {})
        walk_all(api, QUERY, "users", where, order, want)


def test_the_data_has_ties_and_empty_answers(frame: pd.DataFrame) -> None:
    tied = frame[frame["at"] == pd.Timestamp(TIE)]
    assert len(tied) == 12
    assert expected(frame, {"country": "ZZ"}, {}) == []
    # The window ending 2024-06-01T12:00+02:00 ends two hours before the tie: none of it.
    window = {
        "signedUpFrom": "2024-03-01T00:00:00+00:00",
        "signedUpTo": "2024-06-01T12:00:00+02:00",
    }
    assert not set(expected(frame, window, {})) & set(tied["id"])
    # The tie starts the window that opens at its instant, and ends before one that closes a
    # second after it.
    assert set(tied["id"]) <= set(expected(frame, {"signedUpFrom": TIE.isoformat()}, {}))


def _cursor(api: Api, where: dict[str, Any] | None, order: dict[str, str] | None) -> str:
    page = api.data(QUERY, {"first": 3, "filter": where, "order": order})["users"]
    cursor: str = page["pageInfo"]["endCursor"]
    return cursor


def test_a_cursor_of_another_order_or_filter_is_refused(api: Api, frame: pd.DataFrame) -> None:
    assert len(frame) > 3
    shapes: list[tuple[dict[str, Any] | None, dict[str, str] | None]] = [
        (None, None),
        (None, {"field": "SIGNED_UP_AT"}),
        (None, {"field": "SIGNED_UP_AT", "direction": "DESC"}),
        ({"country": "DE"}, None),
        ({"country": "FR"}, None),
        ({"country": "DE"}, {"field": "SIGNED_UP_AT"}),
    ]
    cursors = [_cursor(api, where, order) for where, order in shapes]
    for i, cursor in enumerate(cursors):
        for j, (where, order) in enumerate(shapes):
            variables = {"first": 3, "after": cursor, "filter": where, "order": order}
            body = api.gql(QUERY, variables)
            if i == j or (i == 0 and shapes[j] == (None, None)):
                assert "errors" not in body, body
            else:
                codes = [e["extensions"]["code"] for e in body.get("errors", [])]
                assert codes == ["BAD_USER_INPUT"], (shapes[i], shapes[j], body)
                assert "another order or filter" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "where",
    [
        {"country": "de"},
        {"signedUpFrom": "2024-06-01T00:00:00"},
        {"signedUpFrom": "2024-06-02T00:00:00Z", "signedUpTo": "2024-06-01T00:00:00Z"},
    ],
)
def test_a_bad_filter_is_refused(api: Api, frame: pd.DataFrame, where: dict[str, Any]) -> None:
    body = api.gql(QUERY, {"first": 3, "filter": where})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body


def test_a_plain_list_refuses_a_cursor_of_another_order_on_every_path(
    api: Api, frame: pd.DataFrame
) -> None:
    """A document without `filter` or `orderBy` is answered by the compiled path: it refuses a
    sorted or filtered list's cursor as the general path does, never reading it as an id."""
    assert len(frame) > 3
    for where, order in (
        (None, {"field": "SIGNED_UP_AT", "direction": "DESC"}),
        ({"country": "DE"}, None),
    ):
        cursor = _cursor(api, where, order)
        body = api.gql(
            "query($a: String) { users(first: 3, after: $a) { edges { node { id } } } }",
            {"a": cursor},
        )
        assert body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
        assert "another order or filter" in body["errors"][0]["message"]
