"""The invite funnel from Neo4j, checked against pandas on the same rows: a generated network
(influencers, partners, campaigns) and the CollegeMsg referral forest (real data), both with
generated invites, activities and conversions, in every grouping, at an ``asOf`` inside the data
(invites accepted, activities and conversions after it do not count yet) and after it."""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
import pytest
import pytest_asyncio

from growthgraph.graph import funnel
from growthgraph.graph.database import Database
from growthgraph.graph.funnel import FunnelGroupBy, FunnelStepName
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import seed
from growthgraph.loading.dataset import Dataset, UserRow, load_dataset
from growthgraph.loading.seed_activity import add_activity
from growthgraph.loading.seed_events import add_events
from tests.support.collegemsg import collegemsg_dataset


def _collegemsg() -> Dataset:
    """CollegeMsg's forest with generated invites (some with a campaign, one of them called
    ``none``, which grouping by campaign keeps apart from the invites without one), activities
    and conversions."""
    data = add_activity(add_events(collegemsg_dataset(), seed=9), seed=9)
    rng = random.Random(3)
    data.invites = [
        replace(i, campaign_id=rng.choice((None, "spring", "none"))) for i in data.invites
    ]
    return data


DATASETS: dict[str, Callable[[], Dataset]] = {
    "generated": lambda: add_activity(
        add_events(seed.generate(users=1_500, seed=4, days=150), seed=4), seed=4
    ),
    "collegemsg": _collegemsg,
}


@pytest_asyncio.fixture(scope="module", params=list(DATASETS))
async def loaded(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[Dataset]:
    data = DATASETS[request.param]()
    assert data.invites
    assert data.activities
    assert data.conversions
    await delete_everything(db)
    await load_dataset(db, data, batch_size=2_000)
    yield data


# --- the oracle: pandas over the rows, with its own walk of the referral rows -----------------

Figures = tuple[tuple[int, float | None], ...]  # per step: (count, median seconds)
Key = tuple[str | None, ...]  # (): the whole funnel; (group,): one group (None: no campaign)


def _source(kind: str, sender: str, users: dict[str, UserRow]) -> str:
    """The root an invitee of ``sender`` is attributed to, walking the user rows upwards."""
    if kind != "USER":
        return f"{kind.lower()}:{sender}"
    top = users[sender]
    while top.referrer_kind == "USER" and top.referrer_id is not None:
        top = users[top.referrer_id]
    if top.referrer_kind is None or top.referrer_id is None:
        return "user"
    return f"{top.referrer_kind.lower()}:{top.referrer_id}"


def oracle(
    data: Dataset, *, start: datetime, end: datetime, group_by: FunnelGroupBy, as_of: datetime
) -> dict[Key, Figures]:
    """``()`` (every invite) or ``(group key,)`` (None: no campaign) -> per step (count, median
    seconds from the step before)."""
    users = {u.id: u for u in data.users}
    invites = pd.DataFrame(
        {
            "invite": [i.id for i in data.invites],
            "kind": [i.referrer_kind for i in data.invites],
            "sender": [i.referrer_id for i in data.invites],
            "campaign": [i.campaign_id for i in data.invites],
            "sent": pd.to_datetime([i.at for i in data.invites], utc=True),
        }
    )
    invites = invites[
        (invites.sent >= start) & (invites.sent < end) & (invites.sent <= as_of)
    ].copy()
    if group_by is FunnelGroupBy.SOURCE:
        invites["group"] = [
            _source(k, s, users) for k, s in zip(invites.kind, invites.sender, strict=True)
        ]
    elif group_by is FunnelGroupBy.CAMPAIGN:
        invites["group"] = invites.campaign
    elif group_by is FunnelGroupBy.SENDER_KIND:
        invites["group"] = invites.kind.str.lower()
    accepted = pd.DataFrame(
        {
            "invite": [u.invite_id for u in data.users if u.invite_id],
            "user": [u.id for u in data.users if u.invite_id],
            "joined": pd.to_datetime([u.signed_up_at for u in data.users if u.invite_id], utc=True),
        }
    )
    accepted = accepted[accepted.joined <= as_of]
    acts = pd.DataFrame(
        {
            "user": [a.user_id for a in data.activities],
            "at": pd.to_datetime([a.at for a in data.activities], utc=True),
        }
    )
    first = acts[acts["at"] <= as_of].groupby("user")["at"].min().rename("active")
    pays = pd.DataFrame(
        {
            "user": [c.user_id for c in data.conversions],
            "at": pd.to_datetime([c.at for c in data.conversions], utc=True),
        }
    ).merge(first, left_on="user", right_index=True)
    pays = pays[(pays["at"] >= pays.active) & (pays["at"] <= as_of)]
    paid = pays.groupby("user")["at"].min().rename("paid")
    rows = (
        invites.merge(accepted, on="invite", how="left")
        .merge(first, left_on="user", right_index=True, how="left")
        .merge(paid, left_on="user", right_index=True, how="left")
    )
    rows["toSignUp"] = (rows.joined - rows.sent).dt.total_seconds()
    rows["toActive"] = (rows.active - rows.joined).dt.total_seconds()
    rows["toPaid"] = (rows.paid - rows.active).dt.total_seconds()

    def figures(part: pd.DataFrame) -> Figures:
        def median(column: str) -> float | None:
            values = part[column].dropna()
            return None if values.empty else float(values.median())

        return (
            (len(part), None),
            (int(part.joined.notna().sum()), median("toSignUp")),
            (int(part.active.notna().sum()), median("toActive")),
            (int(part.paid.notna().sum()), median("toPaid")),
        )

    out: dict[Key, Figures] = {(): figures(rows)}
    if group_by is not FunnelGroupBy.NONE:
        for key, part in rows.groupby("group", dropna=False):
            out[(None if pd.isna(key) else str(key),)] = figures(part)
    return out


def _figures(steps: tuple[funnel.FunnelStep, ...]) -> Figures:
    assert [s.step for s in steps] == list(FunnelStepName)
    invited = steps[0].count
    for before, step in zip((None, *steps), steps, strict=False):
        previous = None if before is None else before.count
        assert step.drop_off == (0 if previous is None else previous - step.count) >= 0
        if previous:
            assert step.share_of_previous is not None
            assert math.isclose(step.share_of_previous, step.count / previous)
        else:
            assert step.share_of_previous is None
        assert step.share_of_invited == (step.count / invited if invited else None)
    return tuple((s.count, s.median_seconds) for s in steps)


def _close(ours: Figures, theirs: Figures) -> bool:
    return all(
        a == b
        and (m == n or (m is not None and n is not None and math.isclose(m, n, abs_tol=1e-3)))
        for (a, m), (b, n) in zip(ours, theirs, strict=True)
    )


@pytest.mark.parametrize("group_by", list(FunnelGroupBy))
@pytest.mark.parametrize("when", [0.7, 2.0])
async def test_funnel_matches_pandas(
    loaded: Dataset, db: Database, group_by: FunnelGroupBy, when: float
) -> None:
    times = sorted(i.at for i in loaded.invites)
    first, last = times[0], times[-1]
    start = first + (last - first) * 0.1
    end = last + timedelta(seconds=1)
    as_of = first + (last - first) * when
    report = await funnel.funnel(
        db, start=start, end=end, group_by=group_by, as_of=as_of, limit=funnel.MAX_GROUPS
    )
    expected = oracle(loaded, start=start, end=end, group_by=group_by, as_of=as_of)
    assert not report.truncated
    assert report.as_of == as_of
    ours: dict[Key, Figures] = {(): _figures(report.steps)}
    ours |= {(g.key,): _figures(g.steps) for g in report.groups}
    assert ours.keys() == expected.keys()
    for key, figures in expected.items():
        assert _close(ours[key], figures), (key, ours[key], figures)
    # Most invites first, ties by key (a null key last).
    order = [(-g.steps[0].count, g.key is None, g.key or "") for g in report.groups]
    assert order == sorted(order)
    # The data exercises every step.
    whole = expected[()]
    assert whole[0][0] > 100
    assert all(count > 0 for count, _ in whole)


def test_the_data_holds_conversions_before_a_first_activity(loaded: Dataset) -> None:
    """Some invited users paid before their first activity, so the comparison above would fail
    if the funnel counted a conversion that came before the first activity."""
    first_activity: dict[str, datetime] = {}
    for a in loaded.activities:
        if a.user_id not in first_activity or a.at < first_activity[a.user_id]:
            first_activity[a.user_id] = a.at
    invited = {u.id for u in loaded.users if u.invite_id}
    early = {
        c.user_id
        for c in loaded.conversions
        if c.user_id in invited and c.user_id in first_activity
        and c.at < first_activity[c.user_id]
    }  # fmt: skip
    assert early, "some invited users paid before their first activity"


async def test_a_few_groups_then_truncated(loaded: Dataset, db: Database) -> None:
    times = sorted(i.at for i in loaded.invites)
    start, end = times[0], times[-1] + timedelta(seconds=1)
    full = await funnel.funnel(
        db, start=start, end=end, group_by=FunnelGroupBy.CAMPAIGN, as_of=end, limit=500
    )
    assert len(full.groups) > 2
    cut = await funnel.funnel(
        db, start=start, end=end, group_by=FunnelGroupBy.CAMPAIGN, as_of=end, limit=2
    )
    assert cut.truncated
    assert not full.truncated
    assert cut.groups == full.groups[:2]
    assert cut.steps == full.steps


async def test_no_invites_in_the_window(loaded: Dataset, db: Database) -> None:
    start = min(i.at for i in loaded.invites) - timedelta(days=30)
    report = await funnel.funnel(
        db, start=start, end=start + timedelta(days=1), group_by=FunnelGroupBy.SOURCE,
        as_of=start + timedelta(days=400),
    )  # fmt: skip
    assert report.groups == ()
    assert [(s.count, s.median_seconds, s.share_of_previous) for s in report.steps] == [
        (0, None, None)
    ] * 4
