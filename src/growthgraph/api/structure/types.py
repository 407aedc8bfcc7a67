"""Types of the network analysis: its jobs and the scores it stores."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from growthgraph.api.errors import Error
from growthgraph.api.types import Referrer, User


@strawberry.enum(description="Where a network analysis job stands.")
class AnalysisStatus(Enum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.type(
    description="One run of the network analysis: it exports the referral and social graphs, "
    "computes influence scores, communities, betweenness and weak nodes, and writes them back "
    "onto the nodes in batches."
)
class NetworkAnalysis:
    id: strawberry.ID
    status: AnalysisStatus
    step: str = strawberry.field(description="What the job is doing now, e.g. `exporting users`.")
    done: int = strawberry.field(
        description="Progress: rows exported plus rows written so far (out of `total`)."
    )
    total: int = strawberry.field(
        description="Rows to process: every user, influencer and partner, once exported and "
        "once written. 0 until the job has counted them."
    )
    started_at: datetime
    updated_at: datetime = strawberry.field(
        description="Last progress report. A RUNNING job silent for an hour counts as abandoned."
    )
    finished_at: datetime | None
    message: str | None = strawberry.field(description="Why the job failed, when it did.")
    inactive_days: int = strawberry.field(
        description="A user with no activity in this many days before `asOf` is inactive "
        "(see `weakNodes`)."
    )
    as_of: datetime = strawberry.field(
        description="The instant inactivity was measured back from: the `asOf` the job was "
        "started with, else the instant it started."
    )
    betweenness_cutoff: int | None = strawberry.field(
        description="Betweenness counted only shortest paths of at most this many hops; null "
        "means exact betweenness."
    )
    nodes: int | None = strawberry.field(description="Users, influencers and partners scored.")
    referrals: int | None = strawberry.field(description="REFERRED edges in the projection.")
    connections: int | None = strawberry.field(description="CONNECTED_TO edges in the projection.")
    communities: int | None = strawberry.field(
        description="Communities found (an isolated node is a community of one)."
    )
    modularity: float | None = strawberry.field(
        description="Newman modularity of the community partition on the undirected social "
        "plus referral graph (-0.5 to 1; above about 0.3 means clear community structure)."
    )
    weak_nodes: int | None = strawberry.field(description="Users found to be weak nodes.")
    average_connections: float | None = strawberry.field(
        description="Average connections per user at analysis time: 2 x connections / users."
    )


@strawberry.type(
    description="A new network analysis job started; follow it with `networkAnalysis(id:)`."
)
class RunNetworkAnalysisSuccess:
    job: NetworkAnalysis = strawberry.field(description="The job just started (RUNNING).")


@strawberry.type(
    description="A network analysis job is already running: no second one starts. Follow the "
    "running one with `networkAnalysis(id:)`, or call again once it has finished."
)
class AnalysisRunningError(Error):
    job: NetworkAnalysis = strawberry.field(description="The job that is running.")


RunNetworkAnalysisResult = Annotated[
    RunNetworkAnalysisSuccess | AnalysisRunningError,
    strawberry.union("RunNetworkAnalysisResult"),
]


@strawberry.type(description="A user's stored network scores, from the last analysis.")
class UserNetworkScores:
    user: User
    influence_score: float | None = strawberry.field(
        description="PageRank on the referral graph (see `topInfluence`); null until analysed."
    )
    community_id: int | None = strawberry.field(
        description="The user's community; ids are numbered from 0 by size, largest first, "
        "and are only comparable within one analysis."
    )
    betweenness: float | None = strawberry.field(
        description="Shortest-path betweenness on the undirected social plus referral graph: "
        "the number of pairs of other nodes whose shortest paths run through the user "
        "(split evenly when there are several); with the job's `betweennessCutoff`, only "
        "pairs at most that many hops apart count."
    )
    last_active_at: datetime | None = strawberry.field(
        description="The user's latest activity at analysis time: the latest of sign-up, "
        "referrals made, connections, conversions and invites sent."
    )
    weak_node_score: float | None = strawberry.field(
        description="The betweenness of a weak node; null for users that are not weak nodes."
    )
    computed_at: datetime | None = strawberry.field(
        description="When these scores were written; null if the user was never analysed."
    )


@strawberry.type(description="A referrer's influence score.")
class InfluenceScore:
    referrer: Referrer
    influence_score: float = strawberry.field(
        description="PageRank (damping 0.85) on the referral graph with each edge pointing from "
        "the referee to its referrer: a referral is a vote for the referrer, and the votes of "
        "influential referees weigh more. Scores sum to 1 over all users, influencers and "
        "partners."
    )
    community_id: int | None
    computed_at: datetime = strawberry.field(description="When the score was written.")


@strawberry.type(description="One community of the social plus referral graph.")
class Community:
    id: int = strawberry.field(description="Numbered from 0 by size, largest first.")
    users: int = strawberry.field(description="Users in the community.")
    sources: int = strawberry.field(description="Influencers and partners in the community.")
    top_users: list[UserNetworkScores] = strawberry.field(
        description="Its most influential users (highest influence score, then id)."
    )


@strawberry.type(description="Size of the social graph, counted live.")
class NetworkSummary:
    users: int
    connections: int = strawberry.field(description="CONNECTED_TO edges (each counted once).")
    average_connections: float = strawberry.field(
        description="Average connections per user: 2 x connections / users (0 with no users)."
    )
