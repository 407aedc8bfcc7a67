"""Cohort retention from Neo4j, checked against pandas on the same rows: a generated network and
the CollegeMsg referral forest (real data), both with generated activities, by week and by
month, in every grouping, at an ``asOf`` inside the data (so some periods are incomplete or not
begun) and after it; and a hand-worked example."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

import pandas as pd
import pytest
import pytest_asyncio

from growthgraph.graph import retention
from growthgraph.graph.database import Database
from growthgraph.graph.growth import Interval
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.retention import RetentionGroupBy
from growthgraph.loading import seed
from growthgraph.loading.dataset import ActivityRow, Dataset, UserRow, load_dataset
from growthgraph.loading.seed_activity import add_activity
from growthgraph.loading.seed_events import add_events
from tests.support.collegemsg import collegemsg_dataset

NO_CAMPAIGN = "<no campaign>"  # the oracle's own key for a null group: no generated id


def _generated() -> Dataset:
    """Generated users, events and activity, one campaign's id renamed ``none`` so that grouping by
    campaign must keep it apart from the users without any campaign."""
    data = add_activity(add_events(seed.generate(users=1_500, seed=4, days=150), seed=4), seed=4)
    old = data.campaigns[0].id
    data.campaigns[0] = replace(data.campaigns[0], id="none")
    data.users = [replace(u, campaign_id="none") if u.campaign_id == old else u for u in data.users]
    data.invites = [
        replace(i, campaign_id="none") if i.campaign_id == old else i for i in data.invites
    ]
    data.costs = [
        replace(c, source_id="none") if (c.source_kind, c.source_id) == ("CAMPAIGN", old) else c
        for c in data.costs
    ]
    assert any(u.campaign_id == "none" for u in data.users)
    assert any(u.campaign_id is None for u in data.users)
    return data


DATASETS: dict[str, Callable[[], Dataset]] = {
    "generated": _generated,
    "collegemsg": lambda: add_activity(collegemsg_dataset(), seed=9),
}


@pytest_asyncio.fixture(scope="module", params=list(DATASETS))
async def loaded(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[Dataset]:
    data = DATASETS[request.param]()
    assert data.activities
    await delete_everything(db)
    await load_dataset(db, data, batch_size=2_000)
    yield data


# --- the oracle: pandas over the rows, with its own calendar and attribution ------------------


def _groups(users: list[UserRow], group_by: RetentionGroupBy) -> dict[str, str]:
    """Each user's group, walking the referrer of each row up to the root in plain Python."""
    by_id = {u.id: u for u in users}
    out: dict[str, str] = {}
    for u in users:
        if group_by is RetentionGroupBy.NONE:
            out[u.id] = "all"
            continue
        if group_by is RetentionGroupBy.ACQUISITION:
            out[u.id] = "organic" if u.referrer_id is None else "referred"
            continue
        top_user = u  # the highest user of the chain: its referrer is the root
        below = u  # the user the root referred
        while top_user.referrer_kind == "USER" and top_user.referrer_id is not None:
            below = top_user
            top_user = by_id[top_user.referrer_id]
        if top_user.referrer_kind is not None:
            below = top_user  # the chain starts at a source, which referred top_user
        if group_by is RetentionGroupBy.SOURCE:
            if u.referrer_id is None:
                out[u.id] = "organic"
            elif top_user.referrer_kind is None:
                out[u.id] = "user"
            else:
                out[u.id] = f"{top_user.referrer_kind.lower()}:{top_user.referrer_id}"
        else:
            # The referral out of the root carries the top user's campaign (load_dataset writes
            # a referral's campaign from its user's row).
            entry = below.campaign_id if u.referrer_id is not None else None
            out[u.id] = entry or u.campaign_id or NO_CAMPAIGN
    return out


def oracle(
    data: Dataset,
    *,
    start: datetime,
    end: datetime,
    interval: Interval,
    periods: int,
    group_by: RetentionGroupBy,
    as_of: datetime,
) -> dict[tuple[pd.Timestamp, str], tuple[int, dict[int, int]]]:
    """(cohort start, group) -> (size, {period: active users}) for periods begun by ``as_of``."""
    groups = _groups(data.users, group_by)
    users = pd.DataFrame(
        {
            "user": [u.id for u in data.users],
            "when": pd.to_datetime([u.signed_up_at for u in data.users], utc=True),
        }
    )
    users = users[
        (users["when"] >= start) & (users["when"] < end) & (users["when"] <= as_of)
    ].copy()
    users["group"] = users.user.map(groups)
    freq = "W-SUN" if interval is Interval.WEEK else "M"
    naive = users["when"].dt.tz_localize(None)
    users["cohort"] = naive.dt.to_period(freq).dt.start_time
    acts = pd.DataFrame(
        {
            "user": [a.user_id for a in data.activities],
            "when": pd.to_datetime([a.at for a in data.activities], utc=True),
        }
    )
    acts = acts[acts["when"] <= as_of].merge(users[["user", "cohort", "group"]], on="user")
    acts_naive = acts["when"].dt.tz_localize(None)
    if interval is Interval.WEEK:
        acts["k"] = (acts_naive.dt.to_period(freq).dt.start_time - acts.cohort).dt.days // 7
    else:
        acts["k"] = (acts_naive.dt.year - acts.cohort.dt.year) * 12 + (
            acts_naive.dt.month - acts.cohort.dt.month
        )
    acts = acts[acts.k <= periods]
    active = acts.groupby(["cohort", "group", "k"]).user.nunique()
    sizes = users.groupby(["cohort", "group"]).user.nunique()
    out: dict[tuple[pd.Timestamp, str], tuple[int, dict[int, int]]] = {}
    for key, size in sizes.items():
        cohort, group = cast("tuple[pd.Timestamp, str]", key)
        begun: dict[int, int] = {}
        for k in range(periods + 1):
            offset = (
                pd.DateOffset(weeks=k) if interval is Interval.WEEK else pd.DateOffset(months=k)
            )
            if (cohort + offset).tz_localize("UTC") <= as_of:
                begun[k] = int(active.get((cohort, group, k), 0))
        out[(cohort, group)] = (int(size), begun)
    return out


def _ours(
    report: retention.Retention,
) -> dict[tuple[pd.Timestamp, str], tuple[int, dict[int, int]]]:
    out: dict[tuple[pd.Timestamp, str], tuple[int, dict[int, int]]] = {}
    for c in report.cohorts:
        key = (
            pd.Timestamp(c.start.replace(tzinfo=None)),
            NO_CAMPAIGN if c.group is None else c.group,
        )
        out[key] = (c.size, {p.index: p.active for p in c.periods})
        for p in c.periods:
            assert math.isclose(p.share, p.active / c.size)
    return out


@pytest.mark.parametrize("interval", [Interval.WEEK, Interval.MONTH])
@pytest.mark.parametrize("group_by", list(RetentionGroupBy))
@pytest.mark.parametrize("when", [0.6, 2.0])
async def test_retention_matches_pandas(
    loaded: Dataset, db: Database, interval: Interval, group_by: RetentionGroupBy, when: float
) -> None:
    times = sorted(u.signed_up_at for u in loaded.users)
    first, last = times[0], times[-1]
    start = first + (last - first) * 0.1
    end = last + timedelta(seconds=1)
    as_of = first + (last - first) * when
    periods = 8 if interval is Interval.WEEK else 4
    report = await retention.retention(
        db, start=start, end=end, interval=interval, periods=periods, group_by=group_by,
        as_of=as_of,
    )  # fmt: skip
    expected = oracle(
        loaded, start=start, end=end, interval=interval, periods=periods, group_by=group_by,
        as_of=as_of,
    )  # fmt: skip
    assert not report.truncated
    assert _ours(report) == expected
    assert sum(size for size, _ in expected.values()) > 50
    assert any(n for _, active in expected.values() for k, n in active.items() if k > 0)
    step = pd.DateOffset(weeks=1) if interval is Interval.WEEK else pd.DateOffset(months=1)
    for c in report.cohorts:
        for p in c.periods:
            assert p.complete == (pd.Timestamp(p.start) + step <= pd.Timestamp(as_of))


async def test_a_hand_worked_cohort(clean_db: Database) -> None:
    """Week of Mon 2024-01-01: ann (organic) and bob (referred by ann) sign up; cal signs up
    the next week. ann is active in weeks 0 and 2, bob in week 1 only (twice), cal never.
    asOf Wed 2024-01-17 (week 2 of the first cohort has begun, not ended)."""
    t = datetime(2024, 1, 1, tzinfo=UTC)
    data = Dataset(
        users=[
            UserRow("ann", "Ann", "ann@example.com", t + timedelta(hours=1)),
            UserRow("bob", "Bob", "bob@example.com", t + timedelta(days=2), referrer_kind="USER",
                    referrer_id="ann"),
            UserRow("cal", "Cal", "cal@example.com", t + timedelta(days=8)),
        ],
        activities=[
            ActivityRow("ann", t + timedelta(hours=2), "login"),
            ActivityRow("ann", t + timedelta(days=15), "login"),
            ActivityRow("bob", t + timedelta(days=8), "login"),
            ActivityRow("bob", t + timedelta(days=9), "page_view"),
            ActivityRow("ann", t + timedelta(days=30), "login"),  # after asOf: not counted
        ],
    )  # fmt: skip
    await load_dataset(clean_db, data)
    as_of = datetime(2024, 1, 17, tzinfo=UTC)
    report = await retention.retention(
        clean_db, start=t, end=t + timedelta(days=14), interval=Interval.WEEK, periods=3,
        group_by=RetentionGroupBy.ACQUISITION, as_of=as_of,
    )  # fmt: skip
    got = {
        (c.start.date().isoformat(), c.group, c.size): [
            (p.index, p.active, p.share, p.complete) for p in c.periods
        ]
        for c in report.cohorts
    }
    assert got == {
        ("2024-01-01", "organic", 1): [(0, 1, 1.0, True), (1, 0, 0.0, True), (2, 1, 1.0, False)],
        ("2024-01-01", "referred", 1): [(0, 0, 0.0, True), (1, 1, 1.0, True), (2, 0, 0.0, False)],
        ("2024-01-08", "organic", 1): [(0, 0, 0.0, True), (1, 0, 0.0, False)],
    }
