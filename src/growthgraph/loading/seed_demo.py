"""The demo data set that ``growthgraph serve`` (``make run``) and ``growthgraph seed`` load,
dated relative to the day it is loaded.

The network itself is ``seed.generate`` with its events, costs and activity: deterministic for
a seed. ``relative_to`` then moves every instant by one offset so that the last sign-up falls
``LEAD`` before the start (00:00 UTC) of the load day, and leaves out the events that would
then lie after that instant (they have not happened yet). So the same seed and day always give
the same rows, and "the last 30 days", inactivity and cohort maturity answer something on the
day the demo is loaded, whatever the calendar says."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from growthgraph.loading import seed as generator
from growthgraph.loading.dataset import Dataset
from growthgraph.loading.seed_activity import add_activity
from growthgraph.loading.seed_events import add_events
from growthgraph.loading.seed_money import add_costs

LEAD = timedelta(hours=3)


def demo(*, users: int, seed: int, day: date | None) -> Dataset:
    """The demo network; with ``day``, dated relative to that (load) day."""
    data = add_costs(add_events(generator.generate(users=users, seed=seed), seed=seed), seed=seed)
    data = add_activity(data, seed=seed)
    return data if day is None else relative_to(data, day)


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
