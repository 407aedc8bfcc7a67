"""The demo data is dated relative to the day it is loaded: deterministic for a seed and a day,
its last sign-up a few hours before that day starts, nothing after it; loaded today, the relative
questions (the last 30 days' sign-ups, a recent cohort, inactive users) answer with non-empty,
sensible figures, each compared with a count made from the loaded rows."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest

from growthgraph.graph import structure
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.dataset import Dataset, load_dataset
from growthgraph.loading.seed_demo import LEAD, anchor_of, demo
from tests.api.conftest import Api

USERS, SEED = 1_500, 11


def test_the_same_seed_and_day_give_the_same_rows() -> None:
    day = date(2031, 3, 4)
    first, again = demo(users=300, seed=3, day=day), demo(users=300, seed=3, day=day)
    assert first == again
    later = demo(users=300, seed=3, day=day + timedelta(days=1))
    assert later.users[0].signed_up_at - first.users[0].signed_up_at == timedelta(days=1)


def test_the_last_sign_up_is_just_before_the_day_and_nothing_is_later() -> None:
    day = date(2031, 3, 4)
    data = demo(users=300, seed=3, day=day)
    last = max(u.signed_up_at for u in data.users)
    assert last == anchor_of(day) == datetime(2031, 3, 4, tzinfo=UTC) - LEAD
    for rows in (data.invites, data.conversions, data.activities, data.connections, data.costs):
        assert rows, "every kind of event is still there"
        for row in rows:
            instants = [getattr(row, f.name) for f in fields(row)]
            assert all(v <= last for v in instants if isinstance(v, datetime)), row
    # Moving in time keeps the order: every referrer signed up before the users it referred.
    at = {u.id: u.signed_up_at for u in data.users}
    assert all(
        at[u.referrer_id] < u.signed_up_at
        for u in data.users
        if u.referrer_kind == "USER" and u.referrer_id is not None
    )
    fixed = demo(users=300, seed=3, day=None)
    assert len(fixed.users) == len(data.users)
    assert [u.id for u in fixed.users] == [u.id for u in data.users]


@pytest.fixture(scope="module")
async def loaded_today(db: Database) -> tuple[Dataset, datetime]:
    now = datetime.now(UTC)
    data = demo(users=USERS, seed=SEED, day=now.date())
    await delete_everything(db)
    await load_dataset(db, data, batch_size=2_000)
    return data, now


def test_the_last_30_days_have_sign_ups(api: Api, loaded_today: tuple[Dataset, datetime]) -> None:
    data, now = loaded_today
    since = now - timedelta(days=30)
    want = sum(1 for u in data.users if since <= u.signed_up_at < now)
    got = api.data(
        "query($f: DateTime!, $t: DateTime!) { growth(from: $f, to: $t, interval: WEEK) "
        "{ total { total } } }",
        {"f": since.isoformat(), "t": now.isoformat()},
    )["growth"]["total"]["total"]
    assert got == want > USERS // 20


def test_a_recent_cohort_has_invites_and_referrals(
    api: Api, loaded_today: tuple[Dataset, datetime]
) -> None:
    data, now = loaded_today
    lo, hi = now - timedelta(days=60), now - timedelta(days=30)
    members = {u.id for u in data.users if lo <= u.signed_up_at < hi}
    sent = sum(1 for i in data.invites if i.referrer_kind == "USER" and i.referrer_id in members)
    got = api.data(
        "query($f: DateTime!, $t: DateTime!) { viralCoefficient(from: $f, to: $t, within: 30) "
        "{ total { members invitesSent inviteK viralCycleTimeText } } }",
        {"f": lo.isoformat(), "t": hi.isoformat()},
    )["viralCoefficient"]["total"]
    assert got["members"] == len(members) > 0
    assert got["invitesSent"] == sent > 0
    assert got["inviteK"] is not None
    assert got["inviteK"] > 0
    assert got["viralCycleTimeText"]


async def test_inactive_users_are_a_minority(
    db: Database, loaded_today: tuple[Dataset, datetime]
) -> None:
    data, now = loaded_today
    start = await structure.start_job(db, inactive_days=30, now=now)
    done = await structure.run_job(db, start.job, batch=1_000, now=now)
    assert done.status == "SUCCEEDED", done
    rows = await db.read("MATCH (u:User) WHERE u.weakNodeScore IS NOT NULL RETURN count(u) AS n")
    weak = int(rows[0]["n"])
    # Weak users are inactive for 30 days and sit on some shortest path: some, not most.
    assert 0 < weak < 0.5 * len(data.users)


def test_the_invite_funnel_of_the_last_90_days_is_not_empty(
    api: Api, loaded_today: tuple[Dataset, datetime]
) -> None:
    data, now = loaded_today
    since = now - timedelta(days=90)
    # Counted from the loaded rows: the invites of the window, their invitees, those active,
    # and those who paid at or after their first activity.
    sent = {i.id for i in data.invites if since <= i.at < now}
    invitees = {u.id for u in data.users if u.invite_id in sent}
    first: dict[str, datetime] = {}
    for a in data.activities:
        if a.user_id in invitees and (a.user_id not in first or a.at < first[a.user_id]):
            first[a.user_id] = a.at
    paid = {c.user_id for c in data.conversions if c.user_id in first and c.at >= first[c.user_id]}
    got = api.data(
        "query($f: DateTime!, $t: DateTime!) { inviteFunnel(from: $f, to: $t, groupBy: SOURCE) "
        "{ steps { count medianTimeText } groups { key } } }",
        {"f": since.isoformat(), "t": now.isoformat()},
    )["inviteFunnel"]
    counts = [s["count"] for s in got["steps"]]
    assert counts == [len(sent), len(invitees), len(first), len(paid)]
    assert counts[-1] > 0
    assert all(s["medianTimeText"] for s in got["steps"][1:])
    keys = {g["key"].split(":")[0] for g in got["groups"]}
    assert keys == {"influencer", "partner", "user"}
