"""Activity events: a user was active at an instant, doing something of a kind (``login``,
``order.placed``). Retention and the funnel (``graph.retention``) read them.

An activity has no id of its own: it *is* its user, instant and kind. It is stored as
``(:User)-[:DID]->(:Activity {key, at, kind})`` whose ``key`` (``activity_key``) is unique, so a
repeat of the same event, through the API or an import, finds the stored one instead of adding a
second, and two concurrent identical calls cannot both create it (the uniqueness constraint
trips one, which then reads the other's). The write reads, decides and writes in one managed
transaction, like ``graph.events``; nothing is written on a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph.database import Database
from growthgraph.graph.entities import write_retrying
from growthgraph.graph.outcomes import Written
from growthgraph.graph.records import to_datetime
from growthgraph.rules import activity_before_sign_up


def activity_key(user_id: str, at: datetime, kind: str) -> str:
    """The stored identity of an activity: its user, kind and instant in UTC. A space separates
    them: ids and kinds never hold one. Two spellings of one instant give the same key."""
    return f"{user_id} {kind} {at.astimezone(UTC).isoformat()}"


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    user_id: str
    at: datetime
    kind: str


@dataclass(frozen=True, slots=True)
class UnknownUser:
    id: str


@dataclass(frozen=True, slots=True)
class ActivityBeforeSignUp:
    user_id: str
    signed_up_at: datetime


ActivityOutcome = Written[ActivityRecord] | UnknownUser | ActivityBeforeSignUp

ACTIVITY_STATE: LiteralString = """
OPTIONAL MATCH (u:User {id: $userId})
OPTIONAL MATCH (a:Activity {key: $key})
RETURN u.signedUpAt AS signedUpAt, a IS NOT NULL AS stored
"""
CREATE_ACTIVITY: LiteralString = """
MATCH (u:User {id: $userId})
CREATE (u)-[:DID]->(a:Activity)
SET a = $props
"""


async def record_activity(
    db: Database, *, user_id: str, at: datetime, kind: str
) -> ActivityOutcome:
    at = at.astimezone(UTC)
    key = activity_key(user_id, at, kind)
    record = ActivityRecord(user_id, at, kind)

    async def work(tx: AsyncManagedTransaction) -> ActivityOutcome:
        result = await tx.run(ACTIVITY_STATE, userId=user_id, key=key)
        state: dict[str, Any] = (await result.single(strict=True)).data()
        if state["signedUpAt"] is None:
            return UnknownUser(user_id)
        if state["stored"]:
            return Written(record, created=False)
        signed_up_at = to_datetime(state["signedUpAt"])
        if activity_before_sign_up(at, signed_up_at):
            return ActivityBeforeSignUp(user_id, signed_up_at)
        props = {"key": key, "at": at, "kind": kind}
        await (await tx.run(CREATE_ACTIVITY, userId=user_id, props=props)).consume()
        return Written(record, created=True)

    return await write_retrying(db, work)
