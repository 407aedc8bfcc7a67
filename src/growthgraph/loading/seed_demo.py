"""The demo data set that ``growthgraph serve`` (``make run``) and ``growthgraph seed`` load,
dated relative to the day it is loaded.

The network itself is ``seed.generate`` with its events, costs and activity: deterministic for
a seed. ``relative_to`` then moves every instant by one offset so that the last sign-up falls
``LEAD`` before the start (00:00 UTC) of the load day, and leaves out the events that would
then lie after that instant (they have not happened yet). So the same seed and day always give
the same rows, and "the last 30 days", inactivity and cohort maturity answer something on the
day the demo is loaded, whatever the calendar says."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from growthgraph.loading import seed as generator
from growthgraph.loading.dataset import ConversionRow, Dataset, UserRow
from growthgraph.loading.seed_activity import add_activity
from growthgraph.loading.seed_events import add_events
from growthgraph.loading.seed_money import add_costs

LEAD = timedelta(hours=3)


BURST_USERS = 8  # sign-ups of the planted burst, within BURST_SPAN
BURST_SPAN = timedelta(minutes=35)
BURST_BEFORE = timedelta(days=5)  # the burst starts this long before the last sign-up


def demo(*, users: int, seed: int, day: date | None) -> Dataset:
    """The demo network; with ``day``, dated relative to that (load) day, its cost entries
    then every 30 days back from the last sign-up (so the last 30 days hold one)."""
    data = plant_burst(add_events(generator.generate(users=users, seed=seed), seed=seed))
    if day is None:
        return add_activity(add_costs(data, seed=seed), seed=seed)
    moved = relative_to(add_activity(data, seed=seed), day)
    return add_costs(moved, seed=seed, to_last=True)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def plant_burst(data: Dataset) -> Dataset:
    """A referral burst a few days before the last sign-up, so the recent period has something
    for velocity bursts and fraud signals: ``BURST_USERS`` users sharing one device sign up
    within ``BURST_SPAN`` through the earliest direct referee of the partner with the most
    direct referrals (two hops below that partner), and each pays once a day later."""
    partners = Counter(u.referrer_id for u in data.users if u.referrer_kind == "PARTNER")
    if not partners or len(data.users) < 2:
        return data
    partner = min(partners, key=lambda pid: (-partners[pid], str(pid)))
    start = max(u.signed_up_at for u in data.users) - BURST_BEFORE
    referrer = min(
        (u for u in data.users if u.referrer_id == partner and u.signed_up_at < start),
        key=lambda u: (u.signed_up_at, u.id),
        default=None,
    )
    if referrer is None:
        return data
    step = BURST_SPAN / BURST_USERS
    burst = [
        UserRow(
            id=f"u-burst-{n:02d}",
            name=f"Burst Member {n}",
            email=f"burst{n:02d}@example.com",
            signed_up_at=start + n * step,
            country=referrer.country,
            plan="free",
            referrer_kind="USER",
            referrer_id=referrer.id,
            channel="link",
            ip_hash=_hash(f"burst-ip:{n}"),
            device_hash=_hash("burst-device"),
        )
        for n in range(BURST_USERS)
    ]
    paid = [
        ConversionRow(f"cv-{u.id}-0", u.id, u.signed_up_at + timedelta(days=1), 1_900, "pro")
        for u in burst
    ]
    return replace(data, users=[*data.users, *burst], conversions=[*data.conversions, *paid])


def anchor_of(day: date) -> datetime:
    """The instant of the last sign-up in a demo loaded on ``day``."""
    return datetime.combine(day, time(), UTC) - LEAD


def _instants(row: Any) -> list[datetime]:
    return [v for f in fields(row) if isinstance(v := getattr(row, f.name), datetime)]


def _shifted(row: Any, by: timedelta) -> Any:
    moved = {
        f.name: value + by
        for f in fields(row)
        if isinstance(value := getattr(row, f.name), datetime)
    }
    return replace(row, **moved) if moved else row


def relative_to(data: Dataset, day: date) -> Dataset:
    """``data`` moved in time so that its last sign-up is ``anchor_of(day)``; rows other than
    users that would then lie after that instant are left out."""
    if not data.users:
        return data
    anchor = anchor_of(day)
    by = anchor - max(u.signed_up_at for u in data.users)
    out: dict[str, list[Any]] = {}
    for f in fields(data):
        rows: list[Any] = [_shifted(row, by) for row in getattr(data, f.name)]
        if f.name != "users":
            rows = [row for row in rows if all(at <= anchor for at in _instants(row))]
        out[f.name] = rows
    return Dataset(**out)
