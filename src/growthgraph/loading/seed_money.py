"""Dated costs for the demo network, so every money figure (cost per acquisition in a window,
return per source, per campaign) has something to show in any window of the demo's span.

Each influencer's or partner's deal cost (``costCents``, which ``seed_events`` draws) is spread
over the months of the sign-up span as one dated entry per month, and the undated property is
cleared: the demo's all-time total is unchanged, and a window now counts its own months. Every
campaign gets a monthly spend of its own. Deterministic, from its own random generator.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from growthgraph.graph.labels import CostSourceName
from growthgraph.loading.dataset import CostRow, Dataset

MONTH = timedelta(days=30)


def month_starts(first: datetime, last: datetime) -> list[datetime]:
    """The instants the monthly entries are dated at: ``first`` itself, then the first of each
    following month up to ``last`` (UTC)."""
    out = [first]
    year, month = first.year, first.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        start = datetime(year, month, 1, tzinfo=UTC)
        if start > last:
            return out
        out.append(start)


def months_back(first: datetime, last: datetime) -> list[datetime]:
    """Instants 30 days apart ending at ``last`` and not before ``first``, oldest first: the
    entries of a demo dated relative to its load day, so the latest always lies in "the last 30
    days" of that day (calendar month starts can lie 31 days back)."""
    out = [last]
    while out[-1] - MONTH >= first:
        out.append(out[-1] - MONTH)
    return out[::-1]


def _entries(
    kind: CostSourceName, sid: str, total: int, months: list[datetime], name: str
) -> list[CostRow]:
    """``total`` split into equal monthly parts, the remainder on the last one."""
    part, rest = divmod(total, len(months))
    return [
        CostRow(
            f"cost-{kind.lower()}-{sid}-{at.strftime(name)}",
            kind,
            sid,
            at,
            part + (rest if n == len(months) - 1 else 0),
        )
        for n, at in enumerate(months)
    ]


def add_costs(data: Dataset, *, seed: int = 7, to_last: bool = False) -> Dataset:
    """``to_last``: entries every 30 days back from the last sign-up (``months_back``) instead
    of at calendar month starts."""
    if not data.users:
        return data
    rng = random.Random(seed * 104_729 + 3)
    times = [u.signed_up_at for u in data.users]
    months = (months_back if to_last else month_starts)(min(times), max(times))
    name = "%Y-%m-%d" if to_last else "%Y-%m"
    costs: list[CostRow] = []
    for i in data.influencers:
        if i.cost_cents is not None:
            costs += _entries("INFLUENCER", i.id, i.cost_cents, months, name)
    for p in data.partners:
        if p.cost_cents is not None:
            costs += _entries("PARTNER", p.id, p.cost_cents, months, name)
    for c in data.campaigns:
        monthly = rng.randrange(100, 3_000) * 100
        costs += _entries("CAMPAIGN", c.id, monthly * len(months), months, name)
    return replace(
        data,
        influencers=[replace(i, cost_cents=None) for i in data.influencers],
        partners=[replace(p, cost_cents=None) for p in data.partners],
        costs=[*data.costs, *costs],
    )
