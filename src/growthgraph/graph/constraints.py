"""Uniqueness constraints and indexes, applied idempotently at start-up."""

from __future__ import annotations

from typing import LiteralString

from growthgraph.graph.database import Database

SCHEMA_STATEMENTS: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT user_id IF NOT EXISTS FOR (n:User) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT influencer_id IF NOT EXISTS FOR (n:Influencer) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT partner_id IF NOT EXISTS FOR (n:Partner) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (n:Campaign) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT invite_id IF NOT EXISTS FOR (n:Invite) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT conversion_id IF NOT EXISTS FOR (n:Conversion) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT idempotency_key IF NOT EXISTS "
    "FOR (n:IdempotencyKey) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX user_signed_up_at IF NOT EXISTS FOR (n:User) ON (n.signedUpAt)",
    "CREATE INDEX invite_at IF NOT EXISTS FOR (n:Invite) ON (n.at)",
    "CREATE INDEX conversion_at IF NOT EXISTS FOR (n:Conversion) ON (n.at)",
    "CREATE INDEX referred_at IF NOT EXISTS FOR ()-[r:REFERRED]-() ON (r.at)",
)

AWAIT_INDEXES: LiteralString = "CALL db.awaitIndexes(300)"


async def apply_schema(db: Database) -> None:
    for statement in SCHEMA_STATEMENTS:
        await db.write(statement)
    await db.read(AWAIT_INDEXES)
