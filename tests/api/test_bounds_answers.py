"""Internal bounds and list limits through the real API, exactly at the bound and one past it:
what a client sees when a tree is cut (``truncated``), a downline is cut (``maxUsers``), an
entry lists at most its 100 users, a period holds the most sign-ups or spans the longest time
allowed, a window the most buckets, ``networkScores`` the most ids, and a reward rule the most
levels. Bounds too large to reach are lowered with monkeypatch: the server runs in this process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from growthgraph.api.fraud import queries as fraud_queries
from growthgraph.graph import cascades, fraud, growth, rewards, structure_reads
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.dataset import CampaignRow, Dataset, InfluencerRow, UserRow, load_dataset
from tests.api.conftest import Api
from tests.support.snapshot import snapshot

WIDE_AT = datetime(2024, 3, 1, tzinfo=UTC)
WIDE = 12  # users under influencer "wide", one day apart: 4 children with 2 children each
SHARED = 4  # users under influencer "hash" sharing one IP hash, signed up in January


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _user(uid: str, at: datetime, kind: str, ref: str, **extra: Any) -> UserRow:
    return UserRow(
        id=uid,
        name=f"User {uid}",
        email=f"{uid}@example.com",
        signed_up_at=at,
        referrer_kind=kind,  # type: ignore[arg-type]
        referrer_id=ref,
        **extra,
    )


def _data() -> Dataset:
    data = Dataset(
        influencers=[
            InfluencerRow("wide", "@wide", "tiktok", 10, 0.1),
            InfluencerRow("hash", "@hash", "tiktok", 10, 0.1),
        ],
        campaigns=[CampaignRow("cw", "Wide")],
    )
    day = 0
    for i in range(1, 5):
        at = WIDE_AT + timedelta(days=day)
        data.users.append(_user(f"w{i}", at, "INFLUENCER", "wide", campaign_id="cw"))
        day += 1
    for i in range(1, 5):
        for leaf in "ab":
            at = WIDE_AT + timedelta(days=day)
            data.users.append(_user(f"w{i}{leaf}", at, "USER", f"w{i}", campaign_id="cw"))
            day += 1
    for i in range(SHARED):
        at = datetime(2024, 1, 10, tzinfo=UTC) + timedelta(hours=i)
        data.users.append(_user(f"h{i}", at, "INFLUENCER", "hash", ip_hash="same-ip"))
    return data


@pytest.fixture(scope="module")
async def loaded(db: Database) -> Database:
    await delete_everything(db)
    await load_dataset(db, _data())
    return db


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def refused(body: dict[str, Any], field: str) -> bool:
    return (
        bool(codes(body))
        and set(codes(body)) == {"BAD_USER_INPUT"}
        and ((body.get("data") or {}).get(field) is None)
    )


STRUCTURE = """
{ cascadeStructure(root: {kind: INFLUENCER, id: "wide"}) {
    size depth breadth structuralVirality truncated } }
"""


def test_a_cascade_of_exactly_max_nodes_is_whole(
    api: Api, loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cascades, "MAX_NODES", WIDE)
    got = api.data(STRUCTURE)["cascadeStructure"]
    assert (got["size"], got["depth"], got["breadth"], got["truncated"]) == (
        WIDE,
        2,
        [4, 8],
        False,
    )
    assert got["structuralVirality"] is not None
    monkeypatch.setattr(cascades, "MAX_NODES", WIDE - 1)
    cut = api.data(STRUCTURE)["cascadeStructure"]
    assert (cut["size"], cut["breadth"], cut["truncated"], cut["structuralVirality"]) == (
        WIDE - 1,
        [4, 7],
        True,
        None,
    )


FRAUD = """
query($root: ID!, $users: Int!) {
  fraudSignals(root: {kind: INFLUENCER, id: $root}, maxUsers: $users) {
    downlineSize truncated sharedHashClusters { size members { id } }
  }
}
"""


def test_a_downline_of_exactly_max_users_is_whole(api: Api, loaded: Database) -> None:
    whole = api.data(FRAUD, {"root": "wide", "users": WIDE})["fraudSignals"]
    assert (whole["downlineSize"], whole["truncated"]) == (WIDE, False)
    cut = api.data(FRAUD, {"root": "wide", "users": WIDE - 1})["fraudSignals"]
    assert (cut["downlineSize"], cut["truncated"]) == (WIDE - 1, True)


def test_an_entry_lists_exactly_its_most_users(
    api: Api, loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fraud_queries, "MAX_MEMBERS", SHARED)
    [whole] = api.data(FRAUD, {"root": "hash", "users": 100})["fraudSignals"]["sharedHashClusters"]
    assert whole["size"] == SHARED
    assert [m["id"] for m in whole["members"]] == [f"h{i}" for i in range(SHARED)]
    monkeypatch.setattr(fraud_queries, "MAX_MEMBERS", SHARED - 1)
    [cut] = api.data(FRAUD, {"root": "hash", "users": 100})["fraudSignals"]["sharedHashClusters"]
    assert cut["size"] == SHARED
    assert [m["id"] for m in cut["members"]] == [f"h{i}" for i in range(SHARED - 1)]


BURSTS = """
query($since: DateTime!, $until: DateTime!) {
  velocityBursts(since: $since, until: $until, windowMinutes: 44640, minSignUps: 2) {
    signUps referrer { id }
  }
}
"""


def test_a_period_of_exactly_max_period(api: Api, loaded: Database) -> None:
    since = WIDE_AT
    longest = {"since": _iso(since), "until": _iso(since + fraud.MAX_PERIOD)}
    found = api.data(BURSTS, longest)["velocityBursts"]
    assert {(b["referrer"]["id"], b["signUps"]) for b in found} == {
        ("wide", 4),
        *((f"w{i}", 2) for i in range(1, 5)),
    }
    too_long = {
        "since": _iso(since),
        "until": _iso(since + fraud.MAX_PERIOD + timedelta(seconds=1)),
    }
    assert refused(api.gql(BURSTS, too_long), "velocityBursts")


def test_a_period_of_exactly_max_sign_ups(
    api: Api, loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    period = {"since": _iso(WIDE_AT), "until": _iso(WIDE_AT + timedelta(days=WIDE))}
    monkeypatch.setattr(fraud, "MAX_PERIOD_SIGN_UPS", WIDE)
    assert api.data(BURSTS, period)["velocityBursts"]
    monkeypatch.setattr(fraud, "MAX_PERIOD_SIGN_UPS", WIDE - 1)
    assert refused(api.gql(BURSTS, period), "velocityBursts")


GROWTH = """
query($from: DateTime!, $to: DateTime!) {
  growth(from: $from, to: $to, interval: DAY) {
    total { total } buckets { start } byCampaign { signUps } byCampaignTruncated
  }
}
"""


def test_a_window_of_exactly_max_buckets(api: Api, loaded: Database) -> None:
    end = WIDE_AT + timedelta(days=growth.MAX_BUCKETS)
    found = api.data(GROWTH, {"from": _iso(WIDE_AT), "to": _iso(end)})["growth"]
    assert len(found["buckets"]) == growth.MAX_BUCKETS
    assert found["total"]["total"] == WIDE
    longer = {"from": _iso(WIDE_AT), "to": _iso(end + timedelta(days=1))}
    assert refused(api.gql(GROWTH, longer), "growth")


def test_exactly_max_campaign_rows(
    api: Api, loaded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = {"from": _iso(WIDE_AT), "to": _iso(WIDE_AT + timedelta(days=WIDE))}
    monkeypatch.setattr(growth, "MAX_CAMPAIGN_ROWS", WIDE)
    whole = api.data(GROWTH, window)["growth"]
    assert (len(whole["byCampaign"]), whole["byCampaignTruncated"]) == (WIDE, False)
    monkeypatch.setattr(growth, "MAX_CAMPAIGN_ROWS", WIDE - 1)
    cut = api.data(GROWTH, window)["growth"]
    assert (len(cut["byCampaign"]), cut["byCampaignTruncated"]) == (WIDE - 1, True)


SCORES = "query($ids: [ID!]!) { networkScores(userIds: $ids) { user { id } } }"


def test_network_scores_take_exactly_the_most_ids(api: Api, loaded: Database) -> None:
    most = structure_reads.MAX_LIMIT
    ids = [f"w{i}" for i in range(1, 5)] + [f"ghost-{i}" for i in range(most - 4)]
    assert len(ids) == most
    assert "errors" not in api.gql(SCORES, {"ids": ids})
    assert refused(api.gql(SCORES, {"ids": [*ids, "one-more"]}), "networkScores")


RULE = """
mutation($input: CreateRewardRuleInput!) {
  createRewardRule(input: $input) {
    __typename
    ... on CreateRewardRuleSuccess { created rule { levels { level shareBps } } }
    ... on InvalidInputError { code problems { field } }
  }
}
"""


def _rule(rule_id: str, levels: int, share_bps: int = 100) -> dict[str, Any]:
    return {
        "input": {
            "id": rule_id,
            "name": rule_id,
            "levels": [{"shareBps": share_bps} for _ in range(levels)],
        }
    }


async def test_a_rule_of_exactly_the_most_levels(api: Api, loaded: Database) -> None:
    most = rewards.MAX_LEVELS
    made = api.data(RULE, _rule("most", most, share_bps=10_000))["createRewardRule"]
    assert made["__typename"] == "CreateRewardRuleSuccess"
    assert [lv["shareBps"] for lv in made["rule"]["levels"]] == [10_000] * most
    before = await snapshot(loaded)
    for rule_id, levels, share, field in (
        ("too-many", most + 1, 100, "levels"),
        ("none", 0, 100, "levels"),
        ("share", 1, 10_001, "levels[0].shareBps"),
        ("negative", 1, -1, "levels[0].shareBps"),
    ):
        out = api.data(RULE, _rule(rule_id, levels, share))["createRewardRule"]
        assert out["__typename"] == "InvalidInputError", rule_id
        assert field in [p["field"] for p in out["problems"]], rule_id
    assert await snapshot(loaded) == before
