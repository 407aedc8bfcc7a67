"""The invite funnel: invite sent -> signed up -> first activity -> converted, per source,
campaign or sender kind, with the drop-off at each step and the median time between steps.
Definitions are in docs/metrics.md ("Retention and funnels").

- **Invited**: the invites sent in ``[start, end)`` and no later than ``asOf``. The funnel
  follows these invites; sign-ups without an invite (organic ones, or referrals through a shared
  link) never enter it.
- **Signed up**: the invite was accepted by a user who signed up by ``asOf``; the step's time is
  that sign-up.
- **Active**: that user has an activity by ``asOf``; its first one is the step's time (no
  activity precedes a sign-up: the write rules refuse it).
- **Converted**: that user has a conversion at or after its first activity, by ``asOf``; the
  first such conversion is the step's time. A conversion before the first activity does not
  count (the steps happen in order), so the counts never grow along the funnel.
- The **median time** of a step is the median, over the invites that reached it, of the time
  from the previous step's event to its own (``percentileCont``: the mean of the two middle
  values for an even count).
- Groups are fixed when the invite is sent: by **source**, the root the invitee is attributed
  to once it accepts (``attributionPath``'s last entry): the sending influencer or partner
  (``influencer:<id>``, ``partner:<id>``), or, for a sending user, the root of that user's own
  chain (``user`` when the chain starts at an organic user, that user included); by
  **campaign**, the invite's own campaign, else null (no campaign id can be taken for it); by
  **sender kind**, ``user``,
  ``influencer`` or ``partner``.

One statement: each invite of the window is read once through the ``Invite.at`` index, with its
sender (and the sender's chain, by source), its accepting user, that user's first activity and
first conversion after it; every invite is counted in its group (key ``[grp]``) and in the whole
(key ``[]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import LiteralString

from growthgraph.graph.database import Database, Row

MAX_GROUPS = 500


class FunnelGroupBy(StrEnum):
    NONE = "NONE"
    SOURCE = "SOURCE"
    CAMPAIGN = "CAMPAIGN"
    SENDER_KIND = "SENDER_KIND"


class FunnelStepName(StrEnum):
    INVITED = "INVITED"
    SIGNED_UP = "SIGNED_UP"
    ACTIVE = "ACTIVE"
    CONVERTED = "CONVERTED"


# The root above a sending user (null for an organic sender, and for an influencer or partner,
# which is its own root).
_ROOT: LiteralString = """
CALL (s) {
  OPTIONAL MATCH (top)-[:REFERRED*1..1000]->(s)
  WHERE s:User AND NOT EXISTS { ()-[:REFERRED]->(top) }
  RETURN top
}
"""
GROUP_OF: dict[FunnelGroupBy, LiteralString] = {
    FunnelGroupBy.NONE: "null",
    FunnelGroupBy.SOURCE: (
        "CASE WHEN s:Influencer THEN 'influencer:' + s.id WHEN s:Partner THEN 'partner:' + s.id "
        "WHEN top:Influencer THEN 'influencer:' + top.id WHEN top:Partner THEN 'partner:' + top.id "
        "ELSE 'user' END"
    ),
    FunnelGroupBy.CAMPAIGN: "i.campaignId",
    FunnelGroupBy.SENDER_KIND: (
        "CASE WHEN s:Influencer THEN 'influencer' WHEN s:Partner THEN 'partner' ELSE 'user' END"
    ),
}


def _seconds(a: LiteralString, b: LiteralString) -> LiteralString:
    """Seconds from instant ``a`` to instant ``b`` (null when ``b`` is), to the nanosecond."""
    return (
        "toFloat(" + b + ".epochSeconds - " + a + ".epochSeconds) + "
        "(" + b + ".nanosecond - " + a + ".nanosecond) / 1.0e9"
    )


def _funnel_query(group_by: FunnelGroupBy) -> LiteralString:
    root: LiteralString = _ROOT if group_by is FunnelGroupBy.SOURCE else ""
    # The whole funnel under the key [] and each group under [its key], which may be null (an
    # invite without a campaign), so that no group's key can be taken for the whole.
    keys: LiteralString = "[[]]" if group_by is FunnelGroupBy.NONE else "[[], [grp]]"
    return (
        """
MATCH (s)-[:SENT]->(i:Invite)
WHERE i.at >= $start AND i.at < $end AND i.at <= $asOf
"""
        + root
        + """
WITH i, """
        + GROUP_OF[group_by]
        + """ AS grp
OPTIONAL MATCH (i)-[:ACCEPTED]->(u:User)
WHERE u.signedUpAt <= $asOf
CALL (u) {
  OPTIONAL MATCH (u)-[:DID]->(a:Activity)
  WHERE a.at <= $asOf
  RETURN min(a.at) AS active
}
CALL (u, active) {
  OPTIONAL MATCH (u)-[:CONVERTED]->(c:Conversion)
  WHERE c.at >= active AND c.at <= $asOf
  RETURN min(c.at) AS paid
}
WITH grp, u, active, paid,
     """
        + _seconds("i.at", "u.signedUpAt")
        + """ AS toSignUp,
     """
        + _seconds("u.signedUpAt", "active")
        + """ AS toActive,
     """
        + _seconds("active", "paid")
        + """ AS toPaid
UNWIND """
        + keys
        + """ AS key
WITH key, count(*) AS invited, count(u) AS signedUp, count(active) AS active,
     count(paid) AS converted, percentileCont(toSignUp, 0.5) AS toSignUp,
     percentileCont(toActive, 0.5) AS toActive, percentileCont(toPaid, 0.5) AS toPaid
RETURN key, invited, signedUp, active, converted, toSignUp, toActive, toPaid
ORDER BY size(key), invited DESC, key[0]
LIMIT $rows
"""
    )


FUNNEL: dict[FunnelGroupBy, LiteralString] = {g: _funnel_query(g) for g in FunnelGroupBy}
# Each step with its count column and the column of its median time from the step before.
_COLUMNS: tuple[tuple[FunnelStepName, str, str | None], ...] = (
    (FunnelStepName.INVITED, "invited", None),
    (FunnelStepName.SIGNED_UP, "signedUp", "toSignUp"),
    (FunnelStepName.ACTIVE, "active", "toActive"),
    (FunnelStepName.CONVERTED, "converted", "toPaid"),
)


@dataclass(frozen=True, slots=True)
class FunnelStep:
    step: FunnelStepName
    count: int
    previous: int | None  # the step before's count (None for the first step)
    invited: int  # the first step's count
    median_seconds: float | None  # from the step before's event (None for the first, or none)

    @property
    def drop_off(self) -> int:
        """Invites that reached the step before but not this one (0 for the first step)."""
        return 0 if self.previous is None else self.previous - self.count

    @property
    def share_of_previous(self) -> float | None:
        return self.count / self.previous if self.previous else None

    @property
    def drop_off_share(self) -> float | None:
        return self.drop_off / self.previous if self.previous else None

    @property
    def share_of_invited(self) -> float | None:
        return self.count / self.invited if self.invited else None


@dataclass(frozen=True, slots=True)
class FunnelGroup:
    key: str | None  # None: invites without a campaign (CAMPAIGN)
    steps: tuple[FunnelStep, ...]


@dataclass(frozen=True, slots=True)
class Funnel:
    as_of: datetime
    steps: tuple[FunnelStep, ...]  # every invite of the window
    groups: tuple[FunnelGroup, ...]  # most invites first, ties by key; empty for NONE
    truncated: bool  # more groups existed than the limit


def _steps(row: Row | None) -> tuple[FunnelStep, ...]:
    counts = [0 if row is None else int(row[c]) for _, c, _ in _COLUMNS]
    out: list[FunnelStep] = []
    for n, (step, _, median) in enumerate(_COLUMNS):
        seconds = None if row is None or median is None else row[median]
        out.append(
            FunnelStep(
                step=step,
                count=counts[n],
                previous=None if n == 0 else counts[n - 1],
                invited=counts[0],
                median_seconds=None if seconds is None else float(seconds),
            )
        )
    return tuple(out)


async def funnel(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    group_by: FunnelGroupBy,
    as_of: datetime,
    limit: int = 50,
) -> Funnel:
    if not 1 <= limit <= MAX_GROUPS:
        raise ValueError("limit out of range")
    params = {"start": start, "end": end, "asOf": as_of, "rows": limit + 2}
    rows = await db.read(FUNNEL[group_by], params)
    whole = next((r for r in rows if not r["key"]), None)
    grouped = [r for r in rows if r["key"]]
    return Funnel(
        as_of=as_of,
        steps=_steps(whole),
        groups=tuple(
            FunnelGroup(None if r["key"][0] is None else str(r["key"][0]), _steps(r))
            for r in grouped[:limit]
        ),
        truncated=len(grouped) > limit,
    )
