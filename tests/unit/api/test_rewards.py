"""Rewards: rules, runs, status moves and the ledger, against scripted graph answers."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.config import Role
from growthgraph.graph import rewards
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at

RULE = """
mutation($input: CreateRewardRuleInput!) {
  createRewardRule(input: $input) {
    __typename
    ... on CreateRewardRuleSuccess {
      created rule { id name levels { level shareBps fixedCents } refereeCents capCentsPerReferrer }
    }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
  }
}
"""
RUN = """
mutation($input: RunRewardsInput!) {
  runRewards(input: $input) {
    __typename
    ... on RunRewardsSuccess { created run { id ruleId from to rewards totalCents } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
    ... on UnknownRewardRuleError { ruleId }
    ... on PeriodOverlapError { runId }
    ... on PeriodTooLargeError { maxRows }
  }
}
"""
STATUS = """
mutation($id: ID!, $status: RewardTransition!) {
  setRewardStatus(input: {rewardId: $id, status: $status}) {
    __typename
    ... on SetRewardStatusSuccess { changed reward { id status history { status at } } }
    ... on Error { code message }
    ... on UnknownRewardError { rewardId }
    ... on InvalidTransitionError { status }
  }
}
"""
LEDGER = """
query($run: ID!, $status: RewardStatus, $first: Int!, $after: String) {
  rewardLedger(runId: $run, status: $status, first: $first, after: $after) {
    run { id rewards totalCents }
    rewards { id conversionId level beneficiaryKind beneficiaryId amountCents cappedCents status }
    endCursor
  }
}
"""
RULE_NODE = {
    "id": "r1",
    "name": "Two tiers",
    "levelShareBps": [1000, 200],
    "levelFixedCents": [0, 100],
    "refereeCents": 50,
}
START, END = "2024-05-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00"
RUN_ID = f"r1@{START}/{END}"
RUN_NODE = {
    "id": RUN_ID,
    "ruleId": "r1",
    "start": at(START),
    "end": at(END),
    "rewards": 3,
    "totalCents": 270,
}
T0 = at("2024-06-02T00:00:00+00:00")


def rule_input(**more: Any) -> dict[str, Any]:
    levels = [{"shareBps": 1000}, {"shareBps": 200, "fixedCents": 100}]
    return {"input": {"id": "r1", "name": "Two tiers", "levels": levels, "refereeCents": 50} | more}


def run_input(**more: Any) -> dict[str, Any]:
    return {"input": {"ruleId": "r1", "from": "2024-05-01T02:00:00+02:00", "to": END} | more}


def reward_node(rid: str, status: str = "PENDING", **more: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "runId": RUN_ID,
        "conversionId": "cv1",
        "level": 2,
        "beneficiaryLabel": "Influencer",
        "beneficiaryId": "i1",
        "amountCents": 120,
        "cappedCents": 0,
        "status": status,
        "statusHistory": [status],
        "statusTimes": [T0],
        **more,
    }


async def test_a_new_rule_is_stored_with_its_levels(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.FIND_RULE, [])
    fake.answer(rewards.CREATE_RULE, lambda p: [{"r": p["props"]}])

    out = await gql.data(RULE, rule_input())

    assert out["createRewardRule"] == {
        "__typename": "CreateRewardRuleSuccess",
        "created": True,
        "rule": {
            "id": "r1",
            "name": "Two tiers",
            "levels": [
                {"level": 1, "shareBps": 1000, "fixedCents": 0},
                {"level": 2, "shareBps": 200, "fixedCents": 100},
            ],
            "refereeCents": 50,
            "capCentsPerReferrer": None,
        },
    }
    assert fake.ran(rewards.CREATE_RULE) == [{"props": RULE_NODE}]  # no null cap stored


async def test_rule_refusals(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.FIND_RULE, [{"r": RULE_NODE | {"refereeCents": 0}}])
    conflict = await gql.data(RULE, rule_input())
    assert conflict["createRewardRule"] == {
        "__typename": "IdConflictError",
        "code": "ID_CONFLICT",
        "message": "RewardRule 'r1' already exists with different values",
    }
    fake.calls.clear()

    levels = [{"shareBps": 10_001}, {"fixedCents": -1}, {}, {}, {}, {}]
    bad = await gql.data(RULE, rule_input(levels=levels, capCentsPerReferrer=-1))
    assert bad["createRewardRule"]["problems"] == [
        {"field": "levels", "message": "must have 1 to 5 levels"},
        {"field": "levels[0].shareBps", "message": "must be between 0 and 10000"},
        {"field": "levels[1].fixedCents", "message": "must be zero or more"},
        {"field": "capCentsPerReferrer", "message": "must be zero or more"},
    ]
    assert fake.calls == []


async def test_a_run_computes_and_stores_the_ledger(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.RUN_STATE, [{"rule": RULE_NODE, "runs": []}])
    row = {"conversionId": "cv1", "at": at("2024-05-10T00:00:00+00:00"), "revenue": 1000}
    row |= {"first": True, "userId": "u3", "userFlagged": False}
    fake.answer(
        rewards.CONVERSIONS_IN_PERIOD,
        [
            row
            | {"level": 1, "beneficiaryId": "u2", "beneficiaryLabel": "User", "pathFlagged": False},
            row
            | {
                "level": 2,
                "beneficiaryId": "i1",
                "beneficiaryLabel": "Influencer",
                "pathFlagged": True,
            },
        ],
    )
    fake.answer(rewards.CREATE_RUN, [])

    out = await gql.data(RUN, run_input())

    # Referee side 50; level 1: 10% of 1000 = 100; level 2: 2% of 1000 + 100 fixed on the first
    # conversion = 120, held because its path is flagged.
    assert out["runRewards"] == {
        "__typename": "RunRewardsSuccess",
        "created": True,
        "run": {
            "id": RUN_ID,
            "ruleId": "r1",
            "from": START,
            "to": END,
            "rewards": 3,
            "totalCents": 270,
        },
    }
    assert fake.ran(rewards.RUN_STATE) == [{"ruleId": "r1", "start": at(START), "end": at(END)}]
    assert fake.ran(rewards.CONVERSIONS_IN_PERIOD) == [
        {"start": at(START), "end": at(END), "levels": 2, "maxRows": 200_001}
    ]
    [stored] = fake.ran(rewards.CREATE_RUN)
    assert [
        (w["id"], w["level"], w["beneficiaryId"], w["amountCents"], w["status"])
        for w in stored["rewards"]
    ] == [
        (f"{RUN_ID}#cv1#0", 0, "u3", 50, "PENDING"),
        (f"{RUN_ID}#cv1#1", 1, "u2", 100, "PENDING"),
        (f"{RUN_ID}#cv1#2", 2, "i1", 120, "HELD"),
    ]
    assert stored["run"]["totalCents"] == 270


RUN_REFUSALS: list[tuple[list[dict[str, Any]], dict[str, Any]]] = [
    (
        [],
        {
            "__typename": "UnknownRewardRuleError",
            "code": "UNKNOWN_REWARD_RULE",
            "message": "no reward rule with id 'r1'",
            "ruleId": "r1",
        },
    ),
    (
        [{"rule": RULE_NODE, "runs": [RUN_NODE | {"id": "r1@earlier"}]}],
        {
            "__typename": "PeriodOverlapError",
            "code": "PERIOD_OVERLAP",
            "message": "run 'r1@earlier' of this rule overlaps the period",
            "runId": "r1@earlier",
        },
    ),
]


@pytest.mark.parametrize(("state", "expected"), RUN_REFUSALS)
async def test_run_refusals_from_the_run_state(
    gql: Gql, fake: FakeDatabase, state: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    fake.answer(rewards.RUN_STATE, state)
    assert (await gql.data(RUN, run_input()))["runRewards"] == expected
    assert len(fake.calls) == 1


async def test_a_repeated_run_returns_the_stored_one(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.RUN_STATE, [{"rule": RULE_NODE, "runs": [RUN_NODE]}])
    out = await gql.data(RUN, run_input())
    assert out["runRewards"]["created"] is False
    assert out["runRewards"]["run"]["totalCents"] == 270
    assert len(fake.calls) == 1


async def test_a_period_with_too_many_rows_is_refused_before_writing(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(rewards.RUN_STATE, [{"rule": RULE_NODE, "runs": []}])
    fake.answer(rewards.CONVERSIONS_IN_PERIOD, [{"conversionId": "cv"}] * 200_001)

    out = await gql.data(RUN, run_input())

    assert out["runRewards"] == {
        "__typename": "PeriodTooLargeError",
        "code": "PERIOD_TOO_LARGE",
        "message": "the period has more than 200000 rewardable rows; split it",
        "maxRows": 200_000,
    }
    assert fake.ran(rewards.CREATE_RUN) == []


async def test_an_empty_or_naive_period_is_invalid_input(gql: Gql, fake: FakeDatabase) -> None:
    empty = await gql.data(RUN, run_input(to="2024-05-01T00:00:00Z"))
    assert empty["runRewards"]["problems"] == [
        {"field": "to", "message": "must be later than `from`"}
    ]
    naive = await gql.data(RUN, run_input(to="2024-06-01T00:00:00"))
    assert naive["runRewards"]["message"] == (
        "to must include a time zone offset, e.g. 2024-05-01T12:00:00Z"
    )
    assert fake.calls == []


STATUS_CASES: list[tuple[list[dict[str, Any]], str, dict[str, Any]]] = [
    (
        [],
        "APPROVED",
        {
            "__typename": "UnknownRewardError",
            "code": "UNKNOWN_REWARD",
            "message": "no reward with id 'w1'",
            "rewardId": "w1",
        },
    ),
    (
        [{"w": reward_node("w1", "HELD")}],
        "APPROVED",
        {
            "__typename": "InvalidTransitionError",
            "code": "INVALID_TRANSITION",
            "message": "a HELD reward cannot become APPROVED",
            "status": "HELD",
        },
    ),
    (
        [
            {
                "w": reward_node(
                    "w1",
                    "PAID",
                    statusHistory=["PENDING", "APPROVED", "PAID"],
                    statusTimes=[T0, T0, T0],
                )
            }
        ],
        "APPROVED",  # a status it already had: a repeat, not a move back
        {
            "__typename": "SetRewardStatusSuccess",
            "changed": False,
            "reward": {
                "id": "w1",
                "status": "PAID",
                "history": [
                    {"status": "PENDING", "at": "2024-06-02T00:00:00+00:00"},
                    {"status": "APPROVED", "at": "2024-06-02T00:00:00+00:00"},
                    {"status": "PAID", "at": "2024-06-02T00:00:00+00:00"},
                ],
            },
        },
    ),
]


@pytest.mark.parametrize(("found", "wanted", "expected"), STATUS_CASES)
async def test_status_moves_decided_from_the_stored_reward(
    gql: Gql, fake: FakeDatabase, found: list[dict[str, Any]], wanted: str, expected: dict[str, Any]
) -> None:
    fake.answer(rewards.REWARD_STATE, found)
    assert (await gql.data(STATUS, {"id": "w1", "status": wanted}))["setRewardStatus"] == expected
    assert fake.ran(rewards.REWARD_STATE) == [{"id": "w1"}]
    assert len(fake.calls) == 1  # nothing written


async def test_an_allowed_move_is_written(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.REWARD_STATE, [{"w": reward_node("w1")}])
    moved = reward_node(
        "w1", "REJECTED", statusHistory=["PENDING", "REJECTED"], statusTimes=[T0, T0]
    )
    fake.answer(rewards.SET_STATUS, [{"w": moved}])

    out = await gql.data(STATUS, {"id": "w1", "status": "REJECTED"})

    assert out["setRewardStatus"]["changed"] is True
    assert out["setRewardStatus"]["reward"]["status"] == "REJECTED"
    [params] = fake.ran(rewards.SET_STATUS)
    assert (params["id"], params["status"]) == ("w1", "REJECTED")


async def test_reward_mutations_are_for_admins_only(gql: Gql, fake: FakeDatabase) -> None:
    assert await gql.error(STATUS, {"id": "w1", "status": "PAID"}, role=Role.WRITER) == (
        "FORBIDDEN",
        "Only the admin role may run setRewardStatus.",
    )
    assert fake.calls == []


async def test_the_ledger_pages_by_reward_id(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.RUN_BY_ID, [{"run": RUN_NODE}])
    nodes = [
        reward_node(f"{RUN_ID}#cv1#0", level=0, beneficiaryLabel="User", beneficiaryId="u3"),
        reward_node(f"{RUN_ID}#cv1#1", level=1, beneficiaryLabel="User", beneficiaryId="u2"),
        reward_node(f"{RUN_ID}#cv1#2", "HELD", cappedCents=30),
    ]
    fake.answer(
        rewards.LEDGER,
        lambda p: [{"w": n} for n in nodes if n["id"] > p["after"]][: p["limit"]],
    )

    first = (await gql.data(LEDGER, {"run": RUN_ID, "first": 2}))["rewardLedger"]
    assert first["run"] == {"id": RUN_ID, "rewards": 3, "totalCents": 270}
    assert [(w["level"], w["beneficiaryKind"], w["beneficiaryId"]) for w in first["rewards"]] == [
        (0, "USER", "u3"),
        (1, "USER", "u2"),
    ]
    assert first["endCursor"] is not None

    rest = await gql.data(LEDGER, {"run": RUN_ID, "first": 2, "after": first["endCursor"]})
    assert rest["rewardLedger"]["rewards"] == [
        {
            "id": f"{RUN_ID}#cv1#2",
            "conversionId": "cv1",
            "level": 2,
            "beneficiaryKind": "INFLUENCER",
            "beneficiaryId": "i1",
            "amountCents": 120,
            "cappedCents": 30,
            "status": "HELD",
        }
    ]
    assert rest["rewardLedger"]["endCursor"] is None
    assert fake.ran(rewards.LEDGER) == [
        {"runId": RUN_ID, "status": None, "after": "", "limit": 3},
        {"runId": RUN_ID, "status": None, "after": f"{RUN_ID}#cv1#1", "limit": 3},
    ]


async def test_ledger_of_a_missing_run_and_page_bound(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.RUN_BY_ID, [])
    assert await gql.data(LEDGER, {"run": "nope", "status": "HELD", "first": 500}) == {
        "rewardLedger": None
    }
    assert [c.statement for c in fake.calls] == [rewards.RUN_BY_ID]
    fake.calls.clear()

    assert await gql.error(LEDGER, {"run": "nope", "first": 501}) == (
        "BAD_USER_INPUT",
        "`first` must be between 1 and 500",
    )
    assert fake.calls == []


async def test_ledger_status_filter_and_largest_page(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(rewards.RUN_BY_ID, [{"run": RUN_NODE}])
    fake.answer(rewards.LEDGER, [])
    out = await gql.data(LEDGER, {"run": RUN_ID, "status": "HELD", "first": 500})
    assert out["rewardLedger"]["rewards"] == []
    assert fake.ran(rewards.LEDGER) == [
        {"runId": RUN_ID, "status": "HELD", "after": "", "limit": 501}
    ]
