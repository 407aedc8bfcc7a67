"""Growth questions over HTTP on the hand-built network, with invites added: every expected
number below is worked out by hand in the comments, including window edges, an empty cohort, an
even number of cycle times (median of the two middle ones) and a chain of eight generations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import InviteRow, load_dataset
from tests.api.conftest import Api
from tests.support.handmade import at, handmade

VIRAL = """
query($from: DateTime!, $to: DateTime!, $groupBy: CohortGrouping!) {
  viralCoefficient(from: $from, to: $to, groupBy: $groupBy) {
    total { ...g }
    groups { ...g }
  }
}
fragment g on ViralGroup {
  key members invitesSent invitesAccepted invitesPerMember inviteConversion inviteK
  referees referralK viralCycleTimeSeconds
}
"""
GENERATIONS = """
query($root: ReferrerRef!, $max: Int!) {
  cascadeGenerations(root: $root, maxGeneration: $max) { generation size k }
}
"""
GROWTH = """
query($from: DateTime!, $to: DateTime!, $interval: GrowthInterval!) {
  growth(from: $from, to: $to, interval: $interval) {
    total { ...b }
    buckets { ...b }
    byCampaign { start campaignId signUps }
    byCampaignTruncated
  }
}
fragment b on GrowthBucket {
  start total organic userReferral influencer partner networkShare referredShare
}
"""


def iso(hours: int) -> str:
    return at(hours).isoformat()


@pytest.fixture
async def hand(clean_db: Database) -> None:
    data = handmade()
    # User x invites twice (one accepted by ux1), user c1 invites c2, influencer x invites c1:
    # influencer invites are not a cohort member's invites.
    data.invites = [
        InviteRow("inv-a", "USER", "x", at(5)),
        InviteRow("inv-b", "USER", "x", at(6)),
        InviteRow("inv-c", "USER", "c1", at(1)),
        InviteRow("inv-d", "INFLUENCER", "x", at(0)),
    ]
    accepted = {"ux1": "inv-a", "c2": "inv-c", "c1": "inv-d"}
    data.users = [replace(u, invite_id=accepted.get(u.id)) for u in data.users]
    await load_dataset(clean_db, data)


def group(key: str | None, members: int, sent: int, accepted: int, referees: int,
          cycle: float | None) -> dict[str, Any]:  # fmt: skip
    def ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    return {
        "key": key,
        "members": members,
        "invitesSent": sent,
        "invitesAccepted": accepted,
        "invitesPerMember": ratio(sent, members),
        "inviteConversion": ratio(accepted, sent),
        "inviteK": ratio(accepted, members),
        "referees": referees,
        "referralK": ratio(referees, members),
        "viralCycleTimeSeconds": cycle,
    }


@pytest.mark.usefixtures("hand")
def test_viral_coefficient_by_hand(api: Api) -> None:
    # [0h, 10h): x, c1..c8, o1 (ux1 and pp1 sign up at exactly 10h: excluded).
    # Invites sent by members: x 2, c1 1; accepted: inv-a, inv-c.
    # Referees: x -> ux1, ux2 (10h, 11h after x); c1..c7 -> next c (1h each): 9 gaps, median 1h.
    got = api.data(VIRAL, {"from": iso(0), "to": iso(10), "groupBy": "SOURCE_KIND"})
    viral = got["viralCoefficient"]
    assert viral["total"] == group(None, 10, 3, 2, 9, 3600.0)
    assert viral["groups"] == [
        group("USER", 7, 0, 0, 6, 3600.0),  # c2..c8 refer c3..c8
        group("ORGANIC", 2, 2, 1, 2, 37800.0),  # x and o1; x's gaps 10h and 11h
        group("INFLUENCER", 1, 1, 1, 1, 3600.0),  # c1
    ]
    # Only x: an even number of gaps, so the median is the mean of 10h and 11h.
    only_x = api.data(VIRAL, {"from": iso(0), "to": iso(1), "groupBy": "NONE"})
    assert only_x["viralCoefficient"] == {"total": group(None, 1, 2, 1, 2, 37800.0), "groups": []}
    empty = api.data(VIRAL, {"from": iso(100), "to": iso(200), "groupBy": "CAMPAIGN"})
    assert empty["viralCoefficient"] == {"total": group(None, 0, 0, 0, 0, None), "groups": []}


VIRAL_AS_OF = """
query($from: DateTime!, $to: DateTime!, $asOf: DateTime) {
  viralCoefficient(from: $from, to: $to, asOf: $asOf) {
    asOf
    total { ...g }
  }
}
fragment g on ViralGroup {
  key members invitesSent invitesAccepted invitesPerMember inviteConversion inviteK
  referees referralK viralCycleTimeSeconds
}
"""


@pytest.mark.usefixtures("hand")
def test_viral_coefficient_as_of_by_hand(api: Api) -> None:
    # As of 5h (inclusive), the [0h, 10h) cohort is x, c1..c5 and o1: 7 members. Invites sent by
    # then: inv-a (x, 5h) and inv-c (c1, 1h), not inv-b (6h); accepted by then: inv-c (c2 at 2h),
    # not inv-a (ux1 signs up at 10h). Referees by then: c2..c5 (1h each; c5 at exactly 5h
    # counts), not c6 (6h) nor x's ux1 and ux2.
    got = api.data(VIRAL_AS_OF, {"from": iso(0), "to": iso(10), "asOf": iso(5)})
    assert got["viralCoefficient"] == {
        "asOf": "2024-01-01T05:00:00+00:00",
        "total": group(None, 7, 2, 1, 4, 3600.0),
    }
    # The same instant in another offset is the same instant, answered in UTC.
    shifted = api.data(
        VIRAL_AS_OF, {"from": iso(0), "to": iso(10), "asOf": "2024-01-01T07:00:00+02:00"}
    )
    assert shifted == got
    # Left out, asOf is the time of the request: everything recorded counts.
    before = datetime.now(UTC)
    now = api.data(VIRAL_AS_OF, {"from": iso(0), "to": iso(10)})["viralCoefficient"]
    used = datetime.fromisoformat(now["asOf"])
    assert before - timedelta(seconds=1) <= used <= datetime.now(UTC)
    assert now["total"] == group(None, 10, 3, 2, 9, 3600.0)


@pytest.mark.usefixtures("hand")
def test_k_per_generation_by_hand(api: Api) -> None:
    chain = api.data(GENERATIONS, {"root": {"kind": "INFLUENCER", "id": "x"}, "max": 9})
    # Influencer x -> c1 -> c2 -> ... -> c8: one user per generation down to 8.
    expected: list[dict[str, Any]] = [{"generation": g, "size": 1, "k": 1.0} for g in range(8)]
    expected += [{"generation": 8, "size": 1, "k": 0.0}, {"generation": 9, "size": 0, "k": None}]
    assert chain["cascadeGenerations"] == expected
    partner = api.data(GENERATIONS, {"root": {"kind": "PARTNER", "id": "p1"}, "max": 3})
    # p1 -> pp1, pp2; pp1 -> pp1a.
    assert partner["cascadeGenerations"] == [
        {"generation": 0, "size": 1, "k": 2.0},
        {"generation": 1, "size": 2, "k": 0.5},
        {"generation": 2, "size": 1, "k": 0.0},
        {"generation": 3, "size": 0, "k": None},
    ]
    none = api.data(GENERATIONS, {"root": {"kind": "PARTNER", "id": "x"}, "max": 3})
    assert none == {"cascadeGenerations": None}


def bucket(start: str, organic: int, user: int, inf: int, ptn: int) -> dict[str, Any]:
    total = organic + user + inf + ptn
    return {
        "start": start,
        "total": total,
        "organic": organic,
        "userReferral": user,
        "influencer": inf,
        "partner": ptn,
        "networkShare": user / total if total else None,
        "referredShare": (total - organic) / total if total else None,
    }


@pytest.mark.usefixtures("hand")
def test_growth_by_hand(api: Api) -> None:
    # Jan 1: organic x, o1; users c2..c8, ux1, ux2, pp1a, ux1a; influencer c1, b0..b3 (20h-23h);
    # partner pp1, pp2. Jan 2: b4 (24h), o2 (30h). Influencer sign-ups carry campaign c1.
    before = api.round_trips
    got = api.data(GROWTH, {"from": iso(0), "to": iso(31), "interval": "DAY"})["growth"]
    assert api.round_trips - before == 2  # by source, by campaign
    assert got["buckets"] == [
        bucket("2024-01-01T00:00:00+00:00", 2, 11, 5, 2),
        bucket("2024-01-02T00:00:00+00:00", 1, 0, 1, 0),
    ]
    assert got["total"] == bucket("2024-01-01T00:00:00+00:00", 3, 11, 6, 2)
    assert got["byCampaign"] == [
        {"start": "2024-01-01T00:00:00+00:00", "campaignId": "c1", "signUps": 5},
        {"start": "2024-01-02T00:00:00+00:00", "campaignId": "c1", "signUps": 1},
    ]
    assert got["byCampaignTruncated"] is False
    # [1h, 24h): x (0h) and b4 (24h) fall outside.
    edge = api.data(GROWTH, {"from": iso(1), "to": iso(24), "interval": "WEEK"})["growth"]
    assert edge["buckets"] == [bucket("2024-01-01T00:00:00+00:00", 1, 11, 5, 2)]
    months = api.data(
        GROWTH, {"from": "2023-12-15T00:00:00Z", "to": "2024-02-01T00:00:00Z", "interval": "MONTH"}
    )["growth"]
    assert months["buckets"] == [
        bucket("2023-12-01T00:00:00+00:00", 0, 0, 0, 0),
        bucket("2024-01-01T00:00:00+00:00", 3, 11, 6, 2),
    ]


CASCADE_AS_OF = """
query($asOf: DateTime) {
  referralCascade(root: {kind: INFLUENCER, id: "x"}, asOf: $asOf) { asOf total depth }
  cascadeStructure(root: {kind: INFLUENCER, id: "x"}, asOf: $asOf) { asOf size depth breadth }
  cascadeGenerations(root: {kind: INFLUENCER, id: "x"}, maxGeneration: 3, asOf: $asOf) {
    asOf generation size k
  }
}
"""


@pytest.mark.usefixtures("hand")
def test_one_cascade_as_of_by_hand(api: Api) -> None:
    # Influencer x's chain c1..c8 signs up one an hour from 1h; as of 3h (inclusive) it is
    # c1, c2, c3: three users, three levels, one each; generations 0..3 all of size 1, and K of
    # generation 3 is 0 (c4 had not signed up).
    got = api.data(CASCADE_AS_OF, {"asOf": iso(3)})
    instant = "2024-01-01T03:00:00+00:00"
    assert got["referralCascade"] == {"asOf": instant, "total": 3, "depth": 3}
    assert got["cascadeStructure"] == {
        "asOf": instant,
        "size": 3,
        "depth": 3,
        "breadth": [1, 1, 1],
    }
    assert got["cascadeGenerations"] == [
        {"asOf": instant, "generation": g, "size": 1, "k": 0.0 if g == 3 else 1.0} for g in range(4)
    ]
    # Before c1: the root with an empty cascade, not null.
    empty = api.data(CASCADE_AS_OF, {"asOf": "2024-01-01T00:30:00Z"})
    assert (empty["referralCascade"]["total"], empty["cascadeStructure"]["size"]) == (0, 0)
    before = datetime.now(UTC)
    now = api.data(CASCADE_AS_OF, {})
    used = {now["referralCascade"]["asOf"], now["cascadeStructure"]["asOf"]}
    used |= {g["asOf"] for g in now["cascadeGenerations"]}
    assert len(used) == 1  # one instant for the whole response
    assert before <= datetime.fromisoformat(used.pop()) <= datetime.now(UTC)
    assert now["referralCascade"]["total"] == now["cascadeStructure"]["size"] == 8


GROWTH_AS_OF = """
query($from: DateTime!, $to: DateTime!, $asOf: DateTime) {
  growth(from: $from, to: $to, interval: DAY, asOf: $asOf) {
    asOf
    total { total organic userReferral influencer partner }
    buckets { start total }
  }
}
"""


@pytest.mark.usefixtures("hand")
def test_growth_as_of_by_hand(api: Api) -> None:
    # As of 10h (inclusive) on 2024-01-01: x, c1..c8, o1, and ux1 and pp1 at exactly 10h; not
    # ux2 (11h) and later. 2 organic (x, o1), 8 user referrals (c2..c8, ux1), 1 influencer (c1),
    # 1 partner (pp1). The next day's bucket is listed, empty.
    got = api.data(
        GROWTH_AS_OF,
        {"from": iso(0), "to": "2024-01-03T00:00:00Z", "asOf": "2024-01-01T10:00:00Z"},
    )["growth"]
    assert got == {
        "asOf": "2024-01-01T10:00:00+00:00",
        "total": {"total": 12, "organic": 2, "userReferral": 8, "influencer": 1, "partner": 1},
        "buckets": [
            {"start": "2024-01-01T00:00:00+00:00", "total": 12},
            {"start": "2024-01-02T00:00:00+00:00", "total": 0},
        ],
    }
    before = datetime.now(UTC)
    now = api.data(GROWTH_AS_OF, {"from": iso(0), "to": "2024-01-03T00:00:00Z"})["growth"]
    used = datetime.fromisoformat(now["asOf"])
    assert before - timedelta(seconds=1) <= used <= datetime.now(UTC)
    assert now["total"]["total"] == 22  # every user of the hand-built network


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (VIRAL, {"from": iso(5), "to": iso(5), "groupBy": "NONE"}),
        (VIRAL, {"from": "2024-01-01T00:00:00", "to": iso(5), "groupBy": "NONE"}),
        (VIRAL_AS_OF, {"from": iso(0), "to": iso(5), "asOf": "2024-01-01T03:00:00"}),
        (VIRAL_AS_OF, {"from": iso(5), "to": iso(9), "asOf": iso(5)}),
        (GROWTH_AS_OF, {"from": iso(0), "to": iso(9), "asOf": "2024-01-01T03:00:00"}),
        (GROWTH_AS_OF, {"from": iso(5), "to": iso(9), "asOf": iso(4)}),
        (CASCADE_AS_OF, {"asOf": "2024-01-01T03:00:00"}),
        (GENERATIONS, {"root": {"kind": "USER", "id": "x"}, "max": 0}),
        (GENERATIONS, {"root": {"kind": "USER", "id": "x"}, "max": 50}),
        (GROWTH, {"from": "2000-01-01T00:00:00Z", "to": iso(0), "interval": "DAY"}),
    ],
)
def test_bad_arguments_are_refused(api: Api, query: str, variables: dict[str, Any]) -> None:
    body = api.gql(query, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
