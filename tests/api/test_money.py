"""``sourceReturns`` and ``lifetimeValue`` over HTTP on a graph small enough to work by hand.

    inf (influencer) -> a (Jan 1, campaign cmp) -> b (Jan 2)
    ptn (partner)    -> c (Jan 3, campaign cmp)
    o1, o2: organic (Jan 1)

Conversions: o1 pays 1,000 on Jan 5; a pays 3,000 on Jan 10 and 2,000 on Mar 1; b pays 500 on
Jan 4. Costs: inf 1,000 on Jan 1 and 4,000 on Jun 1; cmp 2,000 on Jan 15; ptn none. A rule paying
10% to the direct referrer, run over January, owes inf 300 (a's 3,000) and a 50 (b's 500); both
are paid on Feb 1. Every sign-up is at 10:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from growthgraph.graph import rewards
from growthgraph.graph.database import Database
from growthgraph.graph.outcomes import Written
from growthgraph.loading.dataset import (
    CampaignRow,
    ConversionRow,
    CostRow,
    Dataset,
    InfluencerRow,
    PartnerRow,
    UserRow,
    load_dataset,
)
from tests.api.conftest import Api


def day(month: int, d: int, hour: int = 10) -> datetime:
    return datetime(2024, month, d, hour, tzinfo=UTC)


def _user(uid: str, at: datetime, kind: str | None = None, by: str | None = None,
          campaign: str | None = None) -> UserRow:  # fmt: skip
    return UserRow(uid, uid.upper(), f"{uid}@example.com", at, referrer_kind=kind,  # type: ignore[arg-type]
                   referrer_id=by, campaign_id=campaign)  # fmt: skip


async def _load(db: Database) -> None:
    data = Dataset(
        influencers=[InfluencerRow("inf", "@inf", "tiktok", 1_000, 0.1)],
        partners=[PartnerRow("ptn", "P", "affiliate")],
        campaigns=[CampaignRow("cmp", "Launch")],
        users=[
            _user("o1", day(1, 1)),
            _user("o2", day(1, 1)),
            _user("a", day(1, 1), "INFLUENCER", "inf", "cmp"),
            _user("b", day(1, 2), "USER", "a"),
            _user("c", day(1, 3), "PARTNER", "ptn", "cmp"),
        ],
        conversions=[
            ConversionRow("p1", "o1", day(1, 5), 1_000),
            ConversionRow("p2", "a", day(1, 10), 3_000),
            ConversionRow("p3", "a", day(3, 1), 2_000),
            ConversionRow("p4", "b", day(1, 4), 500),
        ],
        costs=[
            CostRow("k1", "INFLUENCER", "inf", day(1, 1), 1_000),
            CostRow("k2", "INFLUENCER", "inf", day(6, 1), 4_000),
            CostRow("k3", "CAMPAIGN", "cmp", day(1, 15), 2_000),
        ],
    )
    await load_dataset(db, data)
    rule = await rewards.create_rule(
        db, id="r", name="R", levels=[rewards.Level(1_000, 0)], referee_cents=0, cap_cents=None
    )
    assert isinstance(rule, Written)
    run = await rewards.run_rewards(db, rule_id="r", start=day(1, 1, 0), end=day(2, 1, 0),
                                    at=day(2, 1, 0))  # fmt: skip
    assert isinstance(run, Written)
    found = await rewards.ledger(db, run.record.id, status=None, after=None, limit=10)
    assert found is not None
    owed = {(w.beneficiary_id, w.amount_cents) for w in found[1]}
    assert owed == {("inf", 300), ("a", 50)}
    for w in found[1]:
        for status in (rewards.APPROVED, rewards.PAID):
            assert isinstance(
                await rewards.set_status(db, id=w.id, status=status, at=day(2, 1, 0)), Written
            )


RETURNS = """
query($kind: CostSourceKind!, $from: DateTime, $to: DateTime) {
  sourceReturns(kind: $kind, from: $from, to: $to) {
    source { __typename ... on Influencer { id } ... on Partner { id } ... on Campaign { id name } }
    directSignUps signUps conversions payingUsers revenueCents costCents rewardsPaidCents
    roi costPerAcquisitionCents averageOrderValueCents
  }
}
"""
FIGURES = (
    "users payingUsers revenueToDateCents averageToDateCents matureUsers revenueWithinCents "
    "averageWithinCents"
)
LTV = f"""
query($asOf: DateTime, $groupBy: LtvGrouping) {{
  lifetimeValue(from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z", withinDays: 30,
                asOf: $asOf, groupBy: $groupBy) {{
    asOf withinDays upliftToDate upliftWithin
    referred {{ {FIGURES} }} organic {{ {FIGURES} }} all {{ users }}
    groups {{ key upliftToDate upliftWithin referred {{ users revenueToDateCents }}
              organic {{ users }} }}
  }}
}}
"""


def _returns(api: Api, kind: str, window: tuple[str, str] | None) -> dict[str, dict[str, Any]]:
    variables: dict[str, Any] = {"kind": kind}
    if window is not None:
        variables |= {"from": window[0], "to": window[1]}
    rows = api.data(RETURNS, variables)["sourceReturns"]
    return {r["source"]["id"]: r for r in rows}


JANUARY = ("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
H1 = ("2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z")


async def test_returns_by_hand(api: Api, clean_db: Database) -> None:
    await _load(clean_db)
    inf = _returns(api, "INFLUENCER", JANUARY)["inf"]
    # a and b (its downline) paid 3,000 + 500 in January; January's cost 1,000; the 300 reward
    # was paid on Feb 1, outside. ROI (3,500 - 1,000) / 1,000.
    assert inf == {
        "source": {"__typename": "Influencer", "id": "inf"},
        "directSignUps": 1,
        "signUps": 2,
        "conversions": 2,
        "payingUsers": 2,
        "revenueCents": 3_500,
        "costCents": 1_000,
        "rewardsPaidCents": 0,
        "roi": 2.5,
        "costPerAcquisitionCents": 1_000.0,
        "averageOrderValueCents": 1_750.0,
    }
    inf = _returns(api, "INFLUENCER", H1)["inf"]
    # 3,000 + 2,000 + 500; cost 1,000 + 4,000; the 300 reward paid. (5,500 - 5,300) / 5,300.
    assert (inf["revenueCents"], inf["costCents"], inf["rewardsPaidCents"]) == (5_500, 5_000, 300)
    assert inf["roi"] == pytest.approx(200 / 5_300)
    assert inf["averageOrderValueCents"] == pytest.approx(5_500 / 3)
    cmp = _returns(api, "CAMPAIGN", H1)["cmp"]
    # Its users a and c: a's 5,000; cost 2,000; the reward paid on a's conversion, 300.
    assert cmp == {
        "source": {"__typename": "Campaign", "id": "cmp", "name": "Launch"},
        "directSignUps": 2,
        "signUps": 2,
        "conversions": 2,
        "payingUsers": 1,
        "revenueCents": 5_000,
        "costCents": 2_000,
        "rewardsPaidCents": 300,
        "roi": pytest.approx(2_700 / 2_300),
        "costPerAcquisitionCents": 1_000.0,
        "averageOrderValueCents": 2_500.0,
    }
    ptn = _returns(api, "PARTNER", H1)["ptn"]
    assert (ptn["directSignUps"], ptn["revenueCents"], ptn["costCents"]) == (1, 0, None)
    assert (ptn["roi"], ptn["costPerAcquisitionCents"], ptn["averageOrderValueCents"]) == (
        None,
        None,
        None,
    )
    # All time: every cost entry; the same reward.
    assert _returns(api, "INFLUENCER", None)["inf"]["costCents"] == 5_000


AS_OF = """
query($asOf: DateTime) {
  sourceReturns(kind: INFLUENCER, asOf: $asOf) {
    asOf source { ... on Influencer { id } }
    signUps conversions revenueCents costCents rewardsPaidCents roi
  }
  sourcePerformance(kind: INFLUENCER, asOf: $asOf) {
    asOf source { id } downlineSignUps converted revenueDirectCents costCents
  }
}
"""


async def test_returns_as_of_by_hand(api: Api, clean_db: Database) -> None:
    await _load(clean_db)
    # As of Feb 15, all time: inf's a and b had paid 3,000 and 500 (a's March payment not yet);
    # its cost entries by then: Jan 1's 1,000 (not Jun 1's 4,000); the 300 reward paid Feb 1.
    got = api.data(AS_OF, {"asOf": "2024-02-15T00:00:00Z"})
    (inf,) = got["sourceReturns"]
    assert inf == {
        "asOf": "2024-02-15T00:00:00+00:00",
        "source": {"id": "inf"},
        "signUps": 2,
        "conversions": 2,
        "revenueCents": 3_500,
        "costCents": 1_000,
        "rewardsPaidCents": 300,
        "roi": pytest.approx((3_500 - 1_300) / 1_300),
    }
    (perf,) = got["sourcePerformance"]
    # a paid 3,000 by then (directly referred); b is depth 2.
    assert perf == {
        "asOf": "2024-02-15T00:00:00+00:00",
        "source": {"id": "inf"},
        "downlineSignUps": 2,
        "converted": 2,
        "revenueDirectCents": 3_000,
        "costCents": 1_000,
    }
    # As of Jan 1, 12:00: only a (10:00) had signed up, nobody had paid, the first cost counts.
    early = api.data(AS_OF, {"asOf": "2024-01-01T12:00:00Z"})
    assert early["sourceReturns"][0]["signUps"] == 1
    assert early["sourceReturns"][0]["revenueCents"] == 0
    assert early["sourcePerformance"][0]["downlineSignUps"] == 1
    # Left out: the time of the request, one instant for both fields; everything counts.
    before = datetime.now(UTC)
    now = api.data(AS_OF, {})
    used = {now["sourceReturns"][0]["asOf"], now["sourcePerformance"][0]["asOf"]}
    assert len(used) == 1
    assert before <= datetime.fromisoformat(used.pop()) <= datetime.now(UTC)
    assert now["sourceReturns"][0]["revenueCents"] == 5_500
    assert now["sourceReturns"][0]["costCents"] == 5_000
    refused = api.gql(AS_OF, {"asOf": "2024-02-15T00:00:00"})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_lifetime_value_by_hand(api: Api, clean_db: Database) -> None:
    await _load(clean_db)
    out = api.data(LTV, {"asOf": "2024-04-01T00:00:00Z"})["lifetimeValue"]
    # Referred a, b, c: to date 5,000 + 500 + 0; in 30 days 3,000 + 500 (a's March payment is
    # later). Organic o1, o2: 1,000 + 0 both ways. Everyone is 30 days old by April.
    assert out["referred"] == {
        "users": 3,
        "payingUsers": 2,
        "revenueToDateCents": 5_500,
        "averageToDateCents": pytest.approx(5_500 / 3),
        "matureUsers": 3,
        "revenueWithinCents": 3_500,
        "averageWithinCents": pytest.approx(3_500 / 3),
    }
    assert out["organic"] == {
        "users": 2,
        "payingUsers": 1,
        "revenueToDateCents": 1_000,
        "averageToDateCents": 500.0,
        "matureUsers": 2,
        "revenueWithinCents": 1_000,
        "averageWithinCents": 500.0,
    }
    assert out["all"] == {"users": 5}
    assert out["upliftToDate"] == pytest.approx((5_500 / 3) / 500 - 1)
    assert out["upliftWithin"] == pytest.approx((3_500 / 3) / 500 - 1)
    assert out["groups"] == []
    by_source = api.data(LTV, {"asOf": "2024-04-01T00:00:00Z", "groupBy": "SOURCE"})
    groups = {g["key"]: g for g in by_source["lifetimeValue"]["groups"]}
    assert set(groups) == {"influencer:inf", "partner:ptn", "organic"}
    # inf's users a and b: 5,500 / 2 against the cohort's organic 500.
    assert groups["influencer:inf"]["referred"] == {"users": 2, "revenueToDateCents": 5_500}
    assert groups["influencer:inf"]["upliftToDate"] == pytest.approx(2_750 / 500 - 1)
    assert groups["partner:ptn"]["upliftToDate"] == -1.0
    assert groups["organic"]["organic"] == {"users": 2}
    assert groups["organic"]["upliftToDate"] is None
    # On Feb 1 only those who signed up on Jan 1 are 30 days old: o1, o2 and a.
    young = api.data(LTV, {"asOf": "2024-02-01T00:00:00Z"})["lifetimeValue"]
    assert young["referred"]["matureUsers"] == 1
    assert young["referred"]["revenueWithinCents"] == 3_000
    assert young["organic"]["matureUsers"] == 2
    assert young["upliftWithin"] == pytest.approx(3_000 / 500 - 1)


async def test_lifetime_value_arguments_are_checked(api: Api, clean_db: Database) -> None:
    body = api.gql(LTV.replace("withinDays: 30", "withinDays: 0"), {})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = api.gql(LTV, {"asOf": "2023-12-01T00:00:00Z"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
