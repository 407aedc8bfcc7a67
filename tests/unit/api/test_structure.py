"""Structure: the network analysis job and the scores it stored, against scripted graph answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from growthgraph.config import Role
from growthgraph.graph import structure, structure_reads
from growthgraph.graph.database import Database
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, user_props

SUMMARY = "{ networkSummary { users connections averageConnections } }"
JOB_FIELDS = """
id status step done total startedAt updatedAt finishedAt message inactiveDays betweennessCutoff
nodes referrals connections communities modularity weakNodes averageConnections
"""
ANALYSIS = f"query($id: ID) {{ networkAnalysis(id: $id) {{ {JOB_FIELDS} }} }}"
RUN = f"""
mutation($days: Int) {{
  runNetworkAnalysis(inactiveDays: $days) {{
    __typename
    ... on RunNetworkAnalysisSuccess {{ job {{ {JOB_FIELDS} }} }}
    ... on AnalysisRunningError {{ code message job {{ {JOB_FIELDS} }} }}
  }}
}}
"""
SCORE_FIELDS = (
    "user { id } influenceScore communityId betweenness lastActiveAt weakNodeScore computedAt"
)
INFLUENCE = """
query($limit: Int!) {
  topInfluence(limit: $limit) { referrer { __typename id } influenceScore communityId computedAt }
}
"""
WEAK = f"query($limit: Int!) {{ weakNodes(limit: $limit) {{ {SCORE_FIELDS} }} }}"
COMMUNITIES = """
query($limit: Int!, $members: Int!) {
  communities(limit: $limit, members: $members) { id users sources topUsers { user { id } influenceScore } }
}
"""
SCORES = f"query($ids: [ID!]!) {{ networkScores(userIds: $ids) {{ {SCORE_FIELDS} }} }}"
JOB = {
    "id": "j1",
    "status": "SUCCEEDED",
    "step": "done",
    "done": 20,
    "total": 20,
    "startedAt": "2024-05-01T10:00:00Z",
    "updatedAt": at("2024-05-01T10:05:00+00:00"),
    "finishedAt": "2024-05-01T10:05:00Z",
    "inactiveDays": 30,
    "betweennessCutoff": 4,
    "nodes": 10,
    "referrals": 6,
    "connections": 8,
    "communities": 2,
    "modularity": 0.41,
    "weakNodes": 1,
    "averageConnections": 1.6,
}
JOB_OUT = {
    "id": "j1",
    "status": "SUCCEEDED",
    "step": "done",
    "done": 20,
    "total": 20,
    "startedAt": "2024-05-01T10:00:00+00:00",
    "updatedAt": "2024-05-01T10:05:00+00:00",
    "finishedAt": "2024-05-01T10:05:00+00:00",
    "message": None,
    "inactiveDays": 30,
    "betweennessCutoff": 4,
    "nodes": 10,
    "referrals": 6,
    "connections": 8,
    "communities": 2,
    "modularity": 0.41,
    "weakNodes": 1,
    "averageConnections": 1.6,
}


def scored(uid: str, **more: Any) -> dict[str, Any]:
    return user_props(uid, networkComputedAt="2024-05-01T10:05:00Z", **more)


@pytest.mark.parametrize(("users", "connections", "average"), [(4, 6, 3.0), (0, 0, 0.0)])
async def test_network_summary_counts_each_connection_for_both_users(
    gql: Gql, fake: FakeDatabase, users: int, connections: int, average: float
) -> None:
    fake.answer(structure_reads.SUMMARY, [{"users": users, "connections": connections}])
    assert await gql.data(SUMMARY) == {
        "networkSummary": {
            "users": users,
            "connections": connections,
            "averageConnections": average,
        }
    }


async def test_network_analysis_by_id_latest_or_none(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(structure.LATEST_JOB, [{"j": JOB}])
    fake.answer(structure.GET_JOB, [])

    assert await gql.data(ANALYSIS) == {"networkAnalysis": JOB_OUT}
    assert await gql.data(ANALYSIS, {"id": "j9"}) == {"networkAnalysis": None}
    assert fake.ran(structure.LATEST_JOB) == [{}]
    assert fake.ran(structure.GET_JOB) == [{"id": "j9"}]


def script_start(fake: FakeDatabase, running: list[dict[str, Any]]) -> None:
    fake.answer(structure.LOCK_JOBS, [{"id": "network"}])
    fake.answer(structure.ABANDON_STALE, [{"abandoned": 0}])
    fake.answer(structure.RUNNING_JOB, running)
    fake.answer(structure.CREATE_JOB, lambda p: [{"j": p["props"]}])


async def test_a_running_job_is_returned_instead_of_a_second_one(
    gql: Gql, fake: FakeDatabase
) -> None:
    running = JOB | {"status": "RUNNING", "step": "exporting users", "finishedAt": None}
    script_start(fake, [{"j": running}])

    out = await gql.data(RUN, {"days": 3650})

    refused = out["runNetworkAnalysis"]
    assert refused["__typename"] == "AnalysisRunningError"
    assert refused["code"] == "ANALYSIS_RUNNING"
    assert refused["message"] == (
        "network analysis j1 is already running (started 2024-05-01T10:00:00+00:00)"
    )
    assert refused["job"]["id"] == "j1"
    assert refused["job"]["status"] == "RUNNING"
    assert fake.ran(structure.CREATE_JOB) == []
    [lock] = fake.ran(structure.LOCK_JOBS)
    [stale] = fake.ran(structure.ABANDON_STALE)
    assert (lock["now"] - stale["staleBefore"]).total_seconds() == 3600


async def test_a_new_job_runs_in_the_background_with_the_settings(
    gql: Gql, fake: FakeDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    script_start(fake, [])
    handed: list[tuple[str, int]] = []
    done = asyncio.Event()

    async def run_job(
        db: Database, record: structure.JobRecord, *, batch: int
    ) -> structure.JobRecord:
        handed.append((record.id, batch))
        done.set()
        return record

    monkeypatch.setattr(structure, "run_job", run_job)

    out = (await gql.data(RUN, {}))["runNetworkAnalysis"]
    await asyncio.wait_for(done.wait(), 1)

    assert out["__typename"] == "RunNetworkAnalysisSuccess"
    [create] = fake.ran(structure.CREATE_JOB)
    props = create["props"]
    assert props["startedAt"] == props["updatedAt"] == props["asOf"]  # asOf defaults to now
    assert {
        k: v for k, v in props.items() if k not in {"id", "startedAt", "updatedAt", "asOf"}
    } == {
        "status": "RUNNING",
        "step": "queued",
        "done": 0,
        "total": 0,
        "inactiveDays": 30,  # the server's setting when omitted
        "betweennessCutoff": 4,
    }
    assert out["job"]["id"] == props["id"]
    assert handed == [(props["id"], 5000)]


async def test_run_network_analysis_bounds_and_role(gql: Gql, fake: FakeDatabase) -> None:
    assert await gql.error(RUN, {"days": 3651}) == (
        "BAD_USER_INPUT",
        "`inactiveDays` must be between 1 and 3650",
    )
    assert await gql.error(RUN, {"days": 0}) == (
        "BAD_USER_INPUT",
        "`inactiveDays` must be between 1 and 3650",
    )
    assert await gql.error(RUN, {}, role=Role.WRITER) == (
        "FORBIDDEN",
        "Only the admin role may run runNetworkAnalysis.",
    )
    assert fake.calls == []


async def test_top_influence_maps_every_kind(gql: Gql, fake: FakeDatabase) -> None:
    partner = {"id": "p1", "name": "Acme", "kind": "affiliate", "influenceScore": 0.5}
    partner |= {"networkComputedAt": "2024-05-01T10:05:00Z"}
    fake.answer(
        structure_reads.TOP_INFLUENCE,
        [
            {"n": partner, "label": "Partner"},
            {"n": scored("u1", influenceScore=0.25, communityId=0), "label": "User"},
        ],
    )

    out = await gql.data(INFLUENCE, {"limit": 100})

    assert out["topInfluence"] == [
        {
            "referrer": {"__typename": "Partner", "id": "p1"},
            "influenceScore": 0.5,
            "communityId": None,
            "computedAt": "2024-05-01T10:05:00+00:00",
        },
        {
            "referrer": {"__typename": "User", "id": "u1"},
            "influenceScore": 0.25,
            "communityId": 0,
            "computedAt": "2024-05-01T10:05:00+00:00",
        },
    ]
    assert fake.ran(structure_reads.TOP_INFLUENCE) == [{"limit": 100}]


async def test_weak_nodes_carry_their_scores(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(
        structure_reads.WEAK_NODES,
        [
            {
                "u": scored(
                    "u1",
                    influenceScore=0.1,
                    communityId=3,
                    betweenness=7.5,
                    weakNodeScore=7.5,
                    lastActiveAt="2024-03-01T00:00:00Z",
                )
            }
        ],
    )

    assert await gql.data(WEAK, {"limit": 1}) == {
        "weakNodes": [
            {
                "user": {"id": "u1"},
                "influenceScore": 0.1,
                "communityId": 3,
                "betweenness": 7.5,
                "lastActiveAt": "2024-03-01T00:00:00+00:00",
                "weakNodeScore": 7.5,
                "computedAt": "2024-05-01T10:05:00+00:00",
            }
        ]
    }


async def test_communities_and_their_bounds(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(
        structure_reads.COMMUNITIES,
        [{"cid": 0, "users": 5, "sources": 1, "top": [scored("u1", influenceScore=0.3)]}],
    )
    out = await gql.data(COMMUNITIES, {"limit": 100, "members": 50})
    assert out["communities"] == [
        {
            "id": 0,
            "users": 5,
            "sources": 1,
            "topUsers": [{"user": {"id": "u1"}, "influenceScore": 0.3}],
        }
    ]
    assert fake.ran(structure_reads.COMMUNITIES) == [{"limit": 100, "members": 50}]
    fake.calls.clear()

    for variables, message in [
        ({"limit": 101, "members": 5}, "`limit` must be between 1 and 100"),
        ({"limit": 10, "members": 51}, "`members` must be between 1 and 50"),
        ({"limit": 0, "members": 0}, "`limit` must be between 1 and 100"),
    ]:
        assert await gql.error(COMMUNITIES, variables) == ("BAD_USER_INPUT", message)
    assert await gql.error(WEAK, {"limit": 101}) == (
        "BAD_USER_INPUT",
        "`limit` must be between 1 and 100",
    )
    assert fake.calls == []


async def test_network_scores_in_the_order_asked_without_unknown_ids(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(
        structure_reads.USER_SCORES,
        [{"uid": "u1", "u": scored("u1")}, {"uid": "u2", "u": user_props("u2")}],
    )

    out = await gql.data(SCORES, {"ids": ["u2", "u9", "u1", "u2"]})

    assert [s["user"]["id"] for s in out["networkScores"]] == ["u2", "u1"]
    never_analysed = out["networkScores"][0]
    assert (never_analysed["influenceScore"], never_analysed["computedAt"]) == (None, None)
    assert fake.ran(structure_reads.USER_SCORES) == [{"ids": ["u2", "u9", "u1"]}]


async def test_network_scores_take_at_most_100_ids(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(structure_reads.USER_SCORES, [])
    ids = [f"u{i}" for i in range(101)]
    assert await gql.data(SCORES, {"ids": ids[:100]}) == {"networkScores": []}
    fake.calls.clear()

    assert await gql.error(SCORES, {"ids": ids}) == ("BAD_USER_INPUT", "at most 100 `userIds`")
    assert fake.calls == []
