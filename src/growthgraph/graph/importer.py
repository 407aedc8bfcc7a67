"""Cypher for ``growthgraph import``: look up what the files point at, then write planned rows in
batched ``UNWIND`` transactions.

Two modes. On a target verified empty at the start, nodes and edges are written with ``CREATE``
(no lookup before each write). Otherwise every statement ``MERGE``s, and the referral and
acceptance edges re-check their one-per-user rule inside the write, so a re-run or a concurrent
sign-up never duplicates or breaks the forest; an invite or conversion id already stored under
another sender or user keeps its one stored owner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, LiteralString, TypeVar, cast

from growthgraph.dataset import ReferrerKindName
from growthgraph.graph.database import Database
from growthgraph.graph.records import to_datetime

T = TypeVar("T")
Mode = Literal["create", "merge"]
Progress = Callable[[int], object]
NodeLabel = Literal["Influencer", "Partner", "Campaign", "User"]

_LABELS: dict[ReferrerKindName, LiteralString] = {
    "USER": "User",
    "INFLUENCER": "Influencer",
    "PARTNER": "Partner",
}
_NODE_LABELS: dict[NodeLabel, LiteralString] = {
    "Influencer": "Influencer",
    "Partner": "Partner",
    "Campaign": "Campaign",
    "User": "User",
}

LOOKUP_USERS: LiteralString = """
UNWIND $ids AS uid
MATCH (u:User {id: uid})
RETURN u.id AS id, u.signedUpAt AS at
"""
_LOOKUP_IDS_TEMPLATE: LiteralString = """
UNWIND $ids AS nid
MATCH (n:$LABEL {id: nid})
RETURN n.id AS id
"""
LOOKUP_IDS: dict[NodeLabel, LiteralString] = {
    name: _LOOKUP_IDS_TEMPLATE.replace("$LABEL", label) for name, label in _NODE_LABELS.items()
}
LOOKUP_REFERRERS: LiteralString = """
UNWIND $ids AS uid
MATCH (src)-[:REFERRED]->(:User {id: uid})
RETURN uid AS id, src.id AS referrerId,
       CASE WHEN src:User THEN 'USER' WHEN src:Influencer THEN 'INFLUENCER' ELSE 'PARTNER' END
         AS kind
"""
LOOKUP_INVITE_OF_USER: LiteralString = """
UNWIND $ids AS uid
MATCH (i:Invite)-[:ACCEPTED]->(:User {id: uid})
RETURN uid AS id, i.id AS inviteId
"""
LOOKUP_USER_OF_INVITE: LiteralString = """
UNWIND $ids AS iid
MATCH (:Invite {id: iid})-[:ACCEPTED]->(u:User)
RETURN iid AS id, u.id AS userId
"""

# Times travel as ISO 8601 text and become DateTime values in the server: the driver's
# conversion of Python datetimes costs about 0.1 ms each, the largest client cost of a load.
_CREATE_NODES_TEMPLATE: LiteralString = "UNWIND $rows AS row CREATE (n:$LABEL) SET n = row"
_MERGE_NODES_TEMPLATE: LiteralString = (
    "UNWIND $rows AS row MERGE (n:$LABEL {id: row.id}) ON CREATE SET n = row"
)
_USER_TIME: LiteralString = ", n.signedUpAt = datetime(row.signedUpAt)"
WRITE_NODES: dict[Mode, dict[NodeLabel, LiteralString]] = {
    "create": {
        "Influencer": _CREATE_NODES_TEMPLATE.replace("$LABEL", "Influencer"),
        "Partner": _CREATE_NODES_TEMPLATE.replace("$LABEL", "Partner"),
        "Campaign": _CREATE_NODES_TEMPLATE.replace("$LABEL", "Campaign"),
        "User": _CREATE_NODES_TEMPLATE.replace("$LABEL", "User") + _USER_TIME,
    },
    "merge": {
        "Influencer": _MERGE_NODES_TEMPLATE.replace("$LABEL", "Influencer"),
        "Partner": _MERGE_NODES_TEMPLATE.replace("$LABEL", "Partner"),
        "Campaign": _MERGE_NODES_TEMPLATE.replace("$LABEL", "Campaign"),
        "User": _MERGE_NODES_TEMPLATE.replace("$LABEL", "User") + _USER_TIME,
    },
}

_CREATE_REFERRALS_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MATCH (u:User {id: row.userId})
CREATE (ref)-[:REFERRED {at: u.signedUpAt, channel: row.channel, campaignId: row.campaignId}]->(u)
"""
# The NOT EXISTS guard keeps "one referrer per user" even against a concurrent sign-up.
_MERGE_REFERRALS_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MATCH (u:User {id: row.userId})
WHERE NOT EXISTS { MATCH (other)-[:REFERRED]->(u) WHERE other <> ref }
MERGE (ref)-[r:REFERRED]->(u)
  ON CREATE SET r.at = u.signedUpAt, r.channel = row.channel, r.campaignId = row.campaignId
"""
WRITE_REFERRALS: dict[Mode, dict[ReferrerKindName, LiteralString]] = {
    "create": {k: _CREATE_REFERRALS_TEMPLATE.replace("$LABEL", lb) for k, lb in _LABELS.items()},
    "merge": {k: _MERGE_REFERRALS_TEMPLATE.replace("$LABEL", lb) for k, lb in _LABELS.items()},
}

_CREATE_INVITES_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
CREATE (ref)-[:SENT]->(i:Invite)
SET i = row.props, i.at = datetime(row.props.at)
"""
_MERGE_INVITES_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MERGE (i:Invite {id: row.props.id}) ON CREATE SET i = row.props, i.at = datetime(row.props.at)
WITH ref, i
WHERE NOT EXISTS { MATCH (other)-[:SENT]->(i) WHERE other <> ref }
MERGE (ref)-[:SENT]->(i)
"""
WRITE_INVITES: dict[Mode, dict[ReferrerKindName, LiteralString]] = {
    "create": {k: _CREATE_INVITES_TEMPLATE.replace("$LABEL", lb) for k, lb in _LABELS.items()},
    "merge": {k: _MERGE_INVITES_TEMPLATE.replace("$LABEL", lb) for k, lb in _LABELS.items()},
}
WRITE_ACCEPTED: dict[Mode, LiteralString] = {
    "create": """
UNWIND $rows AS row
MATCH (i:Invite {id: row.inviteId})
MATCH (u:User {id: row.userId})
CREATE (i)-[:ACCEPTED]->(u)
""",
    "merge": """
UNWIND $rows AS row
MATCH (i:Invite {id: row.inviteId})
MATCH (u:User {id: row.userId})
WHERE NOT EXISTS { MATCH (i)-[:ACCEPTED]->(other) WHERE other <> u }
  AND NOT EXISTS { MATCH (other:Invite)-[:ACCEPTED]->(u) WHERE other <> i }
MERGE (i)-[:ACCEPTED]->(u)
""",
}
WRITE_CONVERSIONS: dict[Mode, LiteralString] = {
    "create": """
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
CREATE (u)-[:CONVERTED]->(c:Conversion)
SET c = row.props, c.at = datetime(row.props.at)
""",
    "merge": """
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
MERGE (c:Conversion {id: row.props.id}) ON CREATE SET c = row.props, c.at = datetime(row.props.at)
WITH u, c
WHERE NOT EXISTS { MATCH (other:User)-[:CONVERTED]->(c) WHERE other <> u }
MERGE (u)-[:CONVERTED]->(c)
""",
}
WRITE_CONNECTIONS: dict[Mode, LiteralString] = {
    "create": """
UNWIND $rows AS row
MATCH (a:User {id: row.a})
MATCH (b:User {id: row.b})
CREATE (a)-[r:CONNECTED_TO]->(b)
SET r.at = datetime(row.at)
""",
    "merge": """
UNWIND $rows AS row
MATCH (a:User {id: row.a})
MATCH (b:User {id: row.b})
MERGE (a)-[r:CONNECTED_TO]->(b) ON CREATE SET r.at = datetime(row.at)
""",
}
IS_EMPTY: LiteralString = "MATCH (n) RETURN count(n) = 0 AS empty"


def chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


async def is_empty(db: Database) -> bool:
    """No node of any label: the import may then use CREATE instead of MERGE."""
    rows = await db.read(IS_EMPTY)
    return bool(rows[0]["empty"])


async def _lookup(
    db: Database, query: LiteralString, ids: Sequence[str], batch: int
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for chunk in chunks(sorted(set(ids)), batch):
        found += await db.read(query, {"ids": list(chunk)})
    return found


async def existing_users(db: Database, ids: Sequence[str], batch: int) -> dict[str, datetime]:
    rows = await _lookup(db, LOOKUP_USERS, ids, batch)
    return {str(r["id"]): to_datetime(r["at"]) for r in rows}


async def existing_ids(db: Database, label: NodeLabel, ids: Sequence[str], batch: int) -> set[str]:
    return {str(r["id"]) for r in await _lookup(db, LOOKUP_IDS[label], ids, batch)}


async def existing_referrers(
    db: Database, user_ids: Sequence[str], batch: int
) -> dict[str, tuple[ReferrerKindName, str]]:
    rows = await _lookup(db, LOOKUP_REFERRERS, user_ids, batch)
    return {str(r["id"]): (cast("ReferrerKindName", r["kind"]), str(r["referrerId"])) for r in rows}


async def existing_acceptances(
    db: Database, user_ids: Sequence[str], invite_ids: Sequence[str], batch: int
) -> tuple[dict[str, str], dict[str, str]]:
    """(user id -> accepted invite id, invite id -> accepting user id)."""
    by_user = await _lookup(db, LOOKUP_INVITE_OF_USER, user_ids, batch)
    by_invite = await _lookup(db, LOOKUP_USER_OF_INVITE, invite_ids, batch)
    return (
        {str(r["id"]): str(r["inviteId"]) for r in by_user},
        {str(r["id"]): str(r["userId"]) for r in by_invite},
    )


async def write_batches(
    db: Database,
    query: LiteralString,
    rows: Sequence[dict[str, Any]],
    *,
    batch: int,
    parallel: int,
    progress: Progress | None,
) -> None:
    """One transaction per batch, up to ``parallel`` at a time. Each statement is idempotent in
    merge mode, and the driver retries transient errors (such as a deadlock between batches)."""
    gate = asyncio.Semaphore(parallel)

    async def one(chunk: Sequence[dict[str, Any]]) -> None:
        async with gate:
            await db.write(query, {"rows": list(chunk)})
        if progress is not None:
            progress(len(chunk))

    await asyncio.gather(*(one(chunk) for chunk in chunks(rows, batch)))
