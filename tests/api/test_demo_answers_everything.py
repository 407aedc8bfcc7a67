"""The demo answers every analytics question of the schema: loaded as ``make run`` loads it
(``loading.seed_demo``, dated relative to today), with the network analysis and a reward run
done through the API as a user would, every analytics query is asked through the real API with
its defaults and windows relative to now, and each must answer with non-empty, non-zero figures.

The questions are a table (``QUESTIONS``): one entry per question, its document, its variables
(from the clock and the roots picked from the demo) and the figures that must not be empty or
zero. A new analytics query is one more entry; ``test_every_analytics_query_is_asked`` fails
until the schema's root fields and the table agree."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from growthgraph.config import Settings
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading.dataset import Dataset, load_dataset
from growthgraph.loading.seed_demo import demo
from tests.api.conftest import Api
from tests.api.test_network_structure_api import RUN, wait_for_job

# The demo's seed as ``make run`` loads it; fewer users than its default 10,000 to keep the
# suite quick (every figure below grows with the network).
USERS = 3_000
SEED: int = Settings.model_fields["demo_seed"].default
# Root fields that are not analytics: entities and their lists, records and settings.
NOT_ANALYTICS = frozenset(
    {
        "user",
        "users",
        "influencer",
        "partner",
        "campaign",
        "influencers",
        "partners",
        "campaigns",
        "userConsent",
        "webhooks",
        "webhookDeliveries",
    }
)


@dataclass(frozen=True)
class Demo:
    data: Dataset
    now: datetime
    roots: dict[str, str]  # what the questions ask about, picked from the demo's rows

    def ago(self, days: float) -> str:
        return (self.now - timedelta(days=days)).isoformat()


Figures = list[float | int | None]


@dataclass(frozen=True)
class Question:
    name: str  # the root field asked
    document: str
    variables: Callable[[Demo], dict[str, Any]]
    figures: Callable[[Any], Figures]  # from the field's answer: each must be present, not 0


def _all(rows: list[dict[str, Any]], key: str) -> Figures:
    return [sum(r[key] for r in rows)] if rows else []


def _root(kind: str, key: str) -> Callable[[Demo], dict[str, Any]]:
    return lambda d: {"root": {"kind": kind, "id": d.roots[key]}}


def _window(days: float) -> Callable[[Demo], dict[str, Any]]:
    return lambda d: {"from": d.ago(days), "to": d.now.isoformat()}


def _top(degree: int, days: float | None) -> Question:
    window = "" if days is None else ", since: $since, until: $until"
    head = "" if days is None else "($since: DateTime!, $until: DateTime!)"
    return Question(
        "topReferrers",
        f"query{head} {{ topReferrers(degree: {degree}{window}) {{ signUps referrer {{ id }} }} }}",
        (lambda d: {}) if days is None else lambda d: {"since": d.ago(days), "until": d.now.isoformat()},
        lambda a: _all(a, "signUps"),
    )  # fmt: skip


SOURCE_PERFORMANCE = """
query($kind: SourceKind!, $from: DateTime, $to: DateTime) {
  sourcePerformance(kind: $kind, from: $from, to: $to) {
    directSignUps downlineSignUps converted revenueDirectCents revenueNetworkCents costCents
  }
}"""
SOURCE_RETURNS = """
query($kind: CostSourceKind!, $from: DateTime, $to: DateTime) {
  sourceReturns(kind: $kind, from: $from, to: $to) {
    signUps conversions revenueCents costCents roi averageOrderValueCents
  }
}"""
VIRAL = """
query($from: DateTime!, $to: DateTime!, $groupBy: CohortGrouping!) {
  viralCoefficient(from: $from, to: $to, within: 30, groupBy: $groupBy) {
    total { members invitesSent invitesAccepted inviteK referralK viralCycleTimeSeconds }
    groups { members }
  }
}"""
LTV = """
query($from: DateTime!, $to: DateTime!, $groupBy: LtvGrouping!) {
  lifetimeValue(from: $from, to: $to, groupBy: $groupBy) {
    referred { revenueToDateCents revenueWithinCents } organic { revenueToDateCents }
    upliftToDate groups { key }
  }
}"""
FRAUD = """
query($root: ReferrerRef!) {
  fraudSignals(root: $root) {
    downlineSize sharedHashClusters { size } velocityBursts { signUps } capsExceeded { signUps }
    nearDuplicates { size }
  }
}"""


def _kind_window(kind: str, days: float | None) -> Callable[[Demo], dict[str, Any]]:
    def variables(d: Demo) -> dict[str, Any]:
        return {"kind": kind} | ({} if days is None else _window(days)(d))

    return variables


def _cohort(start_days: float, end_days: float, group: str) -> Callable[[Demo], dict[str, Any]]:
    """A sign-up cohort ``[now - start_days, now - end_days)`` split by ``group``."""
    return lambda d: {"from": d.ago(start_days), "to": d.ago(end_days), "groupBy": group}


def _grouped(figures: Callable[[Any], Figures], group: str) -> Callable[[Any], Figures]:
    """The figures, and, when split, how many groups there are."""
    return lambda a: [*figures(a), *([len(a["groups"])] if group != "NONE" else [])]


def _sums(rows: list[dict[str, Any]], *keys: str) -> Figures:
    return [sum(r[k] or 0 for r in rows) for k in keys] if rows else []


QUESTIONS: list[Question] = [
    *(_top(degree, days) for degree in (1, 2, 3) for days in (None, 30)),
    *(
        Question(
            "sourcePerformance",
            SOURCE_PERFORMANCE,
            _kind_window(kind, days),
            lambda a: _sums(
                a,
                "directSignUps",
                "downlineSignUps",
                "converted",
                "revenueDirectCents",
                "revenueNetworkCents",
                "costCents",
            ),
        )
        for kind in ("INFLUENCER", "PARTNER")
        for days in (None, 30)
    ),
    *(
        Question(
            "sourceReturns",
            SOURCE_RETURNS,
            _kind_window(kind, days),
            lambda a: [
                *_sums(a, "signUps", "conversions", "revenueCents", "costCents"),
                max((r["roi"] for r in a if r["roi"] is not None), default=None),
            ],
        )
        for kind in ("INFLUENCER", "PARTNER", "CAMPAIGN")
        for days in (None, 90)
    ),
    Question(
        "referralCascade",
        "query($root: ReferrerRef!) { referralCascade(root: $root) { total depth levels { signUps } } }",
        _root("PARTNER", "partner"),
        lambda a: [a["total"], a["depth"], len(a["levels"])],
    ),
    Question(
        "attributionPath",
        "query($id: ID!) { attributionPath(userId: $id) { id } }",
        lambda d: {"id": d.roots["deep user"]},
        lambda a: [len(a) - 1],  # at least two referrers above the user
    ),
    Question(
        "cascadeGenerations",
        "query($root: ReferrerRef!) { cascadeGenerations(root: $root) { size k } }",
        _root("INFLUENCER", "influencer"),
        lambda a: [a[1]["size"], a[0]["k"], a[1]["k"]],
    ),
    Question(
        "cascadeStructure",
        "query($root: ReferrerRef!) { cascadeStructure(root: $root) "
        "{ size depth breadth structuralVirality } }",
        _root("PARTNER", "partner"),
        lambda a: [a["size"], a["depth"], len(a["breadth"]), a["structuralVirality"]],
    ),
    Question(
        "largestCascades",
        "query($from: DateTime!, $to: DateTime!) { largestCascades(from: $from, to: $to) "
        "{ signUps size } }",
        _window(30),
        lambda a: _sums(a, "signUps", "size"),
    ),
    *(
        Question(
            "viralCoefficient",
            VIRAL,
            _cohort(60, 30, group),
            _grouped(lambda a: list(a["total"].values()), group),
        )
        for group in ("NONE", "CAMPAIGN", "CHANNEL", "SOURCE_KIND")
    ),
    Question(
        "inviteFunnel",
        "query($from: DateTime!, $to: DateTime!) { inviteFunnel(from: $from, to: $to) "
        "{ steps { count } } }",
        _window(90),
        lambda a: [step["count"] for step in a["steps"]],
    ),
    Question(
        "growth",
        "query($from: DateTime!, $to: DateTime!) { growth(from: $from, to: $to) "
        "{ total { total organic userReferral influencer partner networkShare } "
        "byCampaign { signUps } } }",
        _window(30),
        lambda a: [*a["total"].values(), len(a["byCampaign"])],
    ),
    Question(
        "cohortRetention",
        "query($from: DateTime!, $to: DateTime!) { cohortRetention(from: $from, to: $to) "
        "{ cohorts { size periods { share } } } }",
        _window(12 * 7),
        lambda a: [
            sum(c["size"] for c in a["cohorts"]),
            max((p["share"] for c in a["cohorts"] for p in c["periods"][1:]), default=None),
        ],
    ),
    *(
        Question(
            "lifetimeValue",
            LTV,
            _cohort(365, 0, group),
            _grouped(
                lambda a: [
                    a["referred"]["revenueToDateCents"],
                    a["referred"]["revenueWithinCents"],
                    a["organic"]["revenueToDateCents"],
                    a["upliftToDate"],
                ],
                group,
            ),
        )
        for group in ("NONE", "SOURCE", "CAMPAIGN", "COHORT_MONTH")
    ),
    Question(
        "user",  # the per-user lifetime value
        "query($id: ID!) { user(id: $id) { lifetimeValue { conversionsToDate "
        "revenueToDateCents } } }",
        lambda d: {"id": d.roots["payer"]},
        lambda a: list(a["lifetimeValue"].values()),
    ),
    Question(
        "peopleYouMayKnow",
        "query($id: ID!) { peopleYouMayKnow(userId: $id) { commonConnections adamicAdar "
        "sharedConnections { id } } }",
        lambda d: {"id": d.roots["hub"]},
        lambda a: _sums(a, "commonConnections", "adamicAdar"),
    ),
    Question(
        "fraudSignals",
        FRAUD,
        _root("USER", "ring parent"),
        lambda a: [a["downlineSize"], len(a["sharedHashClusters"])],
    ),
    Question(
        "fraudSignals",
        FRAUD,
        _root("PARTNER", "partner"),
        lambda a: [a["downlineSize"], len(a["velocityBursts"]) + len(a["capsExceeded"])],
    ),
    Question(
        "velocityBursts",
        "query($since: DateTime!, $until: DateTime!) { velocityBursts(since: $since, "
        "until: $until) { score signUps } }",
        lambda d: {"since": d.ago(30), "until": d.now.isoformat()},
        lambda a: _sums(a, "score", "signUps"),
    ),
    Question(
        "rewardLedger",
        "query($id: ID!) { rewardLedger(runId: $id) { run { rewards totalCents } "
        "rewards { amountCents } } }",
        lambda d: {"id": d.roots["reward run"]},
        lambda a: [*a["run"].values(), len(a["rewards"]), *_sums(a["rewards"], "amountCents")],
    ),
    Question(
        "networkSummary",
        "{ networkSummary { users connections averageConnections } }",
        lambda d: {},
        lambda a: list(a.values()),
    ),
    Question(
        "networkAnalysis",
        "{ networkAnalysis { nodes referrals connections communities modularity weakNodes } }",
        lambda d: {},
        lambda a: list(a.values()),
    ),
    Question(
        "topInfluence",
        "{ topInfluence { influenceScore } }",
        lambda d: {},
        lambda a: _sums(a, "influenceScore"),
    ),
    Question(
        "communities",
        "{ communities { users sources topUsers { influenceScore } } }",
        lambda d: {},
        lambda a: [*_sums(a, "users", "sources"), len(a[0]["topUsers"])],
    ),
    Question(
        "weakNodes",
        "{ weakNodes { weakNodeScore betweenness } }",
        lambda d: {},
        lambda a: _sums(a, "weakNodeScore", "betweenness"),
    ),
    Question(
        "networkScores",
        "query($ids: [ID!]!) { networkScores(userIds: $ids) { influenceScore betweenness } }",
        lambda d: {"ids": [d.roots["hub"], d.roots["deep user"]]},
        lambda a: [*_sums(a, "influenceScore", "betweenness"), len(a)],
    ),
]


def _roots(data: Dataset) -> dict[str, str]:
    """What to ask about: the busiest partner and influencer, a user at least three hops below
    its root source, the most connected user, a paying user, the referrer of a fraud ring (users
    sharing a device hash)."""
    referrer = {u.id: (u.referrer_kind, u.referrer_id) for u in data.users}
    direct = Counter((k, r) for k, r in referrer.values() if r is not None)
    deep = next(
        u.id
        for u in data.users
        if referrer[u.id][0] == "USER" and referrer[str(referrer[u.id][1])][0] == "USER"
    )
    degree: Counter[str] = Counter()
    for c in data.connections:
        degree.update((c.a, c.b))
    devices = Counter(u.device_hash for u in data.users if u.device_hash is not None)
    ring = next(
        u for u in data.users if devices[str(u.device_hash)] > 1 and u.referrer_id is not None
    )
    return {
        "partner": max((n, r) for (k, r), n in direct.items() if k == "PARTNER")[1],
        "influencer": max((n, r) for (k, r), n in direct.items() if k == "INFLUENCER")[1],
        "deep user": deep,
        "hub": degree.most_common(1)[0][0],
        "payer": data.conversions[-1].user_id,
        "ring parent": str(ring.referrer_id),
    }


RULE = """
mutation($from: DateTime!, $to: DateTime!) {
  createRewardRule(input: {id: "demo-tiers", name: "Demo tiers",
                           levels: [{shareBps: 1000, fixedCents: 500}, {shareBps: 300}]}) {
    __typename
  }
  runRewards(input: {ruleId: "demo-tiers", from: $from, to: $to}) {
    __typename ... on RunRewardsSuccess { run { id } }
  }
}"""


@pytest.fixture(scope="module")
async def loaded(api: Api, db: Database) -> Demo:
    """The demo as ``make run`` loads it today, then the analysis and a reward run, both
    through the API."""
    now = datetime.now(UTC)
    data = demo(users=USERS, seed=SEED, day=now.date())
    await delete_everything(db)
    await load_dataset(db, data, batch_size=5_000)
    roots = _roots(data)
    job = api.data(RUN)["runNetworkAnalysis"]["job"]
    assert wait_for_job(api, job["id"])["status"] == "SUCCEEDED"
    window = {"from": (now - timedelta(days=30)).isoformat(), "to": now.isoformat()}
    run = api.data(RULE, window)["runRewards"]
    roots["reward run"] = run["run"]["id"]
    return Demo(data, now, roots)


@pytest.mark.parametrize(
    "question", QUESTIONS, ids=[f"{n}-{q.name}" for n, q in enumerate(QUESTIONS)]
)
def test_the_demo_answers(api: Api, loaded: Demo, question: Question) -> None:
    answer = api.data(question.document, question.variables(loaded))[question.name]
    assert answer, f"{question.name} answered nothing on the demo"
    figures = question.figures(answer)
    assert figures, f"{question.name} has no figures"
    assert all(f is not None and f != 0 for f in figures), (question.name, figures)


def test_every_analytics_query_is_asked() -> None:
    schema = (Path(__file__).parents[2] / "schema.graphql").read_text(encoding="utf-8")
    body = schema.split("\ntype Query {", 1)[1].split("\n}", 1)[0]
    fields = set(re.findall(r"^  ([a-zA-Z]+)[(:]", body, flags=re.MULTILINE))
    asked = {q.name for q in QUESTIONS}
    assert fields - NOT_ANALYTICS - asked == set()
    assert asked - fields == set()
