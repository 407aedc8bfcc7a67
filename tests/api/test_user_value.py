"""``User.lifetimeValue(asOf)``: every user's conversions and revenue to date, through the real
API, against pandas summing the generated conversion file per user; batched (one round trip for
a whole page of users, one more per other instant); a figure, not personal data, so an analyst
reads the same numbers an admin does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.generate import generate_files
from growthgraph.loading.run import run_import
from tests.api.conftest import ADMIN_KEY, ANALYST_KEY, Api

USERS = 300
PAGE = """
query ($after: String, $asOf: DateTime) {
  users(first: 100, after: $after) {
    edges { node { id lifetimeValue(asOf: $asOf) { asOf conversionsToDate revenueToDateCents } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture(scope="module")
async def conversions(db: Database, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The generated set loaded through the importer; its conversions as pandas reads them."""
    await delete_everything(db)
    folder = tmp_path_factory.mktemp("user-value")
    generate_files(folder, users=USERS, seed=21)
    outcome = await run_import(db, folder)
    assert outcome.rejects == []
    frame = pd.read_csv(Path(folder) / "conversions.csv")
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    assert frame["userId"].nunique() > 20  # payers, several of them paying more than once
    assert frame["userId"].value_counts().max() > 1
    return frame


def _expected(frame: pd.DataFrame, as_of: datetime) -> dict[str, tuple[int, int]]:
    before = frame[frame["at"] <= pd.Timestamp(as_of)]
    sums = before.groupby("userId")["revenueCents"].agg(["count", "sum"])
    return {str(uid): (int(row["count"]), int(row["sum"])) for uid, row in sums.iterrows()}


Figures = dict[str, tuple[int, int, str]]  # user id -> conversions, revenue, the instant used


def _walk(api: Api, as_of: str | None, key: str) -> Figures:
    """Every user's figures, page by page (a request each), with the instant each answer used;
    within one response every user has the same one."""
    found: Figures = {}
    after: str | None = None
    while True:
        page = api.data(PAGE, {"after": after, "asOf": as_of}, key=key)["users"]
        instants = {edge["node"]["lifetimeValue"]["asOf"] for edge in page["edges"]}
        assert len(instants) == 1
        for edge in page["edges"]:
            value = edge["node"]["lifetimeValue"]
            found[edge["node"]["id"]] = (
                value["conversionsToDate"],
                value["revenueToDateCents"],
                value["asOf"],
            )
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("key", ["admin", "analyst"])
def test_every_user_against_pandas(api: Api, conversions: pd.DataFrame, key: str) -> None:
    api_key = ANALYST_KEY if key == "analyst" else ADMIN_KEY
    times = conversions["at"].sort_values().reset_index(drop=True)
    # Now (the default), exactly at the instant of the middle conversion (which then counts: at
    # or before asOf), and the same instant written with another offset.
    middle = times[len(times) // 2].to_pydatetime()
    east = middle.astimezone(timezone(timedelta(hours=2)))
    for as_of in (None, middle.isoformat(), east.isoformat()):
        found = _walk(api, as_of, api_key)
        assert len(found) == USERS
        oracle: dict[str, dict[str, tuple[int, int]]] = {}
        for uid, (n, cents, at_text) in found.items():
            at = datetime.fromisoformat(at_text)
            if as_of is not None:
                assert at == datetime.fromisoformat(as_of)
            else:
                assert abs((datetime.now(UTC) - at).total_seconds()) < 300
            if at_text not in oracle:
                oracle[at_text] = _expected(conversions, at)
            assert (n, cents) == oracle[at_text].get(uid, (0, 0)), (uid, at_text)
        assert sum(n for n, _, _ in found.values()) > 0
    everything = _walk(api, None, api_key)
    assert sum(n for n, _, _ in everything.values()) == len(conversions)
    assert sum(c for _, c, _ in everything.values()) == int(conversions["revenueCents"].sum())
    at_middle = _walk(api, middle.isoformat(), api_key)
    earlier = int((times <= times[len(times) // 2]).sum())
    assert sum(n for n, _, _ in at_middle.values()) == earlier < len(times)  # at or before


@pytest.mark.usefixtures("conversions")
def test_one_round_trip_per_page_and_instant(api: Api) -> None:
    first = api.data(PAGE, {"asOf": "2024-06-01T00:00:00Z"})  # warm: the schema, the plans
    assert len(first["users"]["edges"]) == 100
    before = api.round_trips
    api.data(PAGE, {"asOf": "2024-06-01T00:00:00Z"})
    assert api.round_trips - before == 2  # the page of users, then every user's figures
    two = """{ users(first: 100) { edges { node { id
      a: lifetimeValue(asOf: "2024-06-01T00:00:00Z") { revenueToDateCents }
      b: lifetimeValue(asOf: "2025-01-01T00:00:00+01:00") { revenueToDateCents }
      c: lifetimeValue { revenueToDateCents } d: lifetimeValue { conversionsToDate } } } } }"""
    before = api.round_trips
    api.data(two)
    assert api.round_trips - before == 4  # the page, then one per instant (now is one instant)


@pytest.mark.usefixtures("conversions")
def test_an_instant_without_offset_is_refused(api: Api) -> None:
    body = api.gql(
        '{ user(id: "u-000001") { lifetimeValue(asOf: "2024-06-01T00:00:00") { asOf } } }'
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "asOf" in body["errors"][0]["message"]
