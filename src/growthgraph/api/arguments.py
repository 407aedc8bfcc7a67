"""Every bounded argument, defined once: its name, its range, the description the schema shows,
and the check that refuses a value outside the range with ``BAD_USER_INPUT`` before the database
is touched. A resolver declares ``limit: Annotated[int, TOP_LIMIT.argument()] = 10`` and calls
``TOP_LIMIT.check(limit)``, so the documented range and the enforced one cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry

from growthgraph.errors import BadUserInputError
from growthgraph.graph import (
    cascades,
    fraud,
    growth,
    network,
    referrals,
    rewards,
    sources,
    structure_reads,
)

_RANGE = "{what}, {low} to {high}."


@dataclass(frozen=True, slots=True)
class Bound:
    """An integer argument that must lie in ``[low, high]``."""

    name: str  # as the schema spells it
    low: int
    high: int
    what: str  # the description; ``{low}`` and ``{high}`` are filled in
    template: str = _RANGE

    @property
    def description(self) -> str:
        return self.template.replace("{what}", self.what).format(low=self.low, high=self.high)

    def argument(self, **more: Any) -> Any:
        """The ``strawberry.argument`` that documents this bound (``name=`` and the like pass
        through)."""
        return strawberry.argument(description=self.description, **more)

    def check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise BadUserInputError(f"`{self.name}` must be between {self.low} and {self.high}")
        return value


def check(*pairs: tuple[Bound, int]) -> None:
    """Check several arguments in their declared order; the first violation is reported."""
    for bound, value in pairs:
        bound.check(value)


# referrals
DEGREE = Bound(
    "degree",
    1,
    referrals.MAX_DEGREE,
    "How many REFERRED hops below the referrer a sign-up must be: 1 counts direct referrals, "
    "2 second-degree sign-ups (the referrals of its referrals), up to {high}.",
    template="{what}",
)
TOP_LIMIT = Bound("limit", 1, 100, "How many referrers to return")
CASCADE_DEPTH = Bound(
    "maxDepth", 1, referrals.MAX_CASCADE_DEPTH, "How many levels below the root to follow"
)

# growth and cascades
VIRAL_GROUPS = Bound("limit", 1, growth.MAX_GROUPS, "At most this many groups")
GENERATIONS = Bound("maxGeneration", 1, cascades.MAX_GENERATIONS, "The last generation to report")
STRUCTURE_DEPTH = Bound(
    "maxDepth", 1, cascades.MAX_DEPTH, "How many levels below the root to follow"
)
LARGEST_LIMIT = Bound("limit", 1, cascades.MAX_LARGEST, "How many cascades")

# sources
SOURCE_LIMIT = Bound("limit", 1, sources.MAX_LIMIT, "How many sources")
SOURCE_DEPTH = Bound("maxDepth", 1, sources.MAX_DEPTH, "How many levels below the root to follow")

# fraud
MAX_LIST = 100
MAX_WINDOW_MINUTES = 60 * 24 * 31
FRAUD_DEPTH = Bound("maxDepth", 1, fraud.MAX_DEPTH, "Levels below the root to examine")
FRAUD_USERS = Bound(
    "maxUsers",
    1,
    fraud.MAX_USERS,
    "Most users to examine",
    template="{what}, {low} to {high} (earliest sign-ups first).",
)
BURST_WINDOW = Bound(
    "burstWindowMinutes", 1, MAX_WINDOW_MINUTES, "Length of a velocity window in minutes"
)
BURST_MIN = Bound(
    "burstMinSignUps",
    2,
    10_000,
    "Direct sign-ups under one referrer within one window that make a burst",
)
CAP = Bound("cap", 1, 100_000, "Most direct referrals one referrer may bring per period")
SIGNAL_LIMIT = Bound("limit", 1, MAX_LIST, "Most entries per signal list")
WINDOW_MINUTES = Bound(
    "windowMinutes", 1, MAX_WINDOW_MINUTES, "Length of a velocity window in minutes"
)
MIN_SIGN_UPS = Bound(
    "minSignUps",
    2,
    10_000,
    "Direct sign-ups under one referrer within one window that make a burst",
)
BURST_LIMIT = Bound("limit", 1, MAX_LIST, "Most bursts to return")

# network
SUGGESTIONS = Bound("limit", 1, network.MAX_SUGGESTIONS, "How many suggestions to return")
EVIDENCE = Bound(
    "evidence", 1, network.MAX_EVIDENCE, "How many shared connections to list per suggestion"
)

# structure
SCORES_LIMIT = Bound("limit", 1, structure_reads.MAX_LIMIT, "How many entries to return")
COMMUNITY_MEMBERS = Bound(
    "members", 1, structure_reads.MAX_MEMBERS, "How many top users to list per community"
)
INACTIVE_DAYS = Bound(
    "inactiveDays",
    1,
    3650,
    "Days without activity after which a user counts as inactive",
    template="{what}, {low} to {high}; the server's setting (30 unless configured) when omitted.",
)

# rewards
LEDGER_PAGE = Bound("first", 1, rewards.MAX_LEDGER_PAGE, "Page size")
