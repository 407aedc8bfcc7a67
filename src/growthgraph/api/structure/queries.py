"""Root fields that read the network analysis: its jobs and the scores it stored."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.arguments import COMMUNITY_MEMBERS, SCORES_LIMIT, check
from growthgraph.api.context import Info
from growthgraph.api.structure.mapping import job, scores
from growthgraph.api.structure.types import (
    Community,
    InfluenceScore,
    NetworkAnalysis,
    NetworkSummary,
    UserNetworkScores,
)
from growthgraph.api.types import referrer
from growthgraph.errors import BadUserInputError
from growthgraph.graph import structure, structure_reads

Limit = Annotated[int, SCORES_LIMIT.argument()]


async def network_analysis(
    info: Info,
    id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="A job id; the most recently started job if omitted."),
    ] = None,
) -> NetworkAnalysis | None:
    db = info.context.db
    found = await (structure.latest_job(db) if id is None else structure.get_job(db, str(id)))
    return None if found is None else job(found)


async def top_influence(info: Info, limit: Limit = 10) -> list[InfluenceScore]:
    SCORES_LIMIT.check(limit)
    found = await structure_reads.top_influence(info.context.db, limit=limit)
    return [
        InfluenceScore(
            referrer=referrer(r.node),
            influence_score=r.influence,
            community_id=r.community,
            computed_at=r.computed_at,
        )
        for r in found
    ]


async def weak_nodes(info: Info, limit: Limit = 10) -> list[UserNetworkScores]:
    SCORES_LIMIT.check(limit)
    return [scores(r) for r in await structure_reads.weak_nodes(info.context.db, limit=limit)]


async def communities(
    info: Info,
    limit: Limit = 10,
    members: Annotated[int, COMMUNITY_MEMBERS.argument()] = 5,
) -> list[Community]:
    check((SCORES_LIMIT, limit), (COMMUNITY_MEMBERS, members))
    found = await structure_reads.communities(info.context.db, limit=limit, members=members)
    return [
        Community(
            id=c.id,
            users=c.users,
            sources=c.sources,
            top_users=[scores(u) for u in c.top_users],
        )
        for c in found
    ]


async def network_scores(
    info: Info,
    user_ids: Annotated[
        list[strawberry.ID],
        strawberry.argument(
            description=f"Up to {structure_reads.MAX_LIMIT} user ids; unknown ids are skipped."
        ),
    ],
) -> list[UserNetworkScores]:
    if len(user_ids) > structure_reads.MAX_LIMIT:
        raise BadUserInputError(f"at most {structure_reads.MAX_LIMIT} `userIds`")
    ids = [str(i) for i in user_ids]
    found = await structure_reads.user_scores(info.context.db, ids)
    return [scores(found[i]) for i in dict.fromkeys(ids) if i in found]


async def network_summary(info: Info) -> NetworkSummary:
    found = await structure_reads.summary(info.context.db)
    return NetworkSummary(
        users=found.users,
        connections=found.connections,
        average_connections=found.average_connections,
    )


@strawberry.type
class StructureQuery:
    network_summary: NetworkSummary = strawberry.field(
        resolver=network_summary,
        description="Users, connections and average connections per user, counted now.",
    )
    network_analysis: NetworkAnalysis | None = strawberry.field(
        resolver=network_analysis,
        description="A network analysis job with its progress and results; without `id`, the "
        "most recently started one. Null if there is none.",
    )
    top_influence: list[InfluenceScore] = strawberry.field(
        resolver=top_influence,
        description="Users, influencers and partners by influence score (PageRank on the "
        "referral graph, from the last analysis), highest first; ties by id, then kind. "
        "Nodes created after the last analysis have no score and are not listed.",
    )
    communities: list[Community] = strawberry.field(
        resolver=communities,
        description="The largest communities of the last analysis, largest first. Communities "
        "are found with the Leiden algorithm maximising modularity on the undirected graph of "
        "social connections plus referrals, so people who know or referred each other group "
        "together.",
    )
    weak_nodes: list[UserNetworkScores] = strawberry.field(
        resolver=weak_nodes,
        description="Re-engagement targets: inactive users that hold the network together. "
        "A user is inactive when nothing happened for `inactiveDays` days before the analysis "
        "(no sign-up, referral made, connection, conversion or invite sent); a weak node is an "
        "inactive user with betweenness above 0. Ranked by betweenness, highest first, then "
        "by id.",
    )
    network_scores: list[UserNetworkScores] = strawberry.field(
        resolver=network_scores,
        description="The stored network scores of the given users, in the order asked, each "
        "with the time it was computed.",
    )
