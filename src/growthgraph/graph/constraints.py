"""Uniqueness constraints and indexes, applied idempotently at start-up."""

from __future__ import annotations

from typing import LiteralString

from growthgraph.graph import counters, name_keys
from growthgraph.graph.database import Database

SCHEMA_STATEMENTS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (n:User) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT influencer_id IF NOT EXISTS FOR (n:Influencer) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT partner_id IF NOT EXISTS FOR (n:Partner) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (n:Campaign) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT invite_id IF NOT EXISTS FOR (n:Invite) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT conversion_id IF NOT EXISTS FOR (n:Conversion) REQUIRE n.id IS UNIQUE",
    # An activity is its user, kind and instant (graph.activity.activity_key).
    "CREATE CONSTRAINT activity_key IF NOT EXISTS FOR (n:Activity) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT idempotency_key IF NOT EXISTS "
    "FOR (n:IdempotencyKey) REQUIRE n.key IS UNIQUE",
    # Idempotency records are purged by age (graph.idempotency).
    "CREATE INDEX idempotency_key_at IF NOT EXISTS FOR (n:IdempotencyKey) ON (n.at)",
    # Erasure finds the flag reasons that mention a user by text search (graph.privacy).
    "CREATE TEXT INDEX user_flag_reason IF NOT EXISTS FOR (n:User) ON (n.flagReason)",
    "CREATE CONSTRAINT reward_rule_id IF NOT EXISTS FOR (n:RewardRule) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT reward_run_id IF NOT EXISTS FOR (n:RewardRun) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT reward_id IF NOT EXISTS FOR (n:Reward) REQUIRE n.id IS UNIQUE",
    # A user's rewards (User.rewards): rewards name their beneficiary by id and label.
    "CREATE INDEX reward_beneficiary IF NOT EXISTS "
    "FOR (n:Reward) ON (n.beneficiaryId, n.beneficiaryLabel)",
    "CREATE INDEX user_signed_up_at IF NOT EXISTS FOR (n:User) ON (n.signedUpAt)",
    # The filters of the root list of users (graph.users.USER_LIST).
    "CREATE INDEX user_country IF NOT EXISTS FOR (n:User) ON (n.country)",
    "CREATE INDEX user_campaign IF NOT EXISTS FOR (n:User) ON (n.campaignId)",
    # The filters and sorts of the root lists of sources (graph.sources.INFLUENCER_LIST, ...);
    # their referral-counter sorts read the counters' own indexes (graph.counters).
    "CREATE INDEX influencer_platform IF NOT EXISTS FOR (n:Influencer) ON (n.platform)",
    "CREATE INDEX influencer_followers IF NOT EXISTS FOR (n:Influencer) ON (n.followers)",
    "CREATE INDEX influencer_engagement IF NOT EXISTS FOR (n:Influencer) ON (n.engagementRate)",
    "CREATE INDEX partner_kind IF NOT EXISTS FOR (n:Partner) ON (n.kind)",
    # The name orders read the names' ASCII sort keys (graph.name_keys), not the names.
    "CREATE INDEX partner_name_sort_key IF NOT EXISTS FOR (n:Partner) ON (n.nameSortKey)",
    "CREATE INDEX campaign_name_sort_key IF NOT EXISTS FOR (n:Campaign) ON (n.nameSortKey)",
    "CREATE INDEX campaign_utm_source IF NOT EXISTS FOR (n:Campaign) ON (n.utmSource)",
    "CREATE INDEX campaign_utm_medium IF NOT EXISTS FOR (n:Campaign) ON (n.utmMedium)",
    "CREATE INDEX invite_at IF NOT EXISTS FOR (n:Invite) ON (n.at)",
    "CREATE INDEX conversion_at IF NOT EXISTS FOR (n:Conversion) ON (n.at)",
    "CREATE CONSTRAINT cost_id IF NOT EXISTS FOR (n:Cost) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX cost_at IF NOT EXISTS FOR (n:Cost) ON (n.at)",
    "CREATE INDEX activity_at IF NOT EXISTS FOR (n:Activity) ON (n.at)",
    "CREATE INDEX referred_at IF NOT EXISTS FOR ()-[r:REFERRED]-() ON (r.at)",
    # Network analysis: job records, and the stored scores that leaderboards read in order.
    "CREATE CONSTRAINT network_analysis_id IF NOT EXISTS "
    "FOR (n:NetworkAnalysis) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT network_analysis_lock_id IF NOT EXISTS "
    "FOR (n:NetworkAnalysisLock) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX network_analysis_started IF NOT EXISTS FOR (n:NetworkAnalysis) ON (n.startedAt)",
    "CREATE INDEX user_influence IF NOT EXISTS FOR (n:User) ON (n.influenceScore)",
    "CREATE INDEX influencer_influence IF NOT EXISTS FOR (n:Influencer) ON (n.influenceScore)",
    "CREATE INDEX partner_influence IF NOT EXISTS FOR (n:Partner) ON (n.influenceScore)",
    "CREATE INDEX user_community IF NOT EXISTS FOR (n:User) ON (n.communityId)",
    "CREATE INDEX influencer_community IF NOT EXISTS FOR (n:Influencer) ON (n.communityId)",
    "CREATE INDEX partner_community IF NOT EXISTS FOR (n:Partner) ON (n.communityId)",
    "CREATE INDEX user_weak_node IF NOT EXISTS FOR (n:User) ON (n.weakNodeScore)",
    # The change feed (graph.changes): one counter node, changes by seq, pruned by age.
    "CREATE CONSTRAINT change_feed_id IF NOT EXISTS FOR (n:ChangeFeed) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT change_seq IF NOT EXISTS FOR (n:Change) REQUIRE n.seq IS UNIQUE",
    "CREATE INDEX change_at IF NOT EXISTS FOR (n:Change) ON (n.at)",
    # Webhooks (graph.webhooks): registrations and delivery records.
    "CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (n:Webhook) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS "
    "FOR (n:WebhookDelivery) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX webhook_delivery_status IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.status)",
    "CREATE INDEX webhook_delivery_hook IF NOT EXISTS FOR (n:WebhookDelivery) ON (n.webhookId)",
    # Leaderboard counters: see graph.counters.
    *counters.SCHEMA_STATEMENTS,
)

AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes(300)"


async def apply_schema(db: Database) -> None:
    """The constraints and indexes, and the derived properties a database written before them
    lacks: the sort keys of names (``graph.name_keys.backfill``, nothing once every name has
    one)."""
    for statement in SCHEMA_STATEMENTS:
        await db.write(statement)
    await db.read(AWAIT_INDEXES)
    await name_keys.backfill(db)
