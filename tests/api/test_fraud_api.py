"""fraudSignals over HTTP: the report's shape and numbers on the hand-worked network, bounds."""

from __future__ import annotations

from datetime import UTC, datetime

from growthgraph.api.permissions import MASK
from growthgraph.graph.database import Database
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import ANALYST_KEY, WRITER_KEY, Api
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
    await load_dataset(clean_db, fraud_network())
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


BURSTS = """
query($since: DateTime!, $until: DateTime!, $k: Int!) {
  velocityBursts(since: $since, until: $until, minSignUps: $k, windowMinutes: 60) {
    score referrer { id kind } signUps windowStart users { id }
  }
}
"""


AS_OF = """
query($asOf: DateTime) {
  fraudSignals(root: {kind: INFLUENCER, id: "inf"}, asOf: $asOf) {
    asOf downlineSize nearDuplicates { members { id } }
  }
}
"""


async def test_fraud_signals_as_of_over_http(api: Api, clean_db: Database) -> None:
    await load_dataset(clean_db, fraud_network())
    # 12:00 (+02:00) is 10:00 UTC, 60 minutes after T0: u1, u2, u3 and not u4 (11:00) on.
    got = api.data(AS_OF, {"asOf": "2024-05-06T12:00:00+02:00"})["fraudSignals"]
    assert got == {
        "asOf": "2024-05-06T10:00:00+00:00",
        "downlineSize": 3,
        "nearDuplicates": [{"members": [{"id": "u2"}, {"id": "u3"}]}],
    }
    before = datetime.now(UTC)
    now = api.data(AS_OF, {})["fraudSignals"]
    assert before <= datetime.fromisoformat(now["asOf"]) <= datetime.now(UTC)
    assert now["downlineSize"] == 6
    refused = api.gql(AS_OF, {"asOf": "2024-05-06T12:00:00"})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (refused.get("data") or {}).get("fraudSignals") is None


BURSTS_AS_OF = """
query($since: DateTime!, $until: DateTime!, $k: Int!, $asOf: DateTime) {
  velocityBursts(since: $since, until: $until, minSignUps: $k, asOf: $asOf) { asOf signUps }
}
"""


async def test_velocity_bursts_over_http(api: Api, clean_db: Database) -> None:
    await load_dataset(clean_db, fraud_network())
    args = {"since": "2024-05-06T00:00:00Z", "until": "2024-05-07T00:00:00Z", "k": 3}
    got = api.data(BURSTS, args)["velocityBursts"]
    assert got == [
        {
            "score": 1.0,
            "referrer": {"id": "inf", "kind": "INFLUENCER"},
            "signUps": 3,
            "windowStart": "2024-05-06T09:00:00+00:00",
            "users": [{"id": "u1"}, {"id": "u2"}, {"id": "u3"}],
        }
    ]
    # As of 09:40 UTC only u1 and u2 had signed up under inf: no burst of three.
    assert api.data(BURSTS_AS_OF, args | {"asOf": "2024-05-06T09:40:00Z"})["velocityBursts"] == []
    as_of = api.data(BURSTS_AS_OF, args | {"asOf": "2024-05-06T11:50:00+02:00"})
    assert as_of["velocityBursts"] == [{"asOf": "2024-05-06T09:50:00+00:00", "signUps": 3}]
    before = datetime.now(UTC)
    (now,) = api.data(BURSTS_AS_OF, args)["velocityBursts"]
    assert before <= datetime.fromisoformat(now["asOf"]) <= datetime.now(UTC)
    no_offset = api.gql(BURSTS_AS_OF, args | {"asOf": "2024-05-06T09:40:00"})
    assert no_offset["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for bad in (
        {**args, "until": "2024-06-07T00:00:01Z"},
        {**args, "until": args["since"]},
        {**args, "since": "2024-05-06T00:00:00"},
        {**args, "k": 1},
    ):
        body = api.gql(BURSTS, bad)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad


async def test_identity_evidence_is_masked_below_admin(api: Api, clean_db: Database) -> None:
    await load_dataset(clean_db, fraud_network())
    variables = {"kind": "INFLUENCER", "id": "inf", "min": 3}
    body = api.gql(QUERY, variables, key=ANALYST_KEY)
    reasons = [g["reasons"] for g in body["data"]["fraudSignals"]["nearDuplicates"]]
    assert reasons == [[f"name:{MASK}"], [f"email:{MASK}"]]


def test_jobs_and_ledger_moves_are_admin_only(api: Api) -> None:
    before = api.round_trips
    for mutation in [
        "mutation { runNetworkAnalysis { __typename } }",
        'mutation { setRewardStatus(input: {rewardId: "r", status: APPROVED}) { __typename } }',
    ]:
        body = api.gql(mutation, key=WRITER_KEY)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
    assert api.round_trips == before
