"""The network analysis over HTTP (admin mutation, job polling, score reads) and from the CLI."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any

import pytest

from growthgraph.config import Settings
from growthgraph.graph.database import Database
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import Api
from tests.support import structure_oracle
from tests.support.handmade import handmade

RUN = """
mutation($days: Int) {
  runNetworkAnalysis(inactiveDays: $days) {
    __typename
    ... on RunNetworkAnalysisSuccess { job { id status inactiveDays } }
    ... on AnalysisRunningError { code job { id status inactiveDays } }
  }
}
"""
JOB = """
query($id: ID) {
  networkAnalysis(id: $id) {
    id status step done total nodes referrals connections communities modularity weakNodes
    averageConnections startedAt finishedAt message
  }
}
"""
READS = """
{
  topInfluence(limit: 3) { referrer { id kind } influenceScore computedAt }
  communities(limit: 2, members: 2) { id users sources topUsers { user { id } communityId } }
  weakNodes(limit: 3) { user { id } weakNodeScore lastActiveAt }
  networkScores(userIds: ["c1", "ghost", "o1"]) { user { id } influenceScore computedAt }
  networkSummary { users connections averageConnections }
}
"""


def wait_for_job(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job: dict[str, Any] = api.data(JOB, {"id": job_id})["networkAnalysis"]
        if job["status"] != "RUNNING":
            return job
        time.sleep(0.2)
    raise AssertionError("the analysis did not finish in time")


async def test_run_network_analysis_over_http(api: Api, clean_db: Database) -> None:
    data = handmade()
    await load_dataset(clean_db, data)
    assert api.data(JOB, {"id": None})["networkAnalysis"] is None
    first = api.data(RUN, {"days": 30})["runNetworkAnalysis"]
    assert first["__typename"] == "RunNetworkAnalysisSuccess"
    assert first["job"]["status"] == "RUNNING"
    job = wait_for_job(api, first["job"]["id"])
    assert job["status"] == "SUCCEEDED", job
    nodes = len(data.users) + len(data.influencers) + len(data.partners)
    assert (job["nodes"], job["done"], job["total"]) == (nodes, 2 * nodes, 2 * nodes)
    assert job["referrals"] == sum(1 for u in data.users if u.referrer_id)
    assert api.data(JOB, {"id": None})["networkAnalysis"]["id"] == job["id"]
    reads = api.data(READS)
    expected = structure_oracle.pagerank(data)
    ranked = sorted(expected.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))[:3]
    kinds = {"User": "USER", "Influencer": "INFLUENCER", "Partner": "PARTNER"}
    assert [(r["referrer"]["kind"], r["referrer"]["id"]) for r in reads["topInfluence"]] == [
        (kinds[label], node_id) for (label, node_id), _ in ranked
    ]
    assert [r["influenceScore"] for r in reads["topInfluence"]] == pytest.approx(
        [v for _, v in ranked]
    )
    assert [s["user"]["id"] for s in reads["networkScores"]] == ["c1", "o1"]
    assert all(s["computedAt"] for s in reads["networkScores"])
    assert reads["networkSummary"] == {
        "users": len(data.users),
        "connections": 0,
        "averageConnections": 0.0,
    }
    for community in reads["communities"]:
        assert all(u["communityId"] == community["id"] for u in community["topUsers"])
    # All handmade users signed up in 2024: every user with betweenness is a weak node now.
    assert len(reads["weakNodes"]) == 3
    for bad in ({"days": 0}, {"days": 4000}):
        body = api.gql(RUN, bad)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = api.gql("{ topInfluence(limit: 101) { influenceScore } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_analyze_from_the_command_line(settings: Settings, clean_db: Database) -> None:
    await load_dataset(clean_db, handmade())
    env = {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_USER": settings.neo4j_user,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "GROWTHGRAPH_ANALYSIS_BATCH": "100",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "growthgraph.cli",
        "analyze",
        "--inactive-days",
        "7",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode == 0, err.decode()
    assert "communities" in out.decode()
    rows = await clean_db.read(
        "MATCH (j:NetworkAnalysis) RETURN j.status AS status, j.inactiveDays AS days"
    )
    assert rows == [{"status": "SUCCEEDED", "days": 7}]
    scored = await clean_db.read(
        "MATCH (u:User) WHERE u.networkComputedAt IS NULL RETURN count(u) AS n"
    )
    assert scored[0]["n"] == 0
