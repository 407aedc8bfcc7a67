"""``inviteFunnel`` over HTTP on a graph small enough to work by hand (all of January 2024; every
instant at 10:00 UTC unless given).

    inf (influencer) -i1-> a (Jan 2, campaign cmp) -i2-> b (Jan 5) -i8-> f (Jan 20)
    ptn (partner)    -i4-> d (Jan 6)
    o (organic, Jan 1) -i3-> c (Jan 4);  o -> e (Jan 3, a shared link: no invite)

Invites (sender, sent, campaign): i1 inf Jan 1 cmp; i2 a Jan 3; i3 o Jan 4 08:00 cmp; i4 ptn
Jan 5; i8 b Jan 8; never accepted: i5 o Jan 3, i6 inf Jan 7; i7 a Feb 2 (after the window).
First activities: a Jan 2 12:00, b Jan 6, d Jan 6 16:00, f Jan 20 11:00; c none.
Conversions: a Jan 2 11:00 (before its first activity: not counted) and Jan 4 12:00; b Jan 10;
c Jan 5 (never active: not counted); f Jan 21.

As of Jan 31, the seven invites of January give
    INVITED 7 -> SIGNED_UP 5 (a b c d f; from the invite: 2h, 1d, 1d, 2d, 12d; median 1 day)
    -> ACTIVE 4 (a b d f; from the sign-up: 1h, 2h, 6h, 1d; median (2h + 6h) / 2 = 4 hours)
    -> CONVERTED 3 (a b f; from the first activity: 23h, 2d, 4d; median 2 days).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import (
    ActivityRow,
    CampaignRow,
    ConversionRow,
    Dataset,
    InfluencerRow,
    InviteRow,
    PartnerRow,
    UserRow,
    load_dataset,
)
from tests.api.conftest import Api

HOUR, DAY = 3_600, 86_400


def day(d: int, hour: int = 10, month: int = 1) -> datetime:
    return datetime(2024, month, d, hour, tzinfo=UTC)


def _user(uid: str, at: datetime, kind: str | None = None, by: str | None = None,
          invite: str | None = None, campaign: str | None = None) -> UserRow:  # fmt: skip
    return UserRow(uid, uid.upper(), f"{uid}@example.com", at, referrer_kind=kind,  # type: ignore[arg-type]
                   referrer_id=by, invite_id=invite, campaign_id=campaign)  # fmt: skip


@pytest.fixture
async def graph(clean_db: Database) -> None:
    await load_dataset(
        clean_db,
        Dataset(
            influencers=[InfluencerRow("inf", "@inf", "tiktok", 1_000, 0.1)],
            partners=[PartnerRow("ptn", "P", "affiliate")],
            campaigns=[CampaignRow("cmp", "Launch")],
            users=[
                _user("o", day(1)),
                _user("a", day(2), "INFLUENCER", "inf", "i1", "cmp"),
                _user("e", day(3), "USER", "o"),
                _user("c", day(4), "USER", "o", "i3"),
                _user("b", day(5), "USER", "a", "i2"),
                _user("d", day(6), "PARTNER", "ptn", "i4"),
                _user("f", day(20), "USER", "b", "i8"),
            ],
            invites=[
                InviteRow("i1", "INFLUENCER", "inf", day(1), campaign_id="cmp"),
                InviteRow("i2", "USER", "a", day(3)),
                InviteRow("i3", "USER", "o", day(4, 8), campaign_id="cmp"),
                InviteRow("i4", "PARTNER", "ptn", day(5)),
                InviteRow("i5", "USER", "o", day(3)),
                InviteRow("i6", "INFLUENCER", "inf", day(7)),
                InviteRow("i7", "USER", "a", day(2, month=2)),
                InviteRow("i8", "USER", "b", day(8)),
            ],
            activities=[
                ActivityRow("o", day(1, 11), "login"),
                ActivityRow("e", day(3, 11), "login"),
                ActivityRow("a", day(3), "login"),
                ActivityRow("a", day(2, 12), "page_view"),
                ActivityRow("b", day(6), "login"),
                ActivityRow("d", day(6, 16), "login"),
                ActivityRow("f", day(20, 11), "login"),
            ],
            conversions=[
                ConversionRow("p1", "a", day(2, 11), 900),
                ConversionRow("p2", "a", day(4, 12), 900),
                ConversionRow("p3", "b", day(10), 900),
                ConversionRow("p4", "c", day(5), 900),
                ConversionRow("p5", "f", day(21), 900),
                ConversionRow("p6", "e", day(4), 900),
            ],
        ),
    )


STEP = (
    "step count shareOfPrevious shareOfInvited dropOff dropOffShare medianTimeSeconds "
    "medianTime medianTimeText"
)
FUNNEL = f"""
query($asOf: DateTime, $groupBy: FunnelGrouping, $limit: Int) {{
  inviteFunnel(from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z", asOf: $asOf,
               groupBy: $groupBy, limit: $limit) {{
    asOf groupBy truncated
    steps {{ {STEP} }}
    groups {{ key steps {{ count medianTimeSeconds }} }}
  }}
}}
"""


def _ask(api: Api, **variables: Any) -> dict[str, Any]:
    answer: dict[str, Any] = api.data(FUNNEL, variables)["inviteFunnel"]
    return answer


def _short(steps: list[dict[str, Any]]) -> list[tuple[int, float | None]]:
    return [(s["count"], s["medianTimeSeconds"]) for s in steps]


@pytest.mark.usefixtures("graph")
def test_the_whole_funnel_worked_by_hand(api: Api) -> None:
    out = _ask(api, asOf="2024-01-31T00:00:00Z")
    assert out["asOf"] == "2024-01-31T00:00:00+00:00"
    assert out["groupBy"] == "NONE"
    assert out["groups"] == []
    assert out["truncated"] is False
    assert out["steps"] == [
        {"step": "INVITED", "count": 7, "shareOfPrevious": None, "shareOfInvited": 1.0,
         "dropOff": 0, "dropOffShare": None, "medianTimeSeconds": None, "medianTime": None,
         "medianTimeText": None},
        {"step": "SIGNED_UP", "count": 5, "shareOfPrevious": pytest.approx(5 / 7),
         "shareOfInvited": pytest.approx(5 / 7), "dropOff": 2, "dropOffShare": pytest.approx(2 / 7),
         "medianTimeSeconds": DAY, "medianTime": "P1D", "medianTimeText": "1 day"},
        {"step": "ACTIVE", "count": 4, "shareOfPrevious": 0.8, "shareOfInvited": pytest.approx(4 / 7),
         "dropOff": 1, "dropOffShare": pytest.approx(0.2), "medianTimeSeconds": 4 * HOUR,
         "medianTime": "PT4H", "medianTimeText": "4 hours"},
        {"step": "CONVERTED", "count": 3, "shareOfPrevious": 0.75,
         "shareOfInvited": pytest.approx(3 / 7), "dropOff": 1, "dropOffShare": 0.25,
         "medianTimeSeconds": 2 * DAY, "medianTime": "P2D", "medianTimeText": "2 days"},
    ]  # fmt: skip


@pytest.mark.usefixtures("graph")
def test_each_grouping_worked_by_hand(api: Api) -> None:
    def groups(by: str, limit: int = 50) -> dict[str, Any]:
        out = _ask(api, asOf="2024-01-31T00:00:00Z", groupBy=by, limit=limit)
        assert out["groupBy"] == by
        assert _short(out["steps"]) == [(7, None), (5, DAY), (4, 4 * HOUR), (3, 2 * DAY)]
        return {"keys": [g["key"] for g in out["groups"]], "truncated": out["truncated"]} | {
            g["key"]: _short(g["steps"]) for g in out["groups"]
        }

    # i1, i2 (a's root is inf), i6, i8 (b's chain starts at inf); i3, i5 from organic o; i4.
    assert groups("SOURCE") == {
        "keys": ["influencer:inf", "user", "partner:ptn"],
        "truncated": False,
        "influencer:inf": [(4, None), (3, 2 * DAY), (3, 2 * HOUR), (3, 2 * DAY)],
        "user": [(2, None), (1, 2 * HOUR), (0, None), (0, None)],
        "partner:ptn": [(1, None), (1, DAY), (1, 6 * HOUR), (0, None)],
    }
    # The invite's own campaign: i1 and i3; c's sign-up names none, a's names cmp (no matter).
    assert groups("CAMPAIGN") == {
        "keys": [None, "cmp"],
        "truncated": False,
        None: [(5, None), (3, 2 * DAY), (3, 6 * HOUR), (2, (23 * HOUR + 4 * DAY) / 2)],
        "cmp": [(2, None), (2, (DAY + 2 * HOUR) / 2), (1, 2 * HOUR), (1, 2 * DAY)],
    }
    assert groups("SENDER_KIND") == {
        "keys": ["user", "influencer", "partner"],
        "truncated": False,
        "user": [(4, None), (3, 2 * DAY), (2, (HOUR + DAY) / 2), (2, (23 * HOUR + 4 * DAY) / 2)],
        "influencer": [(2, None), (1, DAY), (1, 2 * HOUR), (1, 2 * DAY)],
        "partner": [(1, None), (1, DAY), (1, 6 * HOUR), (0, None)],
    }
    cut = groups("SOURCE", limit=2)
    assert cut["keys"] == ["influencer:inf", "user"]
    assert cut["truncated"] is True


@pytest.mark.usefixtures("graph")
def test_as_of_moves_the_funnel(api: Api) -> None:
    # Jan 15: f has not signed up yet; b's conversion (Jan 10) has happened.
    mid = _ask(api, asOf="2024-01-15T00:00:00Z")
    assert _short(mid["steps"]) == [(7, None), (4, DAY), (3, 6 * HOUR), (2, 3 * DAY)]
    # Jan 4 09:00: i1, i2, i3, i5 sent; only a signed up; a's one conversion by then came
    # before its first activity, so nobody converted.
    early = _ask(api, asOf="2024-01-04T09:00:00+00:00")
    assert _short(early["steps"]) == [(4, None), (1, DAY), (1, 2 * HOUR), (0, None)]
    assert early["steps"][3]["dropOffShare"] == 1.0
    # Default: now, which is after everything here.
    before = datetime.now(UTC)
    now = _ask(api)
    assert before <= datetime.fromisoformat(now["asOf"]) <= datetime.now(UTC)
    assert _short(now["steps"]) == [(7, None), (5, DAY), (4, 4 * HOUR), (3, 2 * DAY)]
    # An offset other than UTC names the same instant.
    same = _ask(api, asOf="2024-01-04T11:00:00+02:00")
    assert _short(same["steps"]) == _short(early["steps"])
    assert same["asOf"] == "2024-01-04T09:00:00+00:00"


def test_no_invites_answers_zeros(api: Api, clean_db: Database) -> None:
    out = _ask(api, groupBy="SOURCE")
    assert out["groups"] == []
    assert [(s["count"], s["shareOfPrevious"], s["shareOfInvited"]) for s in out["steps"]] == [
        (0, None, None)
    ] * 4


@pytest.mark.parametrize(
    ("window", "extra"),
    [
        ('from: "2024-02-01T00:00:00Z", to: "2024-01-01T00:00:00Z"', ""),
        ('from: "2024-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z"', ""),
        ('from: "2024-01-01T00:00:00", to: "2024-02-01T00:00:00Z"', ""),
        (
            'from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z"',
            'asOf: "2024-01-01T00:00:00Z"',
        ),
        ('from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z"', 'asOf: "2024-01-05T00:00:00"'),
        ('from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z"', "limit: 0"),
        ('from: "2024-01-01T00:00:00Z", to: "2024-02-01T00:00:00Z"', "limit: 501"),
    ],
)
def test_bad_arguments_are_refused(api: Api, window: str, extra: str) -> None:
    body = api.gql(f"{{ inviteFunnel({window} {extra}) {{ asOf steps {{ count }} }} }}")
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.usefixtures("graph")
def test_one_round_trip(api: Api) -> None:
    before = api.round_trips
    _ask(api, groupBy="SOURCE", asOf="2024-01-31T00:00:00Z")
    assert api.round_trips - before == 1
