"""Growth: ``viralCoefficient`` and ``growth`` over scripted aggregation rows."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.graph import growth
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, without_as_of

GROUP_FIELDS = """
key members invitesSent invitesAccepted invitesPerMember inviteConversion inviteK referees
referralK viralCycleTimeSeconds viralCycleTime viralCycleTimeText
"""
VIRAL = f"""
query($from: DateTime!, $to: DateTime!, $groupBy: CohortGrouping!, $limit: Int!) {{
  viralCoefficient(from: $from, to: $to, groupBy: $groupBy, limit: $limit) {{
    from to total {{ {GROUP_FIELDS} }} groups {{ {GROUP_FIELDS} }}
  }}
}}
"""
BUCKET_FIELDS = "start total organic userReferral influencer partner networkShare referredShare"
GROWTH = f"""
query($from: DateTime!, $to: DateTime!, $interval: GrowthInterval!) {{
  growth(from: $from, to: $to, interval: $interval) {{
    interval total {{ {BUCKET_FIELDS} }} buckets {{ {BUCKET_FIELDS} }}
    byCampaign {{ start campaignId signUps }} byCampaignTruncated
  }}
}}
"""
MAY = {"from": "2024-05-01T02:00:00+02:00", "to": "2024-06-01T00:00:00Z"}


def viral(**more: Any) -> dict[str, Any]:
    return MAY | {"groupBy": "NONE", "limit": 50} | more


def cohort_row(
    key: str | None, members: int, sent: int, accepted: int, referees: int, cycle: float | None
) -> dict[str, Any]:
    return {
        "key": key,
        "members": members,
        "sent": sent,
        "accepted": accepted,
        "referees": referees,
        "cycle": cycle,
    }


async def test_an_empty_cohort_has_zero_members_and_null_ratios(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(growth.VIRAL_COHORT, [])

    out = await gql.data(VIRAL, viral())

    assert out["viralCoefficient"] == {
        "from": "2024-05-01T00:00:00+00:00",
        "to": "2024-06-01T00:00:00+00:00",
        "total": {
            "key": None,
            "members": 0,
            "invitesSent": 0,
            "invitesAccepted": 0,
            "invitesPerMember": None,
            "inviteConversion": None,
            "inviteK": None,
            "referees": 0,
            "referralK": None,
            "viralCycleTimeSeconds": None,
            "viralCycleTime": None,
            "viralCycleTimeText": None,
        },
        "groups": [],
    }
    # Without a grouping only the whole cohort is read.
    assert without_as_of(fake.ran(growth.VIRAL_COHORT)) == [
        {
            "start": at("2024-05-01T00:00:00+00:00"),
            "end": at("2024-06-01T00:00:00+00:00"),
            "groupBy": "NONE",
            "limit": 1,
            "within": None,
        }
    ]


async def test_a_grouped_cohort_reads_the_total_and_the_groups(
    gql: Gql, fake: FakeDatabase
) -> None:
    def cohort(params: dict[str, Any]) -> list[dict[str, Any]]:
        if params["groupBy"] == "NONE":
            return [cohort_row(None, 4, 6, 3, 2, 3600.0)]
        return [cohort_row("sms", 3, 6, 3, 2, 1800.0), cohort_row(None, 1, 0, 0, 0, None)]

    fake.answer(growth.VIRAL_COHORT, cohort)

    out = (await gql.data(VIRAL, viral(groupBy="CHANNEL", limit=2)))["viralCoefficient"]

    # 6 invites over 4 members, half of them accepted: K = 1.5 x 0.5 = 3 accepted / 4 members.
    assert out["total"] == {
        "key": None,
        "members": 4,
        "invitesSent": 6,
        "invitesAccepted": 3,
        "invitesPerMember": 1.5,
        "inviteConversion": 0.5,
        "inviteK": 0.75,
        "referees": 2,
        "referralK": 0.5,
        "viralCycleTimeSeconds": 3600.0,
        "viralCycleTime": "PT1H",
        "viralCycleTimeText": "1 hour",
    }
    sms, none = out["groups"]
    assert (sms["key"], sms["invitesPerMember"], sms["inviteK"], sms["referralK"]) == (
        "sms",
        2.0,
        1.0,
        pytest.approx(2 / 3),
    )
    assert (none["key"], none["invitesPerMember"], none["inviteConversion"], none["inviteK"]) == (
        None,
        0.0,
        None,
        0.0,
    )
    assert [(p["groupBy"], p["limit"]) for p in fake.ran(growth.VIRAL_COHORT)] == [
        ("NONE", 1),
        ("CHANNEL", 2),
    ]


async def test_viral_coefficient_bounds(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(growth.VIRAL_COHORT, [])
    await gql.data(VIRAL, viral(groupBy="SOURCE_KIND", limit=500))
    assert fake.ran(growth.VIRAL_COHORT)[1]["limit"] == 500
    fake.calls.clear()

    for variables, message in [
        (viral(limit=501), "`limit` must be between 1 and 500"),
        (viral(limit=0), "`limit` must be between 1 and 500"),
        (viral(to=MAY["from"]), "`from` must be earlier than `to`"),
        (viral(**{"from": "2024-05-01T00:00:00"}), "`from` must include a time zone offset"),
    ]:
        assert await gql.error(VIRAL, variables) == ("BAD_USER_INPUT", message)
    assert fake.calls == []


async def test_growth_fills_every_bucket_and_shares(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(
        growth.GROWTH_BY_SOURCE,
        [
            {"bucket": "2024-05-01T00:00:00Z", "source": "ORGANIC", "signUps": 1},
            {"bucket": "2024-05-01T00:00:00Z", "source": "USER", "signUps": 3},
            {"bucket": at("2024-05-02T00:00:00+00:00"), "source": "INFLUENCER", "signUps": 2},
            {"bucket": at("2024-05-02T00:00:00+00:00"), "source": "PARTNER", "signUps": 2},
        ],
    )
    fake.answer(
        growth.GROWTH_BY_CAMPAIGN,
        [{"bucket": "2024-05-01T00:00:00Z", "campaignId": "c1", "signUps": 2}],
    )
    window = {"from": "2024-05-01T12:00:00Z", "to": "2024-05-04T00:00:00Z", "interval": "DAY"}

    out = (await gql.data(GROWTH, window))["growth"]

    assert out["interval"] == "DAY"
    # The whole window starts at `from`; 3 of 8 sign-ups came through users, 7 were referred.
    assert out["total"] == {
        "start": "2024-05-01T12:00:00+00:00",
        "total": 8,
        "organic": 1,
        "userReferral": 3,
        "influencer": 2,
        "partner": 2,
        "networkShare": 0.375,
        "referredShare": 0.875,
    }
    assert out["buckets"] == [
        {
            "start": "2024-05-01T00:00:00+00:00",
            "total": 4,
            "organic": 1,
            "userReferral": 3,
            "influencer": 0,
            "partner": 0,
            "networkShare": 0.75,
            "referredShare": 0.75,
        },
        {
            "start": "2024-05-02T00:00:00+00:00",
            "total": 4,
            "organic": 0,
            "userReferral": 0,
            "influencer": 2,
            "partner": 2,
            "networkShare": 0.0,
            "referredShare": 1.0,
        },
        {
            "start": "2024-05-03T00:00:00+00:00",
            "total": 0,
            "organic": 0,
            "userReferral": 0,
            "influencer": 0,
            "partner": 0,
            "networkShare": None,
            "referredShare": None,
        },
    ]
    assert out["byCampaign"] == [
        {"start": "2024-05-01T00:00:00+00:00", "campaignId": "c1", "signUps": 2}
    ]
    assert out["byCampaignTruncated"] is False
    params = {"start": at("2024-05-01T12:00:00+00:00"), "end": at("2024-05-04T00:00:00+00:00")}
    assert without_as_of(fake.ran(growth.GROWTH_BY_SOURCE)) == [params | {"unit": "day"}]
    assert without_as_of(fake.ran(growth.GROWTH_BY_CAMPAIGN)) == [
        params | {"unit": "day", "limit": 5001}
    ]


async def test_growth_by_campaign_is_cut_at_5000_rows(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(growth.GROWTH_BY_SOURCE, [])
    fake.answer(
        growth.GROWTH_BY_CAMPAIGN,
        [
            {"bucket": "2024-04-29T00:00:00Z", "campaignId": f"c{i:04}", "signUps": 1}
            for i in range(5001)
        ],
    )

    window = {"from": "2024-05-01T00:00:00Z", "to": "2024-05-02T00:00:00Z", "interval": "WEEK"}
    out = (await gql.data(GROWTH, window))["growth"]

    assert [b["start"] for b in out["buckets"]] == ["2024-04-29T00:00:00+00:00"]  # a Monday
    assert len(out["byCampaign"]) == 5000
    assert out["byCampaign"][-1]["campaignId"] == "c4999"
    assert out["byCampaignTruncated"] is True
    assert fake.ran(growth.GROWTH_BY_SOURCE)[0]["unit"] == "week"


async def test_growth_allows_1000_buckets_and_refuses_1001(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(growth.GROWTH_BY_SOURCE, [])
    fake.answer(growth.GROWTH_BY_CAMPAIGN, [])
    # 2024 has 366 days and 2025 365; 2026-09-27 is day 366 + 365 + 269 = 1000.
    most = {"from": "2024-01-01T00:00:00Z", "to": "2026-09-27T00:00:00Z", "interval": "DAY"}

    out = (await gql.data(GROWTH, most))["growth"]
    assert len(out["buckets"]) == 1000
    assert out["buckets"][-1]["start"] == "2026-09-26T00:00:00+00:00"
    fake.calls.clear()

    assert await gql.error(GROWTH, most | {"to": "2026-09-27T00:00:01Z"}) == (
        "BAD_USER_INPUT",
        "the window spans more than 1000 buckets; use a larger interval",
    )
    assert fake.calls == []


async def test_a_conversion_window_is_passed_on_and_echoed(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(growth.VIRAL_COHORT, [cohort_row(None, 2, 4, 1, 1, 3 * 86_400 + 4 * 3_600 + 59)])
    query = """
    query($from: DateTime!, $to: DateTime!, $within: Int) {
      viralCoefficient(from: $from, to: $to, within: $within) {
        within total { inviteK viralCycleTime viralCycleTimeText }
      }
    }
    """
    out = (await gql.data(query, MAY | {"within": 7}))["viralCoefficient"]
    assert out == {
        "within": 7,
        "total": {
            "inviteK": 0.5,
            "viralCycleTime": "P3DT4H59S",
            "viralCycleTimeText": "3 days 4 hours",
        },
    }
    assert [p["within"] for p in fake.ran(growth.VIRAL_COHORT)] == [7]
    assert await gql.error(query, MAY | {"within": 0}) == (
        "BAD_USER_INPUT",
        "`within` must be between 1 and 3650",
    )
