"""The network questions answer on the demo data: people you may know (against networkx), the
analysis job, and a planted fraud ring found through `fraudSignals`."""

from __future__ import annotations

from collections import defaultdict

import pytest

from growthgraph.graph.database import Database
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import Api
from tests.api.test_network_social_api import PYMK
from tests.api.test_network_structure_api import JOB, RUN, wait_for_job
from tests.support import social

FRAUD = """
query($id: ID!) {
  fraudSignals(root: {kind: USER, id: $id}, maxDepth: 3) {
    downlineSize sharedHashClusters { size members { id } sharedHashes { kind } }
  }
}
"""


async def test_network_questions_on_demo_data(api: Api, clean_db: Database) -> None:
    data = seed.generate(users=2_000, seed=7)
    await load_dataset(clean_db, data)
    graph = social.graph_of(data)
    hubs = sorted(graph.degree, key=lambda nd: (-nd[1], nd[0]))[:2]
    for uid, _ in hubs:
        got = api.data(PYMK, {"id": uid, "limit": 20, "evidence": 2})["peopleYouMayKnow"]
        expected = social.people_you_may_know(graph, uid)[:20]
        assert got
        assert [(g["user"]["id"], g["commonConnections"]) for g in got] == [
            (e[0], e[1]) for e in expected
        ]
        assert [g["adamicAdar"] for g in got] == pytest.approx([e[2] for e in expected])
    run = api.data(RUN, {"days": 30})["runNetworkAnalysis"]
    job = wait_for_job(api, run["job"]["id"])
    assert job["status"] == "SUCCEEDED"
    assert job["connections"] == len(data.connections)
    assert job["communities"] >= 2
    assert job["modularity"] > 0.3
    assert api.data(JOB, {"id": None})["networkAnalysis"]["id"] == job["id"]
    by_device: dict[str | None, list[str]] = defaultdict(list)
    for u in data.users:
        by_device[u.device_hash].append(u.id)
    ring = next(ids for ids in by_device.values() if len(ids) > 1)
    parent = next(u.referrer_id for u in data.users if u.id == ring[0])
    report = api.data(FRAUD, {"id": parent})["fraudSignals"]
    clusters = [{m["id"] for m in c["members"]} for c in report["sharedHashClusters"]]
    assert any(set(ring) <= c for c in clusters)
