"""``recordCost`` over HTTP: a stored entry, a safe repeat, typed refusals that write nothing, and
the windowed cost per acquisition of ``sourcePerformance`` using only the window's entries
(hand-worked: ptn spends 100 in January and 300 in August, with one direct sign-up in each half
and an undated cost of 50)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import Dataset, PartnerRow, UserRow, load_dataset
from tests.api.conftest import Api
from tests.support.snapshot import snapshot

RECORD = """
mutation($input: RecordCostInput!) {
  recordCost(input: $input) {
    __typename
    ... on RecordCostSuccess { created cost { id sourceKind sourceId amountCents at note } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
  }
}
"""
PERFORMANCE = """
query($from: DateTime, $to: DateTime) {
  sourcePerformance(kind: PARTNER, sortBy: COST_PER_ACQUISITION, from: $from, to: $to) {
    source { id } directSignUps costCents costPerAcquisitionCents
  }
}
"""


def _cost(cid: str, amount: int, at: str, kind: str = "PARTNER", on: str = "ptn") -> dict[str, Any]:
    return {"id": cid, "source": {"kind": kind, "id": on}, "amountCents": amount, "at": at}


def _record(api: Api, cost: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = api.data(RECORD, {"input": cost})["recordCost"]
    return out


async def _load(db: Database) -> None:
    def at(month: int) -> datetime:
        return datetime(2024, month, 1, 12, tzinfo=UTC)

    await load_dataset(
        db,
        Dataset(
            partners=[PartnerRow("ptn", "P", "affiliate", 50)],
            users=[
                UserRow("u1", "U1", "u1@example.com", at(2), referrer_kind="PARTNER",
                        referrer_id="ptn"),
                UserRow("u2", "U2", "u2@example.com", at(9), referrer_kind="PARTNER",
                        referrer_id="ptn"),
            ],
        ),
    )  # fmt: skip


async def test_record_cost_and_the_windowed_cpa(api: Api, clean_db: Database) -> None:
    await _load(clean_db)
    first = _record(api, _cost("c-1", 100, "2024-01-15T10:00:00+02:00"))
    assert first == {
        "__typename": "RecordCostSuccess",
        "created": True,
        "cost": {
            "id": "c-1",
            "sourceKind": "PARTNER",
            "sourceId": "ptn",
            "amountCents": 100,
            "at": "2024-01-15T08:00:00+00:00",
            "note": None,
        },
    }
    assert _record(api, _cost("c-2", 300, "2024-08-01T00:00:00Z"))["created"] is True
    again = _record(api, _cost("c-1", 100, "2024-01-15T08:00:00Z"))
    assert again["__typename"] == "RecordCostSuccess"
    assert again["created"] is False

    before = await snapshot(clean_db)
    assert _record(api, _cost("c-1", 101, "2024-01-15T08:00:00Z"))["code"] == "ID_CONFLICT"
    unknown = _record(api, _cost("c-3", 1, "2024-01-15T08:00:00Z", kind="CAMPAIGN", on="x"))
    assert (unknown["__typename"], unknown["code"]) == ("UnknownCampaignError", "UNKNOWN_CAMPAIGN")
    assert _record(api, _cost("c-3", 1, "2024-01-15T08:00:00Z", on="x"))["code"] == (
        "UNKNOWN_REFERRER"
    )
    bad = _record(api, _cost("c 3", -1, "2024-01-15T08:00:00"))
    assert bad["code"] == "INVALID_INPUT"
    assert {p["field"] for p in bad["problems"]} == {"id", "amountCents", "at"}
    assert await snapshot(clean_db) == before

    def row(window: dict[str, str]) -> dict[str, Any]:
        rows = api.data(PERFORMANCE, window)["sourcePerformance"]
        assert [r["source"]["id"] for r in rows] == ["ptn"]
        found: dict[str, Any] = rows[0]
        return found

    # All time: 100 + 300 + the undated 50, over two direct sign-ups.
    assert row({}) == {
        "source": {"id": "ptn"},
        "directSignUps": 2,
        "costCents": 450,
        "costPerAcquisitionCents": 225.0,
    }
    # The first half of 2024: only January's 100, over u1.
    assert (
        row({"from": "2024-01-01T00:00:00Z", "to": "2024-07-01T00:00:00Z"})[
            "costPerAcquisitionCents"
        ]
        == 100.0
    )
    # The second half: August's 300, over u2.
    assert row({"from": "2024-07-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"})["costCents"] == 300
