"""Internal bounds, exactly at the bound and one past it.

Bounds too large to reach in a test (200,000 cascade nodes, 50,000 sign-ups a period, 200,000
reward rows, 5,000 campaign rows, 20,000 refreshed edges) are lowered with monkeypatch to the
size of a small tree, and the tree is then read with the bound equal to its size and one below.
Depth bounds that are written into the Cypher (``*1..50``, ``*1..1000``) are
reached for real on a chain of 1,000 users."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import pytest

from growthgraph.graph import cascades, counters, fraud, growth, referrals, rewards, sources
from growthgraph.graph import fraud_compute as fc
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.outcomes import Written
from growthgraph.loading.dataset import (
    CampaignRow,
    ConversionRow,
    Dataset,
    InfluencerRow,
    PartnerRow,
    UserRow,
    load_dataset,
)
from tests.support import oracle

T0 = datetime(2024, 1, 1, tzinfo=UTC)
WIDE_AT = datetime(2024, 3, 1, tzinfo=UTC)  # the wide tree signs up one day apart from here
CHAIN = 1_000  # users in the chain under partner "far": the deepest is 1,000 hops down
WIDE = 12  # users in the tree under influencer "wide": 4 children, each with 2 children


def _user(uid: str, at: datetime, kind: str | None, ref: str | None, **extra: Any) -> UserRow:
    return UserRow(
        id=uid,
        name=f"User {uid}",
        email=f"{uid}@example.com",
        signed_up_at=at,
        referrer_kind=kind,  # type: ignore[arg-type]
        referrer_id=ref,
        **extra,
    )


def chain_id(depth: int) -> str:
    return f"a{depth:04d}"


def shapes() -> Dataset:
    """A chain of 1,000 users under partner "far" (one minute apart) and a tree of 12 users
    under influencer "wide" (one day apart, each in campaign "cw")."""
    data = Dataset(
        influencers=[InfluencerRow("wide", "@wide", "tiktok", 10, 0.1)],
        partners=[PartnerRow("far", "Far Away", "affiliate")],
        campaigns=[CampaignRow("cw", "Wide")],
    )
    data.users.append(_user(chain_id(1), T0, "PARTNER", "far"))
    for depth in range(2, CHAIN + 1):
        at = T0 + timedelta(minutes=depth)
        data.users.append(_user(chain_id(depth), at, "USER", chain_id(depth - 1)))
    day = 0
    for i in range(1, 5):
        data.users.append(
            _user(f"w{i}", WIDE_AT + timedelta(days=day), "INFLUENCER", "wide", campaign_id="cw")
        )
        day += 1
    for i in range(1, 5):
        for leaf in "ab":
            at = WIDE_AT + timedelta(days=day)
            data.users.append(_user(f"w{i}{leaf}", at, "USER", f"w{i}", campaign_id="cw"))
            day += 1
    assert day == WIDE
    return data


@pytest.fixture(scope="module")
async def shaped(db: Database) -> Database:
    await delete_everything(db)
    await load_dataset(db, shapes(), batch_size=2_000)
    return db


def _wide_tree() -> nx.Graph[oracle.Node]:
    """The tree under influencer "wide", root included, undirected."""
    graph = oracle.referral_graph(shapes())
    root = ("Influencer", "wide")
    return graph.subgraph(nx.descendants(graph, root) | {root}).to_undirected()


# --- depth bounds written into the Cypher, reached on the chain --------------------------------


async def test_a_cascade_is_followed_to_exactly_the_deepest_allowed_level(shaped: Database) -> None:
    top = referrals.MAX_CASCADE_DEPTH
    found = await referrals.cascade(shaped, Kind.PARTNER, "far", max_depth=top)
    assert found is not None
    assert [(lv.depth, lv.sign_ups) for lv in found.levels] == [(d, 1) for d in range(1, top + 1)]
    assert (found.total, found.depth) == (top, top)
    with pytest.raises(ValueError, match="max_depth"):
        await referrals.cascade(shaped, Kind.PARTNER, "far", max_depth=top + 1)


async def test_the_structure_is_read_to_exactly_the_deepest_allowed_level(
    shaped: Database,
) -> None:
    top = cascades.MAX_DEPTH
    found = await cascades.cascade_stats(shaped, Kind.PARTNER, "far", max_depth=top)
    assert found is not None
    assert (found.size, found.depth, found.truncated) == (top, top, False)
    assert found.breadth == (1,) * top
    # A chain of n nodes scores (n + 1) / 3 (docs/metrics.md).
    assert found.structural_virality == pytest.approx((top + 2) / 3)
    with pytest.raises(ValueError, match="max_depth"):
        await cascades.cascade_stats(shaped, Kind.PARTNER, "far", max_depth=top + 1)


async def test_the_last_generation_sees_the_one_below_it(shaped: Database) -> None:
    last = cascades.MAX_GENERATIONS
    found = await cascades.generations(shaped, Kind.PARTNER, "far", max_generation=last)
    assert found is not None
    assert [(g.generation, g.size, g.k) for g in found] == [(g, 1, 1.0) for g in range(last + 1)]
    with pytest.raises(ValueError, match="max_generation"):
        await cascades.generations(shaped, Kind.PARTNER, "far", max_generation=last + 1)


async def test_source_performance_counts_to_exactly_the_deepest_allowed_level(
    shaped: Database,
) -> None:
    top = sources.MAX_DEPTH
    rows = await sources.source_performance(
        shaped,
        Kind.PARTNER,
        start=T0,
        end=T0 + timedelta(days=30),
        max_depth=top,
        sort=sources.SourceSort.DOWNLINE_SIGN_UPS,
        limit=sources.MAX_LIMIT,
    )
    far = next(r for r in rows if r.source.id == "far")
    assert far.downline_sign_ups == top
    assert [d.depth for d in far.by_depth] == list(range(1, top + 1))


async def test_fraud_signals_read_to_exactly_the_deepest_allowed_level(shaped: Database) -> None:
    report = await _fraud(shaped, Kind.PARTNER, "far", max_depth=fraud.MAX_DEPTH)
    assert report is not None
    assert (report.downline, report.truncated) == (fraud.MAX_DEPTH, False)
    with pytest.raises(ValueError, match="max_depth"):
        await _fraud(shaped, Kind.PARTNER, "far", max_depth=fraud.MAX_DEPTH + 1)


async def test_attribution_reaches_a_root_exactly_the_most_hops_up(shaped: Database) -> None:
    assert referrals.MAX_ATTRIBUTION_HOPS == CHAIN
    chain = await referrals.attribution_path(shaped, chain_id(CHAIN))
    assert chain is not None
    got = [(r.kind.value, r.id) for r in chain]
    assert len(got) == CHAIN
    assert got[0] == ("User", chain_id(CHAIN - 1))
    assert got[-1] == ("Partner", "far")


async def test_the_largest_cascades_count_members_exactly_the_most_hops_down(
    shaped: Database,
) -> None:
    # Members and size both follow the cascade down to `maxDepth` levels, never the root.
    top = cascades.MAX_DEPTH
    found = await cascades.largest_cascades(
        shaped,
        start=T0,
        end=WIDE_AT + timedelta(days=60),
        limit=cascades.MAX_LARGEST,
        max_depth=top,
    )
    far = next(c for c in found if c.root.id == "far")
    assert (far.sign_ups, far.size) == (top, top)
    wide = next(c for c in found if c.root.id == "wide")
    assert (wide.sign_ups, wide.size) == (WIDE, WIDE)
    three = await cascades.largest_cascades(
        shaped, start=T0, end=WIDE_AT + timedelta(days=60), limit=cascades.MAX_LARGEST, max_depth=3
    )
    assert [(c.root.id, c.sign_ups, c.size) for c in three] == [("wide", WIDE, WIDE), ("far", 3, 3)]
    with pytest.raises(ValueError, match="max_depth"):
        await cascades.largest_cascades(shaped, start=T0, end=T0, limit=1, max_depth=top + 1)


async def test_degree_five_counts_exactly_five_hops(shaped: Database) -> None:
    degree = referrals.MAX_DEGREE
    for use_counters in (True, False):
        got = await referrals.top_referrers(
            shaped,
            degree=degree,
            limit=3,
            since=None,
            until=None,
            kinds=[Kind.PARTNER, Kind.INFLUENCER],
            use_counters=use_counters,
        )
        # far has one user exactly five hops down; wide's tree is two levels deep.
        assert [(r.referrer.id, r.sign_ups) for r in got] == [("far", 1)], use_counters


# --- size bounds, lowered to the size of the wide tree -----------------------------------------


async def test_a_cascade_of_exactly_max_nodes_is_whole(
    shaped: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cascades, "MAX_NODES", WIDE)
    found = await cascades.cascade_stats(shaped, Kind.INFLUENCER, "wide", max_depth=50)
    assert found is not None
    assert (found.size, found.depth, found.breadth, found.truncated) == (WIDE, 2, (4, 8), False)
    assert found.structural_virality == pytest.approx(nx.average_shortest_path_length(_wide_tree()))


async def test_a_cascade_one_past_max_nodes_is_truncated_to_the_shallowest(
    shaped: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cascades, "MAX_NODES", WIDE - 1)
    found = await cascades.cascade_stats(shaped, Kind.INFLUENCER, "wide", max_depth=50)
    assert found is not None
    assert (found.size, found.depth, found.breadth) == (WIDE - 1, 2, (4, 7))
    assert (found.truncated, found.structural_virality) == (True, None)


async def test_fraud_reads_exactly_max_users_whole(shaped: Database) -> None:
    report = await _fraud(shaped, Kind.INFLUENCER, "wide", max_users=WIDE)
    assert report is not None
    assert (report.downline, report.truncated) == (WIDE, False)
    cut = await _fraud(shaped, Kind.INFLUENCER, "wide", max_users=WIDE - 1)
    assert cut is not None
    assert (cut.downline, cut.truncated) == (WIDE - 1, True)
    # The earliest sign-ups are kept: the last one to sign up is the one left out.
    assert set(report.users) - set(cut.users) == {"w4b"}
    # The largest allowed number is accepted, one more is not.
    assert await _fraud(shaped, Kind.INFLUENCER, "wide", max_users=fraud.MAX_USERS) is not None
    with pytest.raises(ValueError, match="max_users"):
        await _fraud(shaped, Kind.INFLUENCER, "wide", max_users=fraud.MAX_USERS + 1)


async def test_a_period_of_exactly_max_sign_ups_is_read(
    shaped: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    since, until = WIDE_AT, WIDE_AT + timedelta(days=WIDE)
    monkeypatch.setattr(fraud, "MAX_PERIOD_SIGN_UPS", WIDE)
    found = await fraud.bursts_in_period(
        shaped, since=since, until=until, window=timedelta(days=2), min_sign_ups=2
    )
    assert len(found.users) == WIDE
    monkeypatch.setattr(fraud, "MAX_PERIOD_SIGN_UPS", WIDE - 1)
    with pytest.raises(fraud.TooManySignUpsError):
        await fraud.bursts_in_period(
            shaped, since=since, until=until, window=timedelta(days=2), min_sign_ups=2
        )


async def test_a_period_of_exactly_max_period_is_read(shaped: Database) -> None:
    since = WIDE_AT
    found = await fraud.bursts_in_period(
        shaped,
        since=since,
        until=since + fraud.MAX_PERIOD,
        window=timedelta(days=2),
        min_sign_ups=2,
    )
    assert len(found.users) == WIDE
    with pytest.raises(ValueError, match="31 days"):
        await fraud.bursts_in_period(
            shaped,
            since=since,
            until=since + fraud.MAX_PERIOD + timedelta(microseconds=1),
            window=timedelta(days=2),
            min_sign_ups=2,
        )


async def test_exactly_max_campaign_rows_are_whole(
    shaped: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = WIDE_AT, WIDE_AT + timedelta(days=WIDE)
    monkeypatch.setattr(growth, "MAX_CAMPAIGN_ROWS", WIDE)
    whole = await growth.growth(shaped, start=start, end=end, interval=growth.Interval.DAY)
    assert (len(whole.by_campaign), whole.campaigns_truncated) == (WIDE, False)
    assert {c.campaign_id for c in whole.by_campaign} == {"cw"}
    monkeypatch.setattr(growth, "MAX_CAMPAIGN_ROWS", WIDE - 1)
    cut = await growth.growth(shaped, start=start, end=end, interval=growth.Interval.DAY)
    assert (len(cut.by_campaign), cut.campaigns_truncated) == (WIDE - 1, True)
    assert cut.by_campaign == whole.by_campaign[: WIDE - 1]


async def test_a_window_of_exactly_max_buckets_is_answered(shaped: Database) -> None:
    start = WIDE_AT
    end = start + timedelta(days=growth.MAX_BUCKETS)
    found = await growth.growth(shaped, start=start, end=end, interval=growth.Interval.DAY)
    assert len(found.buckets) == growth.MAX_BUCKETS
    assert found.whole.total == WIDE
    with pytest.raises(growth.TooManyBucketsError):
        await growth.growth(
            shaped, start=start, end=end + timedelta(days=1), interval=growth.Interval.DAY
        )


async def test_a_reward_run_of_exactly_max_rows_is_made(
    shaped: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One conversion per user of the wide tree: with one level, one row per conversion.
    conversions = [
        ConversionRow(f"cv-{u.id}", u.id, u.signed_up_at + timedelta(hours=1), 1_000)
        for u in shapes().users
        if u.id.startswith("w")
    ]
    await load_dataset(shaped, Dataset(conversions=conversions))
    for rule in ("exact", "over"):
        made = await rewards.create_rule(
            shaped,
            id=rule,
            name=rule,
            levels=(rewards.Level(share_bps=1_000, fixed_cents=0),),
            referee_cents=0,
            cap_cents=None,
        )
        assert isinstance(made, Written)
    start, end, now = WIDE_AT, WIDE_AT + timedelta(days=31), WIDE_AT + timedelta(days=40)
    monkeypatch.setattr(rewards, "MAX_RUN_ROWS", WIDE)
    run = await rewards.run_rewards(shaped, rule_id="exact", start=start, end=end, at=now)
    assert isinstance(run, Written)
    assert run.record.rewards == WIDE
    monkeypatch.setattr(rewards, "MAX_RUN_ROWS", WIDE - 1)
    refused = await rewards.run_rewards(shaped, rule_id="over", start=start, end=end, at=now)
    assert refused == rewards.PeriodTooLarge(WIDE - 1)


@pytest.mark.parametrize("new_edges", [3, 4], ids=["at-the-bound", "one-past"])
async def test_counters_are_refreshed_up_to_the_bound_and_rebuilt_past_it(
    shaped: Database, monkeypatch: pytest.MonkeyPatch, new_edges: int
) -> None:
    # A tree of its own (influencer ctr<n> -> 4 users), so the shapes above stay as they are.
    top = f"ctr{new_edges}"
    kids = [f"{top}-{i}" for i in range(4)]
    await load_dataset(
        shaped,
        Dataset(
            influencers=[InfluencerRow(top, f"@{top}", "tiktok", 1, 0.1)],
            users=[_user(kid, WIDE_AT, "INFLUENCER", top) for kid in kids],
        ),
    )
    # New users under the first `new_edges` of them, written without maintaining the counters.
    parents = kids[:new_edges]
    await shaped.write(
        "UNWIND $ids AS id MATCH (p:User {id: id}) "
        "CREATE (p)-[:REFERRED {at: datetime('2024-06-01T00:00:00Z')}]->"
        "(:User {id: id + '-new', name: 'n', email: 'n@example.com', "
        "signedUpAt: datetime('2024-06-01T00:00:00Z')})",
        {"ids": parents},
    )
    assert (await counters.check(shaped)).differing > 0
    calls: list[str] = []

    def spy(name: str, real: Callable[..., Awaitable[object]]) -> Callable[..., Awaitable[object]]:
        async def called(*args: Any, **kwargs: Any) -> object:
            calls.append(name)
            return await real(*args, **kwargs)

        return called

    monkeypatch.setattr(counters, "REFRESH_AT_MOST", 3)
    monkeypatch.setattr(counters, "refresh", spy("refresh", counters.refresh))
    monkeypatch.setattr(counters, "rebuild", spy("rebuild", counters.rebuild))
    await counters.keep_exact(shaped, [f"{parent}-new" for parent in parents])
    assert calls == (["refresh"] if new_edges <= 3 else ["rebuild"])
    assert (await counters.check(shaped)).differing == 0


async def _fraud(
    db: Database, kind: Kind, root: str, *, max_depth: int = 50, max_users: int = 20_000
) -> fraud.FraudReport | None:
    return await fraud.fraud_signals(
        db,
        kind,
        root,
        max_depth=max_depth,
        max_users=max_users,
        window=timedelta(hours=1),
        min_sign_ups=5,
        cap=50,
        period=fc.Period.DAY,
    )
