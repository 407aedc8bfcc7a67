"""Network-analysis records as schema types."""

from __future__ import annotations

import strawberry

from growthgraph.api.structure.types import AnalysisStatus, NetworkAnalysis, UserNetworkScores
from growthgraph.api.types import user
from growthgraph.graph import structure, structure_reads


def job(r: structure.JobRecord) -> NetworkAnalysis:
    return NetworkAnalysis(
        id=strawberry.ID(r.id),
        status=AnalysisStatus(r.status),
        step=r.step,
        done=r.done,
        total=r.total,
        started_at=r.started_at,
        updated_at=r.updated_at,
        finished_at=r.finished_at,
        message=r.message,
        inactive_days=r.inactive_days,
        betweenness_cutoff=r.betweenness_cutoff,
        as_of=r.as_of or r.started_at,
        nodes=r.nodes,
        referrals=r.referrals,
        connections=r.connections,
        communities=r.communities,
        modularity=r.modularity,
        weak_nodes=r.weak_nodes,
        average_connections=r.average_connections,
    )


def scores(r: structure_reads.UserScores) -> UserNetworkScores:
    return UserNetworkScores(
        user=user(r.user),
        influence_score=r.influence,
        community_id=r.community,
        betweenness=r.betweenness,
        last_active_at=r.last_active_at,
        weak_node_score=r.weak_node_score,
        computed_at=r.computed_at,
    )
