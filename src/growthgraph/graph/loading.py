"""Cypher for ``growthgraph import``: write planned rows in batched ``UNWIND`` transactions
(``graph.loading_lookups`` looks up what the files point at, for merge mode).

Two modes. On a target verified empty at the start, nodes are written with ``CREATE`` and edges
find their ends by the element ids their creation returned (no lookup before each write).
Otherwise every statement ``MERGE``s, and the referral and
acceptance edges re-check their one-per-user rule inside the write, so a re-run or a concurrent
sign-up never duplicates or breaks the forest; an invite or conversion id already stored under
another sender or user keeps its one stored owner.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any, Literal, LiteralString, TypeVar

from neo4j.exceptions import TransientError

from growthgraph.graph import counters, name_keys
from growthgraph.graph.database import Database, TransientDatabaseError
from growthgraph.graph.labels import (
    COST_SOURCE_LABELS,
    NAME_LABELS,
    CostSourceName,
    EntityLabel,
    ReferrerKindName,
    per_label,
)

T = TypeVar("T")
Mode = Literal["create", "merge"]
Progress = Callable[[int], object]
Collect = Callable[[list[dict[str, Any]]], None]
NodeLabel = EntityLabel

# --- merge mode: every write MERGEs on ids ------------------------------------------------
# Times travel as ISO 8601 text and become DateTime values in the server: the driver's
# conversion of Python datetimes costs about 0.1 ms each.
_MERGE_NODES_TEMPLATE: LiteralString = (
    "UNWIND $rows AS row MERGE (n:$LABEL {id: row.id}) ON CREATE SET n = row"
)
MERGE_NODES: dict[NodeLabel, LiteralString] = {
    "Influencer": _MERGE_NODES_TEMPLATE.replace("$LABEL", "Influencer"),
    "Partner": _MERGE_NODES_TEMPLATE.replace("$LABEL", "Partner"),
    "Campaign": _MERGE_NODES_TEMPLATE.replace("$LABEL", "Campaign"),
    "User": _MERGE_NODES_TEMPLATE.replace("$LABEL", "User")
    + ", n.signedUpAt = datetime(row.signedUpAt)"
    + ", n.consentUpdatedAt = datetime(row.consentUpdatedAt), n.erasedAt = datetime(row.erasedAt)",
}
# The NOT EXISTS guard keeps "one referrer per user" even against a concurrent sign-up, and
# makes a re-run or a retried batch write nothing: a user that has any referrer is left as it is
# (the same referrer already stored, or another one, which the plan reported). So the edge is
# created, not merged: MERGE matched the pair again under a lock, a third more server time for
# nothing the guard does not already decide.
_MERGE_REFERRALS_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MATCH (u:User {id: row.userId})
WHERE NOT EXISTS { ()-[:REFERRED]->(u) }
CREATE (ref)-[r:REFERRED]->(u)
SET r.at = u.signedUpAt, r.channel = row.channel, r.campaignId = row.campaignId
"""
MERGE_REFERRALS: dict[ReferrerKindName, LiteralString] = {
    k: _MERGE_REFERRALS_TEMPLATE.replace("$LABEL", lb) for k, lb in NAME_LABELS.items()
}
_MERGE_INVITES_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MERGE (i:Invite {id: row.props.id}) ON CREATE SET i = row.props, i.at = datetime(row.props.at)
WITH ref, i
WHERE NOT EXISTS { MATCH (other)-[:SENT]->(i) WHERE other <> ref }
MERGE (ref)-[:SENT]->(i)
"""
MERGE_INVITES: dict[ReferrerKindName, LiteralString] = {
    k: _MERGE_INVITES_TEMPLATE.replace("$LABEL", lb) for k, lb in NAME_LABELS.items()
}
MERGE_ACCEPTED: LiteralString = """
UNWIND $rows AS row
MATCH (i:Invite {id: row.inviteId})
MATCH (u:User {id: row.userId})
WHERE NOT EXISTS { MATCH (i)-[:ACCEPTED]->(other) WHERE other <> u }
  AND NOT EXISTS { MATCH (other:Invite)-[:ACCEPTED]->(u) WHERE other <> i }
MERGE (i)-[:ACCEPTED]->(u)
"""
MERGE_CONVERSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
MERGE (c:Conversion {id: row.props.id}) ON CREATE SET c = row.props, c.at = datetime(row.props.at)
WITH u, c
WHERE NOT EXISTS { MATCH (other:User)-[:CONVERTED]->(c) WHERE other <> u }
MERGE (u)-[:CONVERTED]->(c)
"""
# Costs are few (one per spend on a source), so both import modes merge them.
MERGE_COSTS: dict[CostSourceName, LiteralString] = per_label(
    COST_SOURCE_LABELS,
    """
UNWIND $rows AS row
MATCH (s:$LABEL {id: row.sourceId})
MERGE (c:Cost {id: row.props.id}) ON CREATE SET c = row.props, c.at = datetime(row.props.at)
WITH s, c
WHERE NOT EXISTS { MATCH (c)-[:SPENT_ON]->(other) WHERE other <> s }
MERGE (c)-[:SPENT_ON]->(s)
""",
)
# An activity is its key (graph.activity), which holds its user's id: a stored one is found
# again with its one edge, never doubled.
MERGE_ACTIVITIES: LiteralString = """
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
MERGE (a:Activity {key: row.key})
  ON CREATE SET a.at = datetime(row.at), a.kind = row.kind
MERGE (u)-[:DID]->(a)
"""
MERGE_CONNECTIONS: LiteralString = """
UNWIND $rows AS row
MATCH (a:User {id: row.a})
MATCH (b:User {id: row.b})
MERGE (a)-[r:CONNECTED_TO]->(b) ON CREATE SET r.at = datetime(row.at)
"""

# --- create mode on an empty target, by element id -----------------------------------------
# Nodes are created with every property in one map (a null value sets nothing), and each
# statement returns the element ids of what it created; edges then find their ends by element
# id, a direct record lookup instead of a seek in an id index. Matches name the label where a
# node created by the same statement could otherwise match, which would make Cypher buffer the
# whole batch (Eager) first. Times arrive as [epoch seconds, nanoseconds]. The leaderboard
# counters (graph.counters) arrive with their node, computed from the files' forest: ``above``
# the five keys (null when none), ``below`` the five counts (zero when none, stored as absent).


def _from_row(names: tuple[LiteralString, ...]) -> LiteralString:
    return ", ".join(f"{name}: row.{name}" for name in names)


def _time(value: LiteralString) -> LiteralString:
    return f"datetime.fromepoch({value}[0], {value}[1])"


_INDEXES: tuple[LiteralString, ...] = ("0", "1", "2", "3", "4")
_ABOVE: LiteralString = ", ".join(
    f"{name}: row.above[{k}]" for name, k in zip(counters.ABOVE, _INDEXES, strict=True)
)
_BELOW: LiteralString = ", ".join(
    f"{name}: nullIf(row.below[{k}], 0)" for name, k in zip(counters.BELOW, _INDEXES, strict=True)
)
_CREATED_IDS: LiteralString = " RETURN collect(row.id) AS keys, collect(elementId(n)) AS ids"
INFLUENCER_PROPS: tuple[LiteralString, ...] = (
    "id",
    "handle",
    "platform",
    "followers",
    "engagementRate",
    "costCents",
)
PARTNER_PROPS: tuple[LiteralString, ...] = ("id", "name", "kind", "costCents")
CAMPAIGN_PROPS: tuple[LiteralString, ...] = (
    "id",
    "name",
    "utmSource",
    "utmMedium",
    "utmCampaign",
)
USER_PROPS: tuple[LiteralString, ...] = (
    "id",
    "name",
    "email",
    "country",
    "plan",
    "channel",
    "campaignId",
    "ipHash",
    "deviceHash",
    "consentMarketing",
    "consentAnalytics",
)
# The user's times besides its sign-up: when its consent was recorded, when it was erased.
USER_TIME_PROPS: tuple[LiteralString, ...] = ("consentUpdatedAt", "erasedAt")
CREATE_INFLUENCERS: LiteralString = (
    "UNWIND $rows AS row CREATE (n:Influencer {"
    + _from_row(INFLUENCER_PROPS)
    + ", "
    + _BELOW
    + "})"
    + _CREATED_IDS
)
# A partner's and a campaign's name arrive with its sort key (graph.name_keys).
_NAME_SORT_KEY: LiteralString = ", " + name_keys.PROPERTY + ": row." + name_keys.PROPERTY
CREATE_PARTNERS: LiteralString = (
    "UNWIND $rows AS row CREATE (n:Partner {"
    + _from_row(PARTNER_PROPS)
    + _NAME_SORT_KEY
    + ", "
    + _BELOW
    + "})"
    + _CREATED_IDS
)
CREATE_CAMPAIGNS: LiteralString = (
    "UNWIND $rows AS row CREATE (n:Campaign {" + _from_row(CAMPAIGN_PROPS) + _NAME_SORT_KEY + "})"
)
CREATE_USERS: LiteralString = (
    "UNWIND $rows AS row CREATE (n:User {"
    + _from_row(USER_PROPS)
    + ", signedUpAt: "
    + _time("row.signedUpAt")
    + "".join(
        f", {name}: CASE WHEN row.{name} IS NOT NULL THEN {_time('row.' + name)} END"
        for name in USER_TIME_PROPS
    )
    + ", "
    + _ABOVE
    + ", "
    + _BELOW
    + "})"
    + _CREATED_IDS
)
CREATE_REFERRALS_BY_ID: LiteralString = """
UNWIND $rows AS row
MATCH (ref) WHERE elementId(ref) = row.ref
MATCH (u) WHERE elementId(u) = row.user
CREATE (ref)-[:REFERRED {at: u.signedUpAt, channel: row.channel, campaignId: row.campaignId}]->(u)
"""
_CREATE_INVITES_BY_ID_TEMPLATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (ref:$LABEL) WHERE elementId(ref) = row.ref
CREATE (ref)-[:SENT]->(i:Invite {id: row.id, at: """
    + _time("row.at")
    + """, channel: row.channel,
                                 campaignId: row.campaignId})
WITH i, row WHERE row.acceptedBy IS NOT NULL
MATCH (u:User) WHERE elementId(u) = row.acceptedBy
CREATE (i)-[:ACCEPTED]->(u)
"""
)
CREATE_INVITES_BY_ID: dict[ReferrerKindName, LiteralString] = {
    k: _CREATE_INVITES_BY_ID_TEMPLATE.replace("$LABEL", lb) for k, lb in NAME_LABELS.items()
}
CREATE_CONVERSIONS_BY_ID: LiteralString = (
    """
UNWIND $rows AS row
MATCH (u:User) WHERE elementId(u) = row.user
CREATE (u)-[:CONVERTED]->(:Conversion {id: row.id, at: """
    + _time("row.at")
    + """,
                                       revenueCents: row.revenueCents, plan: row.plan})
"""
)
CREATE_ACTIVITIES_BY_ID: LiteralString = (
    """
UNWIND $rows AS row
MATCH (u:User) WHERE elementId(u) = row.user
CREATE (u)-[:DID]->(:Activity {key: row.key, at: """
    + _time("row.at")
    + """, kind: row.kind})
"""
)
CREATE_CONNECTIONS_BY_ID: LiteralString = (
    """
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (b) WHERE elementId(b) = row.b
CREATE (a)-[:CONNECTED_TO {at: CASE WHEN row.at IS NOT NULL THEN """
    + _time("row.at")
    + """ END}]->(b)
"""
)

IS_EMPTY: LiteralString = "MATCH (n) RETURN count(n) = 0 AS empty"


async def is_empty(db: Database) -> bool:
    """No node of any label: the import may then use CREATE instead of MERGE."""
    rows = await db.read(IS_EMPTY)
    return bool(rows[0]["empty"])


HAS_NO_ENTITIES: LiteralString = (
    "MATCH (n) WHERE n:User OR n:Influencer OR n:Partner RETURN count(n) = 0 AS empty LIMIT 1"
)


async def has_no_entities(db: Database) -> bool:
    rows = await db.read(HAS_NO_ENTITIES)
    return bool(rows[0]["empty"])


async def write_rows(
    db: Database,
    query: LiteralString,
    rows: Iterable[dict[str, Any]],
    *,
    batch: int,
    parallel: int,
    progress: Progress | None,
    collect: Collect | None = None,
) -> int:
    """Write ``rows`` in batches of ``batch``, one transaction each, up to ``parallel`` at a time.
    The rows are drawn lazily, so the next batch is built while earlier ones run. ``collect``
    receives each batch's result; returns the number of rows written. Each statement is
    idempotent in merge mode, and the driver retries transient errors (such as a deadlock
    between batches)."""
    pending: set[asyncio.Task[None]] = set()
    written = 0

    async def one(chunk: list[dict[str, Any]]) -> None:
        result = await _write_batch(db, query, chunk)
        if collect is not None:
            collect(result)
        if progress is not None:
            progress(len(chunk))

    async def settle(until: int) -> None:
        nonlocal pending
        while len(pending) > until:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()

    try:
        rows_left = iter(rows)
        while chunk := list(islice(rows_left, batch)):
            await settle(parallel - 1)
            pending.add(asyncio.create_task(one(chunk)))
            written += len(chunk)
        await settle(0)
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
    return written


# A batch that keeps failing with a transient error (two batches deadlocked on a popular
# referrer, typically) is retried beyond the driver's own short retry budget: a failed
# transaction wrote nothing, so running it again is safe in both modes.
BATCH_ATTEMPTS = 12


async def _write_batch(
    db: Database, query: LiteralString, chunk: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            return await db.write(query, {"rows": chunk})
        except (TransientError, TransientDatabaseError):
            if attempt == BATCH_ATTEMPTS:
                raise
            await asyncio.sleep(min(0.1 * 2**attempt, 5.0) * random.uniform(0.5, 1.5))
    raise AssertionError("unreachable")


def collect_ids(into: dict[str, str]) -> Collect:
    """Gathers the ``keys`` and element ``ids`` a create statement returns into ``into``."""

    def collect(result: list[dict[str, Any]]) -> None:
        for row in result:
            into.update(zip(row["keys"], row["ids"], strict=True))

    return collect
