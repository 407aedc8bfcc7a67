"""Every internal bound is the number the documentation gives, and the number written into the
Cypher that enforces it. The behaviour at each bound is tested against Neo4j with the bound
lowered (tests/integration/test_bounds_internal.py); this file pins the real values, so moving a
bound by one without its documentation, or its Cypher without the constant, fails here.

The documentation is read from the committed files (``schema.graphql``, ``docs/``), not from
descriptions built from the same constants."""

from __future__ import annotations

from pathlib import Path

import pytest

from growthgraph.api.fraud import queries as fraud_queries
from growthgraph.graph import (
    cascades,
    counters,
    fraud,
    growth,
    referrals,
    rewards,
    sources,
)
from growthgraph.graph.labels import Kind

REPO = Path(__file__).resolve().parents[2]


def _text(name: str) -> str:
    """A committed file with its whitespace (line breaks included) collapsed."""
    return " ".join((REPO / name).read_text().split())


DOCUMENTED: list[tuple[str, int, str, str]] = [
    # (bound, value, file, the sentence that states it)
    ("cascades.MAX_NODES", cascades.MAX_NODES, "schema.graphql",
     "True when the tree had more than {n} users within `maxDepth`"),
    ("cascades.MAX_NODES", cascades.MAX_NODES, "docs/metrics.md",
     "for trees of more than {n} users, of which only the shallowest are read"),
    ("cascades.MAX_DEPTH", cascades.MAX_DEPTH, "schema.graphql",
     "counted, down to `maxDepth` levels (at most {n})."),
    ("referrals.MAX_CASCADE_DEPTH", referrals.MAX_CASCADE_DEPTH, "docs/metrics.md",
     "with the same bound (1 to {n})"),
    ("referrals.DEFAULT_CASCADE_DEPTH", referrals.DEFAULT_CASCADE_DEPTH, "docs/metrics.md",
     "and the same default (**{n}**, from one constant)"),
    ("growth.MAX_CAMPAIGN_ROWS", growth.MAX_CAMPAIGN_ROWS, "schema.graphql", "At most {n} rows."),
    ("growth.MAX_CAMPAIGN_ROWS", growth.MAX_CAMPAIGN_ROWS, "schema.graphql",
     "True when `byCampaign` was cut at its {n}-row limit."),
    ("growth.MAX_CAMPAIGN_ROWS", growth.MAX_CAMPAIGN_ROWS, "docs/metrics.md", "at most {n} rows"),
    ("growth.MAX_BUCKETS", growth.MAX_BUCKETS, "schema.graphql", "At most {n} buckets."),
    ("growth.MAX_BUCKETS", growth.MAX_BUCKETS, "docs/metrics.md", "At most {n} buckets."),
    ("fraud.MAX_PERIOD", fraud.MAX_PERIOD.days, "schema.graphql",
     "a period of at most {n} days holding"),
    ("fraud.MAX_PERIOD_SIGN_UPS", fraud.MAX_PERIOD_SIGN_UPS, "schema.graphql",
     "holding at most {n:,} sign-ups"),
    ("fraud.MAX_PERIOD_SIGN_UPS", fraud.MAX_PERIOD_SIGN_UPS, "docs/metrics.md",
     "at most {n:,} sign-ups"),
    ("fraud.MAX_USERS", fraud.MAX_USERS, "docs/metrics.md", "1\u2013{n:,}, default 5,000"),
    ("api.fraud MAX_MEMBERS", fraud_queries.MAX_MEMBERS, "schema.graphql",
     "each entry at most {n} users"),
    ("api.fraud MAX_MEMBERS", fraud_queries.MAX_MEMBERS, "docs/metrics.md",
     "each with at most {n} users"),
    ("rewards.MAX_RUN_ROWS", rewards.MAX_RUN_ROWS, "docs/metrics.md",
     "a period with more than {n} (conversion, beneficiary) pairs is refused"),
    ("rewards.MAX_LEVELS", rewards.MAX_LEVELS, "schema.graphql", "1 to {n} levels, level 1 first."),
    ("rewards.MAX_LEVELS", rewards.MAX_LEVELS, "docs/metrics.md", "A **rule** has 1 to {n} levels"),
    ("counters.REFRESH_AT_MOST", counters.REFRESH_AT_MOST, "docs/import.md",
     "when a merge adds more than {n:,} referral edges, every counter is"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("bound", "value", "name", "sentence"), DOCUMENTED, ids=[f"{d[0]}@{d[2]}" for d in DOCUMENTED]
)
def test_each_internal_bound_is_the_documented_number(
    bound: str, value: int, name: str, sentence: str
) -> None:
    assert sentence.format(n=value) in _text(name), f"{bound} = {value} is not what {name} says"


def test_depths_written_into_the_cypher_are_the_bounds() -> None:
    """Variable-length patterns carry their upper bound as a literal: it must be the constant."""
    hops: list[tuple[str, list[str]]] = [
        (f"*1..{referrals.MAX_CASCADE_DEPTH}]", [*referrals.CASCADE.values()]),
        (
            f"*1..{cascades.MAX_DEPTH}]",
            [*cascades.CASCADE_TREE.values(), cascades.LARGEST_CASCADES],
        ),
        (f"*1..{sources.MAX_DEPTH}]", [*sources.SOURCE_PERFORMANCE.values()]),
        (f"*1..{fraud.MAX_DEPTH}]", [*fraud.DOWNLINE.values()]),
        (f"*1..{referrals.MAX_ATTRIBUTION_HOPS}]", [referrals.ATTRIBUTION_PATH]),
    ]
    for pattern, queries in hops:
        for query in queries:
            assert pattern in query, (pattern, query)
    assert set(referrals.CASCADE) == set(Kind)
    # One cascade depth for every field.
    assert cascades.MAX_DEPTH == sources.MAX_DEPTH == fraud.MAX_DEPTH
    assert cascades.MAX_DEPTH == referrals.MAX_CASCADE_DEPTH


def test_bounds_that_follow_from_others() -> None:
    # The counters hold every degree topReferrers may ask for.
    assert counters.DEPTH == referrals.MAX_DEGREE == len(counters.BELOW) == len(counters.ABOVE)
    # K of the last generation needs the level below it, still within a cascade's depth.
    assert cascades.MAX_GENERATIONS == referrals.MAX_CASCADE_DEPTH - 1
    # A rule's levels are read by a pattern that reaches exactly its most levels.
    assert f"*1..{rewards.MAX_LEVELS}]" in rewards.CONVERSIONS_IN_PERIOD
