"""Root fields of the social graph and of network analytics."""

from __future__ import annotations

import strawberry

from growthgraph.resolvers import fraud, network, structure
from growthgraph.schema.fraud import FraudReport
from growthgraph.schema.network import ConnectUsersResult, PersonYouMayKnow
from growthgraph.schema.structure import (
    Community,
    InfluenceScore,
    NetworkAnalysis,
    NetworkSummary,
    RunNetworkAnalysisResult,
    UserNetworkScores,
)


@strawberry.type(description="Reads of the social graph and of network analytics.")
class NetworkQuery:
    people_you_may_know: list[PersonYouMayKnow] | None = strawberry.field(
        resolver=network.people_you_may_know,
        description="People a user may know: users connected to at least one of the user's "
        "connections but not to the user (and not the user), ranked by the number of common "
        "connections (most first), then by Adamic-Adar index (highest first), then by user id. "
        "Each suggestion lists its shared connections as evidence. Null if the user does not "
        "exist; empty if the user has no friends of friends.",
    )
    fraud_signals: FraudReport | None = strawberry.field(
        resolver=fraud.fraud_signals,
        description="Fraud signals over the downline under one referrer (users up to "
        "`maxDepth` REFERRED hops below it), each with its evidence and a score: clusters of "
        "users sharing IP or device hashes, velocity bursts of direct sign-ups under one "
        "referrer, referral caps exceeded per period, and near-duplicate identities. Each "
        "list holds at most `limit` entries and each entry at most 100 users. Null if the "
        "referrer does not exist.",
    )
    network_summary: NetworkSummary = strawberry.field(
        resolver=structure.network_summary,
        description="Users, connections and average connections per user, counted now.",
    )
    network_analysis: NetworkAnalysis | None = strawberry.field(
        resolver=structure.network_analysis,
        description="A network analysis job with its progress and results; without `id`, the "
        "most recently started one. Null if there is none.",
    )
    top_influence: list[InfluenceScore] = strawberry.field(
        resolver=structure.top_influence,
        description="Users, influencers and partners by influence score (PageRank on the "
        "referral graph, from the last analysis), highest first; ties by id, then kind. "
        "Nodes created after the last analysis have no score and are not listed.",
    )
    communities: list[Community] = strawberry.field(
        resolver=structure.communities,
        description="The largest communities of the last analysis, largest first. Communities "
        "are found with the Leiden algorithm maximising modularity on the undirected graph of "
        "social connections plus referrals, so people who know or referred each other group "
        "together.",
    )
    weak_nodes: list[UserNetworkScores] = strawberry.field(
        resolver=structure.weak_nodes,
        description="Re-engagement targets: inactive users that hold the network together. "
        "A user is inactive when nothing happened for `inactiveDays` days before the analysis "
        "(no sign-up, referral made, connection, conversion or invite sent); a weak node is an "
        "inactive user with betweenness above 0. Ranked by betweenness, highest first, then "
        "by id.",
    )
    network_scores: list[UserNetworkScores] = strawberry.field(
        resolver=structure.network_scores,
        description="The stored network scores of the given users, in the order asked, each "
        "with the time it was computed.",
    )


@strawberry.type(
    description="Writes of the social graph and network analytics. Each returns its success "
    "type or one of its own error types; on an error nothing is written, and repeating a call "
    "is safe."
)
class NetworkMutation:
    connect_users: ConnectUsersResult = strawberry.field(
        resolver=network.connect_users,
        description="Record that two users are connected. A connection is undirected: "
        "connecting a with b and b with a is the same connection, stored once. Repeating it "
        "returns the stored connection with `created: false`.",
    )
    run_network_analysis: RunNetworkAnalysisResult = strawberry.field(
        resolver=structure.run_network_analysis,
        description="Admin: start the network analysis in the background and return its job "
        "at once; follow it with `networkAnalysis(id:)`. Only one job runs at a time: while "
        "one runs, this returns it with `started: false`. The same job runs from the command "
        "line with `growthgraph analyze`.",
    )
