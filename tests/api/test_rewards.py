"""Multi-tier rewards over HTTP on the hand-built network: a 10% / 2% / 1% rule with a fixed
first-payment bonus and a two-sided reward, worked out by hand; error codes write nothing."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import ConversionRow, load_dataset
from tests.api.conftest import Api
from tests.support.handmade import at, handmade
from tests.support.snapshot import snapshot

RULE = """
mutation($input: CreateRewardRuleInput!) {
  createRewardRule(input: $input) {
    __typename
    ... on CreateRewardRuleSuccess { created rule { id levels { level shareBps fixedCents } } }
    ... on Error { code }
    ... on InvalidInputError { problems { field } }
  }
}
"""
RUN = """
mutation($input: RunRewardsInput!) {
  runRewards(input: $input) {
    __typename
    ... on RunRewardsSuccess { created run { id rewards totalCents } }
    ... on Error { code }
  }
}
"""
LEDGER = """
query($run: ID!, $first: Int!, $after: String) {
  rewardLedger(runId: $run, first: $first, after: $after) {
    run { id }
    rewards { id level beneficiaryKind beneficiaryId amountCents cappedCents status }
    endCursor
  }
}
"""
MOVE = """
mutation($input: SetRewardStatusInput!) {
  setRewardStatus(input: $input) {
    __typename
    ... on SetRewardStatusSuccess { changed reward { status history { status } } }
    ... on Error { code }
  }
}
"""
RULE_INPUT = {
    "id": "tiers",
    "name": "10/2/1",
    "levels": [{"shareBps": 1000, "fixedCents": 500}, {"shareBps": 200}, {"shareBps": 100}],
    "refereeCents": 300,
    "capCentsPerReferrer": 1_000,
}


@pytest.fixture
async def hand(clean_db: Database) -> None:
    data = handmade()
    # c4 (chain x -> c1 -> c2 -> c3 -> c4) pays 10000 twice; b0 (under inf-b) pays 2000.
    data.conversions = [
        ConversionRow("k1", "c4", at(40), 10_000),
        ConversionRow("k2", "c4", at(41), 10_000),
        ConversionRow("k3", "b0", at(42), 2_000),
    ]
    await load_dataset(clean_db, data)


def row(cid: str, level: int, kind: str, who: str, amount: int, capped: int = 0) -> dict[str, Any]:
    return {
        "id": f"tiers@2024-01-01T00:00:00+00:00/2024-01-03T00:00:00+00:00#{cid}#{level}",
        "level": level,
        "beneficiaryKind": kind,
        "beneficiaryId": who,
        "amountCents": amount,
        "cappedCents": capped,
        "status": "PENDING",
    }


@pytest.mark.usefixtures("hand")
async def test_rewards_by_hand(api: Api, clean_db: Database) -> None:
    assert api.data(RULE, {"input": RULE_INPUT})["createRewardRule"]["created"] is True
    period = {"ruleId": "tiers", "from": "2024-01-01T00:00:00Z", "to": "2024-01-03T00:00:00Z"}
    run = api.data(RUN, {"input": period})["runRewards"]
    # k1 (c4's first payment): c4 itself 300 (two-sided); c3 10% + 500 = 1500, capped at 1000;
    # c2 2% = 200; c1 1% = 100. k2 (second payment): c3 1000 more, all capped; c2 200; c1 100.
    # k3 (b0's first): b0 300; inf-b 200 + 500 = 700.
    expected = [
        row("k1", 0, "USER", "c4", 300),
        row("k1", 1, "USER", "c3", 1_000, 500),
        row("k1", 2, "USER", "c2", 200),
        row("k1", 3, "USER", "c1", 100),
        row("k2", 1, "USER", "c3", 0, 1_000),
        row("k2", 2, "USER", "c2", 200),
        row("k2", 3, "USER", "c1", 100),
        row("k3", 0, "USER", "b0", 300),
        row("k3", 1, "INFLUENCER", "inf-b", 700),
    ]
    assert run["created"] is True
    assert (run["run"]["rewards"], run["run"]["totalCents"]) == (9, 2_900)
    first = api.data(LEDGER, {"run": run["run"]["id"], "first": 5})["rewardLedger"]
    rest = api.data(LEDGER, {"run": run["run"]["id"], "first": 5, "after": first["endCursor"]})[
        "rewardLedger"
    ]
    assert rest["endCursor"] is None
    assert first["rewards"] + rest["rewards"] == expected
    assert api.data(RUN, {"input": period})["runRewards"]["created"] is False

    reward_id = expected[1]["id"]
    moved = api.data(MOVE, {"input": {"rewardId": reward_id, "status": "APPROVED"}})
    assert moved["setRewardStatus"]["changed"] is True
    assert moved["setRewardStatus"]["reward"]["history"] == [
        {"status": "PENDING"},
        {"status": "APPROVED"},
    ]
    before = await snapshot(clean_db)
    bad_rule = RULE_INPUT | {"id": "other", "levels": [{"shareBps": 10_001}]}
    assert api.data(RULE, {"input": bad_rule})["createRewardRule"]["code"] == "INVALID_INPUT"
    assert api.data(RULE, {"input": RULE_INPUT | {"name": "x"}})["createRewardRule"]["code"] == (
        "ID_CONFLICT"
    )
    overlap = period | {"from": "2024-01-02T00:00:00Z", "to": "2024-01-05T00:00:00Z"}
    assert api.data(RUN, {"input": overlap})["runRewards"]["code"] == "PERIOD_OVERLAP"
    unknown = period | {"ruleId": "nope"}
    assert api.data(RUN, {"input": unknown})["runRewards"]["code"] == "UNKNOWN_REWARD_RULE"
    backwards = period | {"to": "2023-01-01T00:00:00Z"}
    assert api.data(RUN, {"input": backwards})["runRewards"]["code"] == "INVALID_INPUT"
    assert await snapshot(clean_db) == before
    again = api.data(MOVE, {"input": {"rewardId": reward_id, "status": "REJECTED"}})
    assert again["setRewardStatus"]["__typename"] == "SetRewardStatusSuccess"  # a real move
    before = await snapshot(clean_db)
    paid = api.data(MOVE, {"input": {"rewardId": reward_id, "status": "PAID"}})
    assert paid["setRewardStatus"]["code"] == "INVALID_TRANSITION"
    ghost = api.data(MOVE, {"input": {"rewardId": "ghost", "status": "PAID"}})
    assert ghost["setRewardStatus"]["code"] == "UNKNOWN_REWARD"
    assert await snapshot(clean_db) == before
    assert api.data(LEDGER, {"run": "nope", "first": 5}) == {"rewardLedger": None}


FLAG = """
mutation($id: ID!, $reason: String!) {
  flagUser(userId: $id, reason: $reason) {
    __typename
    ... on FlagUserSuccess { userId reason alreadyFlagged }
    ... on Error { code }
  }
}
"""


@pytest.mark.usefixtures("hand")
async def test_flagging_a_user_holds_the_rewards_through_it(api: Api, clean_db: Database) -> None:
    before = await snapshot(clean_db)
    assert api.data(FLAG, {"id": "ghost", "reason": "ring"})["flagUser"]["code"] == "UNKNOWN_USER"
    assert api.data(FLAG, {"id": "c2", "reason": " "})["flagUser"]["code"] == "INVALID_INPUT"
    assert await snapshot(clean_db) == before
    first = api.data(FLAG, {"id": "c2", "reason": "shared device ring"})["flagUser"]
    assert first == {
        "__typename": "FlagUserSuccess",
        "userId": "c2",
        "reason": "shared device ring",
        "alreadyFlagged": False,
    }
    again = api.data(FLAG, {"id": "c2", "reason": "other"})["flagUser"]
    assert (again["reason"], again["alreadyFlagged"]) == ("shared device ring", True)

    api.data(RULE, {"input": RULE_INPUT})
    period = {"ruleId": "tiers", "from": "2024-01-01T00:00:00Z", "to": "2024-01-03T00:00:00Z"}
    run = api.data(RUN, {"input": period})["runRewards"]["run"]
    ledger = api.data(LEDGER, {"run": run["id"], "first": 50})["rewardLedger"]["rewards"]
    status = {(r["id"].rsplit("#", 2)[1], r["level"]): r["status"] for r in ledger}
    # c4 pays through c3 (level 1), c2 (level 2, flagged) and c1 (level 3): the reward to c2 and
    # the one to c1, which flows through c2, are held; those below the flag and b0's are not.
    assert status[("k1", 2)] == status[("k1", 3)] == "HELD"
    assert status[("k2", 2)] == status[("k2", 3)] == "HELD"
    assert status[("k1", 0)] == status[("k1", 1)] == status[("k3", 1)] == "PENDING"
