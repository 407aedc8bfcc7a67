"""Cypher for ``growthgraph import`` in merge mode: what the database holds for the ids the files
mention (does each exist; a user's sign-up time; the referral and invite edges already attached)
and, for the ids the files define, what is stored under them, to tell a re-run (the same values)
from a conflict (ID_CONFLICT)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, LiteralString, TypeVar, cast

from growthgraph.graph.database import Database
from growthgraph.graph.labels import ENTITY_LABELS, EntityLabel, ReferrerKindName, kind_name_of
from growthgraph.graph.loading import (
    CAMPAIGN_PROPS,
    INFLUENCER_PROPS,
    PARTNER_PROPS,
    USER_PROPS,
    USER_TIME_PROPS,
)
from growthgraph.graph.records import to_datetime

T = TypeVar("T")
NodeLabel = EntityLabel


# Each lookup returns one record per batch, a list of what it found: streaming a record per id
# costs the driver far more than one long list, and a time travels as text (a driver DateTime is
# several times slower to decode).
LOOKUP_USERS: LiteralString = """
UNWIND $ids AS uid
MATCH (u:User {id: uid})
RETURN collect([u.id, toString(u.signedUpAt)]) AS found
"""
_LOOKUP_IDS_TEMPLATE: LiteralString = """
UNWIND $ids AS nid
MATCH (n:$LABEL {id: nid})
RETURN collect(n.id) AS found
"""
LOOKUP_IDS: dict[NodeLabel, LiteralString] = {
    name: _LOOKUP_IDS_TEMPLATE.replace("$LABEL", label) for name, label in ENTITY_LABELS.items()
}
LOOKUP_REFERRERS: LiteralString = (
    """
UNWIND $ids AS uid
MATCH (src)-[:REFERRED]->(:User {id: uid})
RETURN collect([uid, src.id,
  """
    + kind_name_of("src")
    + """])
  AS found
"""
)
LOOKUP_INVITE_OF_USER: LiteralString = """
UNWIND $ids AS uid
MATCH (i:Invite)-[:ACCEPTED]->(:User {id: uid})
RETURN collect([uid, i.id]) AS found
"""


# What is stored under the ids the files define, to tell a re-run (the same values) from a
# conflict (ID_CONFLICT): each node's properties as the importer writes them, an invite's sender
# and its taker, a conversion's user. Lists, and times as text, as above.
TIME_PROPS = frozenset({"signedUpAt", "at", *USER_TIME_PROPS})
NODE_PROPS: dict[NodeLabel, tuple[LiteralString, ...]] = {
    "Influencer": INFLUENCER_PROPS,
    "Partner": PARTNER_PROPS,
    "Campaign": CAMPAIGN_PROPS,
    "User": (*USER_PROPS[:3], "signedUpAt", *USER_PROPS[3:], *USER_TIME_PROPS),
}


def _stored_node(label: LiteralString, props: tuple[LiteralString, ...]) -> LiteralString:
    fields = ", ".join(f"toString(n.{p})" if p in TIME_PROPS else f"n.{p}" for p in props)
    return f"UNWIND $ids AS nid MATCH (n:{label} {{id: nid}}) RETURN collect([{fields}]) AS found"


STORED_NODES: dict[NodeLabel, LiteralString] = {
    label: _stored_node(ENTITY_LABELS[label], props) for label, props in NODE_PROPS.items()
}
INVITE_FIELDS: tuple[LiteralString, ...] = (
    "id", "senderKind", "senderId", "at", "channel", "campaignId", "acceptedBy"
)  # fmt: skip
STORED_INVITES: LiteralString = (
    """
UNWIND $ids AS iid
MATCH (i:Invite {id: iid})
OPTIONAL MATCH (s)-[:SENT]->(i)
OPTIONAL MATCH (i)-[:ACCEPTED]->(u:User)
RETURN collect([i.id, CASE WHEN s IS NULL THEN null ELSE """
    + kind_name_of("s")
    + """ END, s.id,
                toString(i.at), i.channel, i.campaignId, u.id]) AS found
"""
)
CONVERSION_FIELDS: tuple[LiteralString, ...] = ("id", "userId", "at", "revenueCents", "plan")
STORED_COSTS: LiteralString = """
UNWIND $ids AS kid
MATCH (k:Cost {id: kid})
OPTIONAL MATCH (k)-[:SPENT_ON]->(s)
RETURN collect([k.id, CASE WHEN s IS NULL THEN null WHEN s:Influencer THEN 'INFLUENCER'
                           WHEN s:Partner THEN 'PARTNER' ELSE 'CAMPAIGN' END,
                s.id, toString(k.at), k.amountCents, k.note]) AS found
"""
COST_FIELDS: tuple[LiteralString, ...] = (
    "id",
    "sourceKind",
    "sourceId",
    "at",
    "amountCents",
    "note",
)
STORED_CONVERSIONS: LiteralString = """
UNWIND $ids AS cid
MATCH (c:Conversion {id: cid})
OPTIONAL MATCH (u:User)-[:CONVERTED]->(c)
RETURN collect([c.id, u.id, toString(c.at), c.revenueCents, c.plan]) AS found
"""


def chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for begin in range(0, len(rows), size):
        yield rows[begin : begin + size]


# Lookups in flight at once: the server answers each on one core.
LOOKUPS_IN_FLIGHT = 2


async def _lookup(db: Database, query: LiteralString, ids: Sequence[str], batch: int) -> list[Any]:
    """Every chunk's findings, ``LOOKUPS_IN_FLIGHT`` chunks at a time, in chunk order."""
    parts = list(chunks(sorted(set(ids)), batch))
    answers: list[list[Any]] = [[] for _ in parts]
    turn = asyncio.Semaphore(LOOKUPS_IN_FLIGHT)

    async def one(index: int) -> None:
        async with turn:
            for row in await db.read(query, {"ids": list(parts[index])}):
                answers[index] += row["found"]

    async with asyncio.TaskGroup() as group:
        for index in range(len(parts)):
            group.create_task(one(index))
    return [item for answer in answers for item in answer]


async def existing_users(db: Database, ids: Sequence[str], batch: int) -> dict[str, datetime]:
    return {str(uid): to_datetime(at) for uid, at in await _lookup(db, LOOKUP_USERS, ids, batch)}


async def existing_ids(db: Database, label: NodeLabel, ids: Sequence[str], batch: int) -> set[str]:
    return {str(nid) for nid in await _lookup(db, LOOKUP_IDS[label], ids, batch)}


async def existing_referrers(
    db: Database, user_ids: Sequence[str], batch: int
) -> dict[str, tuple[ReferrerKindName, str]]:
    rows = await _lookup(db, LOOKUP_REFERRERS, user_ids, batch)
    return {str(uid): (cast("ReferrerKindName", kind), str(rid)) for uid, rid, kind in rows}


async def accepted_invites(db: Database, user_ids: Sequence[str], batch: int) -> dict[str, str]:
    """user id -> the invite it accepted, for those that accepted one."""
    by_user = await _lookup(db, LOOKUP_INVITE_OF_USER, user_ids, batch)
    return {str(uid): str(iid) for uid, iid in by_user}


def _named(names: tuple[str, ...], found: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """Rows of a stored lookup as property maps by id; times as aware datetimes."""
    out: dict[str, dict[str, Any]] = {}
    for values in found:
        row = dict(zip(names, values, strict=True))
        for name in TIME_PROPS.intersection(row):
            if row[name] is not None:
                row[name] = to_datetime(row[name])
        out[str(row["id"])] = row
    return out


async def stored_nodes(
    db: Database, label: NodeLabel, ids: Sequence[str], batch: int
) -> dict[str, dict[str, Any]]:
    """The stored properties (those the importer writes) of the nodes with these ids."""
    return _named(NODE_PROPS[label], await _lookup(db, STORED_NODES[label], ids, batch))


async def stored_invites(db: Database, ids: Sequence[str], batch: int) -> dict[str, dict[str, Any]]:
    """Each stored invite's properties with ``senderKind``, ``senderId`` and ``acceptedBy``."""
    return _named(INVITE_FIELDS, await _lookup(db, STORED_INVITES, ids, batch))


async def stored_conversions(
    db: Database, ids: Sequence[str], batch: int
) -> dict[str, dict[str, Any]]:
    """Each stored conversion's properties with the ``userId`` of its user."""
    return _named(CONVERSION_FIELDS, await _lookup(db, STORED_CONVERSIONS, ids, batch))


async def stored_costs(db: Database, ids: Sequence[str], batch: int) -> dict[str, dict[str, Any]]:
    """Each stored cost entry's properties with the ``sourceKind`` and ``sourceId`` it was spent
    on."""
    return _named(COST_FIELDS, await _lookup(db, STORED_COSTS, ids, batch))
