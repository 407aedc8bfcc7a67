"""A deterministic, realistic demo referral network.

``generate`` is pure and does no I/O: every draw comes from one ``random.Random(seed)``, so a seed
names a dataset and the CLI, tests and benchmarks all see the same network for the same arguments.

What makes it look like a real referral programme:

- influencers have a heavy-tailed audience (lognormal followers) and engagement that falls as the
  audience grows; partners span the five partner kinds;
- sign-ups grow over the window (the last day has about four times the first day's sign-ups) and
  follow weekly and daily rhythms;
- about 30% of users are organic; most referred users were invited by an earlier user chosen by
  preferential attachment (probability proportional to 1 + referrals so far), so a few users become
  hubs; the rest came through an influencer or partner, weighted by reach;
- influencer and partner referrals usually carry the campaign that matches their platform or kind.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from growthgraph.graph.labels import ReferrerKindName
from growthgraph.loading import seed_tables as tables
from growthgraph.loading.dataset import (
    PARTNER_KINDS,
    CampaignRow,
    Dataset,
    InfluencerRow,
    PartnerKindName,
    PartnerRow,
    UserRow,
)
from growthgraph.loading.rows import gc_paused
from growthgraph.loading.seed_social import add_social

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["DEFAULT_START", "generate"]

# A fixed default keeps ``generate`` deterministic: "now" would change the data on every run.
DEFAULT_START = datetime(2024, 1, 1, tzinfo=UTC)

_T = TypeVar("_T")

_ORGANIC_SHARE = 0.30
# Split of referred users by source kind; users dominate, as in most referral programmes.
_REFERRER_KIND_WEIGHTS: tuple[tuple[ReferrerKindName, float], ...] = (
    ("USER", 0.72),
    ("INFLUENCER", 0.18),
    ("PARTNER", 0.10),
)
_INFLUENCER_CAMPAIGN_SHARE = 0.85
_PARTNER_CAMPAIGN_SHARE = 0.90
_USER_CAMPAIGN_SHARE = 0.20
# Friends tend to live in the same country, so referees often share their referrer's.
_SAME_COUNTRY_SHARE = 0.60
_GROWTH = 4.0  # sign-ups per hour at the end of the window relative to its start


class _Weighted(Generic[_T]):
    """Weighted choice with one uniform draw and a bisect.

    ``random.choices`` rebuilds its cumulative weights on every call, which dominates at a million
    draws; this precomputes them once.
    """

    __slots__ = ("_cum", "_items", "_last", "_total")

    def __init__(self, pairs: Sequence[tuple[_T, float]]) -> None:
        self._items = [item for item, _ in pairs]
        self._cum = list(accumulate(weight for _, weight in pairs))
        self._total = self._cum[-1]
        self._last = len(self._cum) - 1

    def pick(self, rng: random.Random) -> _T:
        # Searching all but the last bound keeps the index valid even if random() * total rounds
        # up to total itself.
        return self._items[bisect_right(self._cum, rng.random() * self._total, 0, self._last)]


@dataclass(frozen=True, slots=True)
class _Campaigns:
    rows: list[CampaignRow]
    by_platform: dict[str, str]
    by_partner_kind: dict[PartnerKindName, str]
    for_users: _Weighted[str]


class _Source(NamedTuple):
    """An influencer or partner as a referral source: who, and which campaign it runs."""

    id: str
    campaign_id: str


class _Referral(NamedTuple):
    kind: ReferrerKindName | None
    referrer_id: str | None
    channel: str | None
    campaign_id: str | None
    referrer_index: int  # the referring user's position, or -1 for an influencer, partner or none


_ORGANIC = _Referral(None, None, None, None, -1)


@dataclass(frozen=True, slots=True)
class _Sources:
    """Everything the per-user loop draws from, prepared once."""

    kinds: _Weighted[ReferrerKindName]
    influencers: _Weighted[_Source]
    partners: _Weighted[_Source]
    channels: dict[ReferrerKindName, _Weighted[str]]
    user_campaigns: _Weighted[str]
    countries: _Weighted[str]
    plans: _Weighted[str]
    names: list[tuple[str, str]]  # (display name, e-mail local part without the number)


def generate(
    *, users: int, seed: int = 7, start: datetime | None = None, days: int = 365
) -> Dataset:
    """Build a demo network of ``users`` users signing up over ``days`` days from ``start`` (UTC).

    Users come out in sign-up order with strictly increasing ``signed_up_at``, so every referrer
    precedes, and signed up strictly before, the users it referred. Raises ``ValueError`` for a
    negative ``users``, a non-positive ``days`` or a naive ``start``.
    """
    origin = _validated_start(users=users, start=start, days=days)
    rng = random.Random(seed)
    campaigns = _campaigns()
    influencers = _influencers(rng, max(3, users // 500))
    partners = _partners(rng, max(3, users // 1000))
    sources = _sources(rng, influencers, partners, campaigns)
    with gc_paused():
        offsets = _signup_offsets_us(rng, users, origin, days)
        rows = _users(rng, offsets, origin, sources)
    data = Dataset(influencers=influencers, partners=partners, campaigns=campaigns.rows, users=rows)
    return add_social(data, seed=seed)


def _validated_start(*, users: int, start: datetime | None, days: int) -> datetime:
    if users < 0:
        raise ValueError(f"users must be >= 0, got {users}")
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    if start is None:
        return DEFAULT_START
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    return start.astimezone(UTC)


def _campaigns() -> _Campaigns:
    utms = [
        *tables.PLATFORM_CAMPAIGNS.values(),
        *tables.PARTNER_CAMPAIGNS.values(),
        *(utm for utm, _ in tables.USER_CAMPAIGNS),
    ]
    rows = [CampaignRow(f"cmp-{n}", *utm) for n, utm in enumerate(utms, start=1)]
    id_of = {row.utm_campaign: row.id for row in rows}
    return _Campaigns(
        rows=rows,
        by_platform={
            platform: id_of[utm[3]] for platform, utm in tables.PLATFORM_CAMPAIGNS.items()
        },
        by_partner_kind={kind: id_of[utm[3]] for kind, utm in tables.PARTNER_CAMPAIGNS.items()},
        for_users=_Weighted([(id_of[utm[3]], weight) for utm, weight in tables.USER_CAMPAIGNS]),
    )


def _influencers(rng: random.Random, count: int) -> list[InfluencerRow]:
    platforms = _Weighted(tables.PLATFORM_WEIGHTS)
    rows: list[InfluencerRow] = []
    for n in range(1, count + 1):
        followers = _followers(rng)
        # The numeric suffix keeps handles unique.
        handle = f"{rng.choice(tables.FIRST_NAMES)}_{rng.choice(tables.NICHES)}{n}"
        rows.append(
            InfluencerRow(
                f"inf-{n}", handle, platforms.pick(rng), followers, _engagement(rng, followers)
            )
        )
    return rows


def _followers(rng: random.Random) -> int:
    # Lognormal with a 20k median and a wide spread: mostly micro-influencers, a few millions.
    return max(1_000, round(rng.lognormvariate(math.log(20_000), 1.6)))


def _engagement(rng: random.Random, followers: int) -> float:
    # Engagement falls as the audience grows (micro-influencers engage more), plus noise.
    rate = 0.06 * math.pow(followers / 10_000, -0.2) * rng.lognormvariate(0.0, 0.35)
    return round(min(0.2, max(0.002, rate)), 4)


def _partners(rng: random.Random, count: int) -> list[PartnerRow]:
    kinds = _partner_kinds(rng, count)
    taken: set[str] = set()
    rows: list[PartnerRow] = []
    for n, kind in enumerate(kinds, start=1):
        name = f"{rng.choice(tables.PARTNER_PREFIXES)} {rng.choice(tables.PARTNER_SUFFIXES[kind])}"
        name = name if name not in taken else f"{name} {n}"
        taken.add(name)
        rows.append(PartnerRow(f"ptn-{n}", name, kind))
    return rows


def _partner_kinds(rng: random.Random, count: int) -> list[PartnerKindName]:
    # The first five partners cover every kind so even a small demo shows them all; later ones
    # follow a realistic mix in which affiliates dominate.
    first = list(PARTNER_KINDS)
    rng.shuffle(first)
    weighted = _Weighted(tables.PARTNER_KIND_WEIGHTS)
    return (first + [weighted.pick(rng) for _ in range(max(0, count - len(first)))])[:count]


def _sources(
    rng: random.Random,
    influencers: list[InfluencerRow],
    partners: list[PartnerRow],
    campaigns: _Campaigns,
) -> _Sources:
    # Influencers are picked in proportion to their engaged audience and partners to a lognormal
    # reach: both are static weights, so the big ones bring in most of the users.
    return _Sources(
        kinds=_Weighted(_REFERRER_KIND_WEIGHTS),
        influencers=_Weighted(
            [
                (
                    _Source(row.id, campaigns.by_platform[row.platform]),
                    row.followers * row.engagement_rate,
                )
                for row in influencers
            ]
        ),
        partners=_Weighted(
            [
                (_Source(row.id, campaigns.by_partner_kind[row.kind]), rng.lognormvariate(0.0, 1.2))
                for row in partners
            ]
        ),
        channels={kind: _Weighted(weights) for kind, weights in tables.CHANNEL_WEIGHTS.items()},
        user_campaigns=campaigns.for_users,
        countries=_Weighted(tables.COUNTRY_WEIGHTS),
        plans=_Weighted(tables.PLAN_WEIGHTS),
        # Every first/last pair prepared once: one draw per user instead of two plus formatting.
        names=[
            (f"{first.capitalize()} {last.capitalize()}", f"{first}.{last}")
            for first in tables.FIRST_NAMES
            for last in tables.LAST_NAMES
        ],
    )


def _hour_weights(start: datetime, days: int) -> list[float]:
    """Relative sign-up intensity of each hour of the window: growth x weekday x hour of day."""
    hours = days * 24
    growth = math.log(_GROWTH) / hours
    weights: list[float] = []
    for k in range(hours):
        moment = start.hour + k
        weekday = (start.weekday() + moment // 24) % 7
        weights.append(
            math.exp(growth * k)
            * tables.WEEKDAY_WEIGHTS[weekday]
            * tables.HOUR_WEIGHTS[moment % 24]
        )
    return weights


def _signup_offsets_us(rng: random.Random, count: int, start: datetime, days: int) -> list[int]:
    """Strictly increasing sign-up offsets from ``start``, in microseconds.

    Sorted uniform draws pushed through the inverse of the hourly intensity's cumulative
    distribution stay sorted, so one sort and one sweep over the hours give time-ordered sign-ups.
    """
    weights = _hour_weights(start, days)
    cumulative = list(accumulate(weights))
    total = cumulative[-1]
    draws = sorted(rng.random() * total for _ in range(count))
    offsets: list[int] = []
    hour, previous, last_hour = 0, -1, len(weights) - 1
    for draw in draws:
        while hour < last_hour and cumulative[hour] <= draw:
            hour += 1
        within = (draw - (cumulative[hour] - weights[hour])) / weights[hour]
        # Bumping equal microseconds keeps sign-up times strictly increasing, which is what makes
        # "a referrer signed up strictly before its referee" hold by construction.
        offset = max(int((hour + within) * 3_600_000_000), previous + 1)
        offsets.append(offset)
        previous = offset
    return offsets


def _users(
    rng: random.Random, offsets: list[int], start: datetime, sources: _Sources
) -> list[UserRow]:
    ids = [f"u-{number:06d}" for number in range(1, len(offsets) + 1)]
    # Repeat list for preferential attachment: each user appears once on joining and once more per
    # referral made, so a uniform pick chooses a user with probability proportional to
    # 1 + referrals so far, in O(1).
    attachment: list[int] = []
    countries: list[str] = []
    rows: list[UserRow] = []
    for index, offset in enumerate(offsets):
        referral = _referral(rng, ids, attachment, sources)
        country = _country(rng, referral, countries, sources)
        countries.append(country)
        name, local = sources.names[int(rng.random() * len(sources.names))]
        rows.append(
            UserRow(
                id=ids[index],
                name=name,
                # The sequence number makes every address unique whatever names are drawn.
                email=f"{local}{index + 1}@example.com",
                signed_up_at=start + timedelta(microseconds=offset),
                country=country,
                plan=sources.plans.pick(rng),
                referrer_kind=referral.kind,
                referrer_id=referral.referrer_id,
                channel=referral.channel,
                campaign_id=referral.campaign_id,
            )
        )
        if referral.referrer_index >= 0:
            attachment.append(referral.referrer_index)
        attachment.append(index)
    return rows


def _referral(
    rng: random.Random, ids: list[str], attachment: list[int], sources: _Sources
) -> _Referral:
    if rng.random() < _ORGANIC_SHARE:
        return _ORGANIC
    kind = sources.kinds.pick(rng)
    if kind == "USER" and attachment:
        return _user_referral(rng, ids, attachment, sources)
    if kind == "PARTNER":
        return _source_referral(rng, "PARTNER", sources.partners, _PARTNER_CAMPAIGN_SHARE, sources)
    # An influencer also stands in for a user referral while no earlier user exists.
    return _source_referral(
        rng, "INFLUENCER", sources.influencers, _INFLUENCER_CAMPAIGN_SHARE, sources
    )


def _user_referral(
    rng: random.Random, ids: list[str], attachment: list[int], sources: _Sources
) -> _Referral:
    referrer = attachment[int(rng.random() * len(attachment))]
    channel = sources.channels["USER"].pick(rng)
    campaign = sources.user_campaigns.pick(rng) if rng.random() < _USER_CAMPAIGN_SHARE else None
    return _Referral("USER", ids[referrer], channel, campaign, referrer)


def _source_referral(
    rng: random.Random,
    kind: ReferrerKindName,
    pool: _Weighted[_Source],
    campaign_share: float,
    sources: _Sources,
) -> _Referral:
    source = pool.pick(rng)
    channel = sources.channels[kind].pick(rng)
    campaign = source.campaign_id if rng.random() < campaign_share else None
    return _Referral(kind, source.id, channel, campaign, -1)


def _country(
    rng: random.Random, referral: _Referral, countries: list[str], sources: _Sources
) -> str:
    if referral.referrer_index >= 0 and rng.random() < _SAME_COUNTRY_SHARE:
        return countries[referral.referrer_index]
    return sources.countries.pick(rng)
