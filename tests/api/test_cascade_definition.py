"""One cascade definition in every field: the same roots asked through `referralCascade`,
`cascadeStructure`, `largestCascades`, `sourcePerformance` and `fraudSignals` give the same size
and depth, with their default `maxDepth` and with one chosen depth, and that is networkx's
answer: the root's descendants (the root not counted) within that many levels.

Two networks: a generated one, and the CollegeMsg referral forest (real data) whose three
largest trees are put under an influencer, a partner and left as a user root, so that every
field, the source leaderboard included, can be asked about them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import networkx as nx
import pytest

from growthgraph.graph import referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import ReferrerKindName
from growthgraph.graph.maintenance import delete_everything
from growthgraph.loading import seed
from growthgraph.loading.dataset import (
    Dataset,
    InfluencerRow,
    PartnerRow,
    load_dataset,
)
from tests.api.conftest import Api
from tests.support import oracle
from tests.support.collegemsg import collegemsg_dataset

EVERY_FIELD = """
query($root: ReferrerRef!, $depth: Int) {
  referralCascade(root: $root, maxDepth: $depth) { total depth levels { depth signUps } }
  cascadeStructure(root: $root, maxDepth: $depth) { size depth breadth }
  fraudSignals(root: $root, maxDepth: $depth, maxUsers: 20000) { downlineSize truncated }
}
"""
# Without `maxDepth`: each field's own default.
EVERY_FIELD_DEFAULT = """
query($root: ReferrerRef!) {
  referralCascade(root: $root) { total depth levels { depth signUps } }
  cascadeStructure(root: $root) { size depth breadth }
  fraudSignals(root: $root, maxUsers: 20000) { downlineSize truncated }
}
"""
SOURCES = """
query($kind: SourceKind!, $depth: Int) {
  sourcePerformance(kind: $kind, limit: 100, maxDepth: $depth) {
    source { id } downlineSignUps byDepth { depth signUps }
  }
}
"""
SOURCES_DEFAULT = """
query($kind: SourceKind!) {
  sourcePerformance(kind: $kind, limit: 100) { source { id } downlineSignUps byDepth { depth signUps } }
}
"""
LARGEST = """
query($from: DateTime!, $to: DateTime!, $depth: Int) {
  largestCascades(from: $from, to: $to, limit: 100, maxDepth: $depth) {
    root { id kind } signUps size
  }
}
"""
LARGEST_DEFAULT = """
query($from: DateTime!, $to: DateTime!) {
  largestCascades(from: $from, to: $to, limit: 100) { root { id kind } signUps size }
}
"""
KIND_OF_LABEL = {"User": "USER", "Influencer": "INFLUENCER", "Partner": "PARTNER"}


def _collegemsg() -> Dataset:
    """CollegeMsg with its largest tree under influencer cm-inf, its second under partner
    cm-ptn; the third stays a user root."""
    data = collegemsg_dataset()
    graph = oracle.referral_graph(data)
    roots = [n for n in graph if graph.in_degree(n) == 0]
    first, second = sorted(roots, key=lambda n: (-len(nx.descendants(graph, n)), n))[:2]
    data.influencers = [InfluencerRow("cm-inf", "@cm", "instagram", 1000, 0.05)]
    data.partners = [PartnerRow("cm-ptn", "CollegeMsg Partner", "affiliate")]
    under: dict[str, tuple[ReferrerKindName, str]] = {
        first[1]: ("INFLUENCER", "cm-inf"),
        second[1]: ("PARTNER", "cm-ptn"),
    }
    data.users = [
        replace(u, referrer_kind=under[u.id][0], referrer_id=under[u.id][1], channel="link")
        if u.id in under
        else u
        for u in data.users
    ]
    return data


DATASETS: dict[str, Callable[[], Dataset]] = {
    "generated": lambda: seed.generate(users=3_000, seed=9, days=60),
    "collegemsg": _collegemsg,
}


@dataclass
class Loaded:
    data: Dataset
    graph: nx.DiGraph[oracle.Node]

    def roots(self) -> list[oracle.Node]:
        """Every influencer and partner, and the three largest user roots."""
        users = [n for n in self.graph if n[0] == "User" and self.graph.in_degree(n) == 0]
        users.sort(key=lambda n: (-len(nx.descendants(self.graph, n)), n))
        return [n for n in self.graph if n[0] != "User"] + users[:3]

    def expected(self, root: oracle.Node, depth: int) -> tuple[int, int, list[int]]:
        """(size, depth, users per level) of the root's cascade down to ``depth`` levels."""
        levels = nx.single_source_shortest_path_length(self.graph, root, cutoff=depth)
        below = [d for n, d in levels.items() if n != root]
        assert len(below) == len(
            {n for n in nx.descendants(self.graph, root) if levels.get(n, depth + 1) <= depth}
        )
        deepest = max(below, default=0)
        return len(below), deepest, [below.count(d) for d in range(1, deepest + 1)]


@pytest.fixture(scope="module", params=list(DATASETS))
async def loaded(request: pytest.FixtureRequest, db: Database) -> Loaded:
    data = DATASETS[request.param]()
    await delete_everything(db)
    await load_dataset(db, data, batch_size=2_000)
    return Loaded(data, oracle.referral_graph(data))


def _window(data: Dataset) -> dict[str, str]:
    times = [u.signed_up_at for u in data.users]
    return {
        "from": min(times).isoformat(),
        "to": (max(times) + timedelta(seconds=1)).isoformat(),
    }


def _answers(api: Api, loaded: Loaded, depth: int | None) -> dict[oracle.Node, dict[str, Any]]:
    """Every field's (size, depth, levels) for every root; absent where a field does not list
    the root (sourcePerformance lists only influencers and partners, largestCascades only roots
    without a referrer and with members)."""
    got: dict[oracle.Node, dict[str, Any]] = {}
    with_depth = {} if depth is None else {"depth": depth}
    for node in loaded.roots():
        root = {"kind": KIND_OF_LABEL[node[0]], "id": node[1]}
        data = api.data(EVERY_FIELD if depth else EVERY_FIELD_DEFAULT, {"root": root, **with_depth})
        cascade, structure, fraud = (
            data["referralCascade"],
            data["cascadeStructure"],
            data["fraudSignals"],
        )
        assert not fraud["truncated"]
        got[node] = {
            "referralCascade": (
                cascade["total"],
                cascade["depth"],
                [lv["signUps"] for lv in cascade["levels"]],
            ),
            "cascadeStructure": (structure["size"], structure["depth"], structure["breadth"]),
            "fraudSignals": (fraud["downlineSize"],),
        }
    for kind, label in (("INFLUENCER", "Influencer"), ("PARTNER", "Partner")):
        rows = api.data(SOURCES if depth else SOURCES_DEFAULT, {"kind": kind, **with_depth})
        for row in rows["sourcePerformance"]:
            levels = {d["depth"]: d["signUps"] for d in row["byDepth"]}
            deepest = max(levels, default=0)
            got[(label, row["source"]["id"])]["sourcePerformance"] = (
                row["downlineSignUps"],
                deepest,
                [levels.get(d, 0) for d in range(1, deepest + 1)],
            )
    largest = api.data(
        LARGEST if depth else LARGEST_DEFAULT, {**_window(loaded.data), **with_depth}
    )
    for row in largest["largestCascades"]:
        node = ({v: k for k, v in KIND_OF_LABEL.items()}[row["root"]["kind"]], row["root"]["id"])
        if node in got:
            got[node]["largestCascades"] = (row["size"],)
            got[node]["largestCascades.signUps"] = (row["signUps"],)
    return got


@pytest.mark.parametrize("depth", [None, 2, 5])
def test_every_field_counts_the_same_cascade(api: Api, loaded: Loaded, depth: int | None) -> None:
    got = _answers(api, loaded, depth)
    followed = referrals.DEFAULT_CASCADE_DEPTH if depth is None else depth
    fields_seen: set[str] = set()
    for node, answers in got.items():
        size, deepest, per_level = loaded.expected(node, followed)
        for field, answer in answers.items():
            fields_seen.add(field)
            assert answer == (size, deepest, per_level)[: len(answer)], (node, field, answer)
        if node[0] != "User":
            assert "sourcePerformance" in answers, node
        if loaded.graph.in_degree(node) == 0 and size:
            # A root without a referrer and with members is among the largest cascades; the
            # window holds every sign-up, so its sign-ups are its size.
            assert "largestCascades" in answers, node
    assert fields_seen == {
        "referralCascade",
        "cascadeStructure",
        "fraudSignals",
        "sourcePerformance",
        "largestCascades",
        "largestCascades.signUps",
    }
    # Both networks have cascades deeper than 2 levels: the depth argument really mattered.
    if depth == 2:
        assert any(loaded.expected(n, 50)[0] > loaded.expected(n, depth)[0] for n in got)


def test_the_default_depth_is_the_whole_cascade(api: Api, loaded: Loaded) -> None:
    """With every default, each field counts every descendant (the networks are shallower than
    the bound), the root never."""
    got = _answers(api, loaded, None)
    for node, answers in got.items():
        whole = len(nx.descendants(loaded.graph, node))
        assert {answer[0] for answer in answers.values()} == {whole}, (node, answers)
