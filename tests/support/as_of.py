"""The data as they stood at an instant: every row dated at or before ``as_of``, nothing later.

An as-of figure (``asOf``) is checked by computing the same figure, with the ordinary oracle, from
these rows alone: events recorded after the instant must make no difference."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from growthgraph.loading.dataset import Dataset


def up_to(data: Dataset, as_of: datetime) -> Dataset:
    """The rows of ``data`` dated at or before ``as_of``: users who had signed up (a referrer
    always signed up before its referees, so their referrals stay whole), invites sent,
    conversions, activities, connections and costs. Influencers, partners and campaigns are
    undated and kept; so is the undated cost on a source."""
    users = [u for u in data.users if u.signed_up_at <= as_of]
    kept = {u.id for u in users}
    return replace(
        data,
        users=users,
        invites=[i for i in data.invites if i.at <= as_of],
        conversions=[c for c in data.conversions if c.at <= as_of],
        activities=[a for a in data.activities if a.at <= as_of],
        connections=[
            c
            for c in data.connections
            if c.a in kept and c.b in kept and (c.at is None or c.at <= as_of)
        ],
        costs=[c for c in data.costs if c.at <= as_of],
    )


def later(data: Dataset, as_of: datetime) -> int:
    """How many dated rows of ``data`` fall after ``as_of`` (a test asserts some do, so leaving
    them out is exercised)."""
    cut = up_to(data, as_of)
    return sum(
        len(getattr(data, name)) - len(getattr(cut, name))
        for name in ("users", "invites", "conversions", "activities", "connections", "costs")
    )
