"""Activity events for the demo network and the generated import sets, so cohort retention and
the funnel's "first activity" step have data to show.

Deterministic, from its own random generator, and consistent with the write rules: no activity
precedes its user's sign-up, and none comes after ``until`` (by default the last sign-up of the
data, so demo data made relative to today holds no activity in the future). Most users are
active on the day they sign up; after that, a user is active in a week with a chance that decays
week by week, higher for referred users than for organic ones and with a loyal core that keeps
coming back, so retention curves fall and flatten as real ones do.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from growthgraph.loading.dataset import ActivityRow, Dataset, UserRow

WEEKS = 26  # activity is generated for half a year after each sign-up
FIRST_DAY_SHARE = 0.85  # users active on their sign-up day
LOYAL_SHARE = 0.25  # users who keep a steady weekly chance
_KINDS = ("login", "login", "login", "page_view", "page_view", "order.placed")
_WEEK = timedelta(days=7)


def activities(
    users: Iterable[UserRow], *, seed: int, until: datetime | None = None
) -> Iterator[ActivityRow]:
    """The activity rows of ``users`` (each activity distinct: user, instant and kind)."""
    rows = list(users)
    if not rows:
        return
    end = until if until is not None else max(u.signed_up_at for u in rows)
    rng = random.Random(seed * 104_729 + 3)
    for user in rows:
        start = user.signed_up_at
        if start > end:
            continue
        referred = user.referrer_id is not None
        weekly = 0.6 if referred else 0.45
        loyal = rng.random() < LOYAL_SHARE
        seen: set[tuple[datetime, str]] = set()
        for week in range(WEEKS):
            begin = start + week * _WEEK
            if begin > end:
                break
            chance = FIRST_DAY_SHARE if week == 0 else weekly * 0.8**week + (0.3 if loyal else 0)
            if rng.random() >= chance:
                continue
            for n in range(rng.choice((1, 1, 2, 3))):
                if week == 0 and n == 0:
                    at = start + timedelta(seconds=rng.randrange(0, 6 * 3600))
                else:
                    at = begin + timedelta(seconds=rng.randrange(0, 7 * 86_400))
                if at > end:
                    continue
                kind = rng.choice(_KINDS)
                if (at, kind) not in seen:
                    seen.add((at, kind))
                    yield ActivityRow(user.id, at, kind)


def add_activity(data: Dataset, *, seed: int = 7, until: datetime | None = None) -> Dataset:
    """``data`` with the activities of its users added."""
    made = list(activities(data.users, seed=seed, until=until))
    return replace(data, activities=[*data.activities, *made])
