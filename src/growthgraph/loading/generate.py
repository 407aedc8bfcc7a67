"""``growthgraph generate``: write a deterministic import set (docs/import.md) at any scale.

Users, influencers, partners, campaigns and referrals come from the demo generator
(``growthgraph.loading.seed``); on top of it, from the same seed:

- invites: about half of the users referred by another user accepted an invite their referrer
  sent up to two days before the sign-up (never before the referrer's own sign-up); influencers
  and partners send invites too, and about a third of all invites are never accepted;
- conversions: about 15% of users pay, once to three times, within 90 days of signing up;
- activities: most users are active on their sign-up day, then week by week with a decaying
  chance (``seed_activity``);
- connections: each referred user knows its referring user, and about 60% of users know one
  more earlier user, so the social graph has roughly one edge per user.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from growthgraph.loading import seed as demo
from growthgraph.loading.dataset import Dataset, UserRow
from growthgraph.loading.files import OPTIONAL, REQUIRED, KindName
from growthgraph.loading.seed_activity import activities
from growthgraph.loading.seed_money import add_costs

_PLANS = ("pro", "pro", "team")


def _iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _iso(value)
    return str(value)


# Generated users have recorded no consent and none is erased (the consent and erasure columns).
NO_CONSENT = (None, None, None, None)


def _write(out: Path, kind: KindName, rows: Iterable[tuple[Any, ...]]) -> int:
    columns = (*REQUIRED[kind], *OPTIONAL[kind])
    count = 0
    with (out / f"{kind}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            count += 1
    return count


def _invites(rng: random.Random, data: Dataset) -> Iterator[tuple[Any, ...]]:
    signed_up = {u.id: u.signed_up_at for u in data.users}
    number = 0
    for user in data.users:
        if user.referrer_id is None or rng.random() >= 0.5:
            continue
        number += 1
        sent = user.signed_up_at - timedelta(seconds=rng.randrange(0, 2 * 86_400))
        if user.referrer_kind == "USER":
            sent = max(sent, signed_up[user.referrer_id])
        # (id, referrerKind, referrerId, at, channel, campaignId, acceptedBy)
        yield (
            f"inv-{number:07d}",
            user.referrer_kind,
            user.referrer_id,
            sent,
            user.channel,
            user.campaign_id,
            user.id,
        )
        if rng.random() < 0.75:  # one unanswered invite for most accepted ones
            number += 1
            yield (
                f"inv-{number:07d}",
                user.referrer_kind,
                user.referrer_id,
                sent + timedelta(minutes=rng.randrange(1, 600)),
                user.channel,
                None,
                None,
            )


def _conversions(rng: random.Random, users: list[UserRow]) -> Iterator[tuple[Any, ...]]:
    number = 0
    for user in users:
        if rng.random() >= 0.15:
            continue
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            number += 1
            at = user.signed_up_at + timedelta(seconds=rng.randrange(60, 90 * 86_400))
            plan = rng.choice(_PLANS)
            # (id, userId, at, revenueCents, plan)
            yield (f"cv-{number:07d}", user.id, at, 900 if plan == "pro" else 4_900, plan)


def _connections(rng: random.Random, users: list[UserRow]) -> Iterator[tuple[Any, ...]]:
    seen: set[tuple[str, str]] = set()
    for index, user in enumerate(users):
        others: list[str] = []
        if user.referrer_kind == "USER" and user.referrer_id is not None:
            others.append(user.referrer_id)
        if index > 0 and rng.random() < 0.6:
            others.append(users[rng.randrange(index)].id)
        for other in others:
            pair = (min(user.id, other), max(user.id, other))
            if pair in seen:
                continue
            seen.add(pair)
            yield (*pair, user.signed_up_at)


def generate_files(out: Path, *, users: int, seed: int = 7) -> dict[KindName, int]:
    """Write ``<kind>.csv`` for every kind into ``out``; returns rows written per kind."""
    out.mkdir(parents=True, exist_ok=True)
    data = demo.generate(users=users, seed=seed)
    rng = random.Random(seed * 7_919 + 1)
    return {
        "influencers": _write(
            out,
            "influencers",
            (
                (i.id, i.handle, i.platform, i.followers, i.engagement_rate, i.cost_cents)
                for i in data.influencers
            ),
        ),
        "partners": _write(
            out, "partners", ((p.id, p.name, p.kind, p.cost_cents) for p in data.partners)
        ),
        "campaigns": _write(
            out,
            "campaigns",
            ((c.id, c.name, c.utm_source, c.utm_medium, c.utm_campaign) for c in data.campaigns),
        ),
        "users": _write(
            out,
            "users",
            (
                (
                    u.id,
                    u.name,
                    u.email,
                    u.signed_up_at,
                    u.country,
                    u.plan,
                    u.channel,
                    u.campaign_id,
                    u.ip_hash,
                    u.device_hash,
                    *NO_CONSENT,
                )
                for u in data.users
            ),
        ),
        "referrals": _write(
            out,
            "referrals",
            (
                (u.id, u.referrer_kind, u.referrer_id, u.channel, u.campaign_id)
                for u in data.users
                if u.referrer_id is not None
            ),
        ),
        "invites": _write(out, "invites", _invites(rng, data)),
        "conversions": _write(out, "conversions", _conversions(rng, data.users)),
        "activities": _write(
            out,
            "activities",
            ((a.user_id, a.at, a.kind) for a in activities(data.users, seed=seed)),
        ),
        "connections": _write(out, "connections", _connections(rng, data.users)),
        "costs": _write(
            out,
            "costs",
            (
                (c.id, c.source_kind, c.source_id, c.at, c.amount_cents, c.note)
                for c in add_costs(data, seed=seed).costs
            ),
        ),
    }
