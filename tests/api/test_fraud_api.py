"""fraudSignals over HTTP: the report's shape and numbers on the hand-worked network, bounds."""

from __future__ import annotations

from growthgraph.graph import bulk
from growthgraph.graph.database import Database
from tests.api.conftest import Api
from tests.integration.test_fraud_signals import fraud_network

QUERY = """
query($kind: ReferrerKind!, $id: ID!, $min: Int!) {
  fraudSignals(root: {kind: $kind, id: $id}, burstMinSignUps: $min, cap: 2, capPeriod: DAY) {
    root { id kind }
    downlineSize truncated
    sharedHashClusters { score size members { id } sharedHashes { kind hash users } }
    velocityBursts { score referrer { id } windowStart windowEnd signUps users { id } }
    capsExceeded { score referrer { id } periodStart signUps cap overCap { id } }
    nearDuplicates { score size members { id } reasons }
  }
}
"""


async def test_fraud_signals_over_http(api: Api, clean_db: Database) -> None:
    await bulk.load_dataset(clean_db, fraud_network())
    before = api.round_trips
    got = api.data(QUERY, {"kind": "INFLUENCER", "id": "inf", "min": 3})["fraudSignals"]
    assert api.round_trips == before + 1
    assert got["root"] == {"id": "inf", "kind": "INFLUENCER"}
    assert (got["downlineSize"], got["truncated"]) == (6, False)
    assert [
        ([m["id"] for m in c["members"]], c["size"], c["sharedHashes"])
        for c in got["sharedHashClusters"]
    ] == [
        (
            ["u1", "u5", "u6"],
            3,
            [
                {"kind": "DEVICE", "hash": "devB", "users": 2},
                {"kind": "IP", "hash": "ipA", "users": 2},
            ],
        ),
        (["u3", "u4"], 2, [{"kind": "IP", "hash": "ipC", "users": 2}]),
    ]
    assert got["velocityBursts"] == [
        {
            "score": 1.0,
            "referrer": {"id": "inf"},
            "windowStart": "2024-05-06T09:00:00+00:00",
            "windowEnd": "2024-05-06T10:00:00+00:00",
            "signUps": 3,
            "users": [{"id": "u1"}, {"id": "u2"}, {"id": "u3"}],
        }
    ]
    assert got["capsExceeded"] == [
        {
            "score": 1.5,
            "referrer": {"id": "inf"},
            "periodStart": "2024-05-06T00:00:00+00:00",
            "signUps": 3,
            "cap": 2,
            "overCap": [{"id": "u3"}],
        }
    ]
    assert [g["reasons"] for g in got["nearDuplicates"]] == [["name:ann lee"], ["email:jdoe"]]
    assert api.data(QUERY, {"kind": "PARTNER", "id": "inf", "min": 3})["fraudSignals"] is None
    body = api.gql(QUERY, {"kind": "INFLUENCER", "id": "inf", "min": 1})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
