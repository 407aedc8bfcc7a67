"""Properties of the demo network generator; no database involved."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import networkx as nx
import pytest

from growthgraph.loading.dataset import PARTNER_KINDS, Dataset
from growthgraph.loading.seed import DEFAULT_START, generate

USERS = 10_000
DAYS = 365
PLATFORMS = {"instagram", "tiktok", "youtube", "twitch", "x"}
CHANNELS = {"link", "email", "sms", "social", "in-app", "qr"}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(users=USERS, seed=11)


@pytest.fixture(scope="module")
def user_referral_counts(dataset: Dataset) -> list[int]:
    """Direct USER referrals made by each user, zeros included."""
    made = Counter(u.referrer_id for u in dataset.users if u.referrer_kind == "USER")
    return [made[u.id] for u in dataset.users]


def test_same_seed_gives_an_identical_dataset() -> None:
    assert generate(users=2_000, seed=3) == generate(users=2_000, seed=3)


def test_different_seeds_give_different_datasets() -> None:
    assert generate(users=2_000, seed=3) != generate(users=2_000, seed=4)


def test_counts_scale_with_users(dataset: Dataset) -> None:
    assert len(dataset.users) == USERS
    assert len(dataset.influencers) == USERS // 500
    assert len(dataset.partners) == USERS // 1000
    assert len(dataset.campaigns) == 12


def test_small_networks_keep_a_minimum_of_sources() -> None:
    small = generate(users=100)
    assert (len(small.users), len(small.influencers), len(small.partners)) == (100, 3, 3)


def test_zero_users_is_allowed() -> None:
    assert generate(users=0).users == []


def test_negative_users_are_refused() -> None:
    with pytest.raises(ValueError, match="users must be"):
        generate(users=-1)


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="days must be"):
        generate(users=10, days=0)


def test_a_naive_start_is_refused() -> None:
    naive = datetime(2024, 1, 1)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(users=10, start=naive)


def test_sign_ups_are_utc_and_inside_the_window(dataset: Dataset) -> None:
    end = DEFAULT_START + timedelta(days=DAYS)
    assert all(u.signed_up_at.utcoffset() == timedelta(0) for u in dataset.users)
    assert all(DEFAULT_START <= u.signed_up_at < end for u in dataset.users)


def test_a_custom_start_is_converted_to_utc() -> None:
    start = datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    users = generate(users=500, start=start, days=30).users
    assert users[0].signed_up_at >= start
    assert users[-1].signed_up_at < start + timedelta(days=30)
    assert all(u.signed_up_at.tzinfo is UTC for u in users)


def test_sign_ups_are_strictly_increasing(dataset: Dataset) -> None:
    times = [u.signed_up_at for u in dataset.users]
    assert all(earlier < later for earlier, later in pairwise(times))


def test_every_user_referrer_precedes_and_signed_up_strictly_earlier(dataset: Dataset) -> None:
    position = {u.id: i for i, u in enumerate(dataset.users)}
    for i, user in enumerate(dataset.users):
        if user.referrer_kind == "USER":
            assert user.referrer_id is not None
            referrer = dataset.users[position[user.referrer_id]]
            assert position[user.referrer_id] < i
            assert referrer.signed_up_at < user.signed_up_at


def test_referrers_exist_with_the_right_kind(dataset: Dataset) -> None:
    known = {
        "USER": {u.id for u in dataset.users},
        "INFLUENCER": {i.id for i in dataset.influencers},
        "PARTNER": {p.id for p in dataset.partners},
    }
    for user in dataset.users:
        if user.referrer_kind is None:
            assert (user.referrer_id, user.channel, user.campaign_id) == (None, None, None)
        else:
            assert user.referrer_id in known[user.referrer_kind]
            assert user.channel is not None


def test_campaign_ids_exist_and_sources_mostly_carry_one(dataset: Dataset) -> None:
    campaigns = {c.id for c in dataset.campaigns}
    assert {u.campaign_id for u in dataset.users} - {None} <= campaigns
    for kind in ("INFLUENCER", "PARTNER"):
        referred = [u for u in dataset.users if u.referrer_kind == kind]
        assert sum(u.campaign_id is not None for u in referred) > 0.7 * len(referred)


def test_campaigns_have_utm_fields(dataset: Dataset) -> None:
    assert [c.id for c in dataset.campaigns] == [f"cmp-{n}" for n in range(1, 13)]
    assert all(c.utm_source and c.utm_medium and c.utm_campaign for c in dataset.campaigns)
    assert "summer-creators" in {c.utm_campaign for c in dataset.campaigns}
    assert len({c.utm_campaign for c in dataset.campaigns}) == len(dataset.campaigns)


def test_ids_and_emails_are_unique_and_well_formed(dataset: Dataset) -> None:
    users = dataset.users
    assert [u.id for u in users[:2]] == ["u-000001", "u-000002"]
    assert len({u.id for u in users}) == len({u.email for u in users}) == USERS
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.com", u.email) for u in users)
    assert [i.id for i in dataset.influencers[:2]] == ["inf-1", "inf-2"]
    assert [p.id for p in dataset.partners[:2]] == ["ptn-1", "ptn-2"]
    assert len({i.handle for i in dataset.influencers}) == len(dataset.influencers)
    assert len({p.name for p in dataset.partners}) == len(dataset.partners)


def test_user_attributes_are_plausible(dataset: Dataset) -> None:
    assert {u.plan for u in dataset.users} == {"free", "pro", "team"}
    assert all(u.country is not None and re.fullmatch("[A-Z]{2}", u.country) for u in dataset.users)
    assert len({u.country for u in dataset.users}) >= 15
    assert {u.channel for u in dataset.users} - {None} <= CHANNELS


def test_organic_share_is_about_thirty_percent(dataset: Dataset) -> None:
    organic = sum(u.referrer_kind is None for u in dataset.users) / USERS
    assert 0.27 <= organic <= 0.33


def test_most_referrals_come_from_users(dataset: Dataset) -> None:
    kinds = Counter(u.referrer_kind for u in dataset.users if u.referrer_kind is not None)
    assert kinds["USER"] > kinds["INFLUENCER"] > kinds["PARTNER"] > 0


def test_the_referral_graph_is_a_forest(dataset: Dataset) -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(u.id for u in dataset.users)
    graph.add_edges_from(
        (f"{u.referrer_kind}:{u.referrer_id}", u.id)
        for u in dataset.users
        if u.referrer_kind is not None
    )
    assert nx.is_forest(graph)
    assert nx.is_branching(graph)  # at most one referrer each, edges pointing away from roots


def test_user_referrals_are_heavy_tailed(user_referral_counts: list[int]) -> None:
    active = [count for count in user_referral_counts if count > 0]
    assert statistics.median(user_referral_counts) == 0
    assert max(active) >= 20 * statistics.median(active)


def test_big_influencers_bring_more_users(dataset: Dataset) -> None:
    referred = Counter(u.referrer_id for u in dataset.users if u.referrer_kind == "INFLUENCER")
    ranked = sorted(dataset.influencers, key=lambda i: i.followers * i.engagement_rate)
    half = len(ranked) // 2
    assert sum(referred[i.id] for i in ranked[half:]) > 3 * sum(
        referred[i.id] for i in ranked[:half]
    )


def test_influencers_are_plausible(dataset: Dataset) -> None:
    followers = [i.followers for i in dataset.influencers]
    assert all(0 < i.engagement_rate <= 0.2 for i in dataset.influencers)
    assert {i.platform for i in dataset.influencers} <= PLATFORMS
    assert max(followers) >= 10 * statistics.median(followers)


def test_partners_span_every_kind(dataset: Dataset) -> None:
    assert {p.kind for p in dataset.partners} == set(PARTNER_KINDS)


def test_sign_ups_grow_over_the_window(dataset: Dataset) -> None:
    midpoint = DEFAULT_START + timedelta(days=DAYS / 2)
    first_half = sum(u.signed_up_at < midpoint for u in dataset.users)
    assert USERS - first_half > 1.5 * first_half


def test_weekdays_bring_more_sign_ups_than_weekends(dataset: Dataset) -> None:
    per_weekday = Counter(u.signed_up_at.weekday() for u in dataset.users)
    weekday_mean = sum(per_weekday[d] for d in range(5)) / 5
    weekend_mean = (per_weekday[5] + per_weekday[6]) / 2
    assert weekday_mean > 1.15 * weekend_mean


def test_referees_often_share_their_referrers_country(dataset: Dataset) -> None:
    country = {u.id: u.country for u in dataset.users}
    referred = [u for u in dataset.users if u.referrer_kind == "USER" and u.referrer_id]
    same = sum(country[u.referrer_id] == u.country for u in referred if u.referrer_id)
    assert same > 0.5 * len(referred)
