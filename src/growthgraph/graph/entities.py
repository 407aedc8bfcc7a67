"""The one route for the nodes a caller names by id (users, influencers, partners, campaigns):
read some by id, a keyset page, a count, and the idempotent create. Cypher varies only by label,
and labels come from ``graph.labels``, never from input."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, LiteralString, TypeVar

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from growthgraph.graph import name_keys
from growthgraph.graph.database import Database
from growthgraph.graph.labels import ENTITY_LABELS, EntityLabel, per_label
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    Page,
    PartnerRecord,
    UserRecord,
    campaign_from,
    influencer_from,
    partner_from,
    to_datetime,
    user_from,
)

T = TypeVar("T")

GET_BY_IDS: dict[EntityLabel, LiteralString] = per_label(
    ENTITY_LABELS,
    """
UNWIND $ids AS id
MATCH (n:$LABEL {id: id})
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n
""",
)

# Keyset pages: the id index serves both the seek (id > $after) and the order, and the limit
# stops the scan; projecting only after it keeps the map-building to the page's own nodes.
LIST_PAGE: dict[EntityLabel, LiteralString] = per_label(
    ENTITY_LABELS,
    """
MATCH (n:$LABEL) WHERE n.id > $after
WITH n ORDER BY n.id LIMIT $limit
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n
""",
)

# Answered from the count store: constant time, no node is read.
COUNT_ALL: dict[EntityLabel, LiteralString] = per_label(
    ENTITY_LABELS, "MATCH (n:$LABEL) RETURN count(n) AS n"
)

FIND_ENTITY: dict[EntityLabel, LiteralString] = per_label(
    ENTITY_LABELS, "MATCH (n:$LABEL {id: $id}) RETURN n {.*} AS n"
)
CREATE_ENTITY: dict[EntityLabel, LiteralString] = per_label(
    ENTITY_LABELS, "CREATE (n:$LABEL) SET n = $props RETURN n {.*} AS n"
)


class Entity(Generic[T]):
    """A kind of entity: its label and how a stored node becomes its record."""

    label: EntityLabel

    def __init__(self, label: EntityLabel, build: Callable[[dict[str, Any]], T]) -> None:
        self.label = label
        self.build = build


USERS = Entity[UserRecord]("User", user_from)
INFLUENCERS = Entity[InfluencerRecord]("Influencer", influencer_from)
PARTNERS = Entity[PartnerRecord]("Partner", partner_from)
CAMPAIGNS = Entity[CampaignRecord]("Campaign", campaign_from)


async def get_many(db: Database, entity: Entity[T], ids: Sequence[str]) -> dict[str, T]:
    """The entities with these ids that exist, by id, in one round trip."""
    rows = await db.read(GET_BY_IDS[entity.label], {"ids": list(dict.fromkeys(ids))})
    return {str(row["n"]["id"]): entity.build(row["n"]) for row in rows}


async def get_one(db: Database, entity: Entity[T], id: str) -> T | None:
    return (await get_many(db, entity, [id])).get(id)


async def page(db: Database, entity: Entity[T], first: int, after: str | None) -> Page[T]:
    """``first`` entities by id after the id ``after``."""
    # One extra row tells whether a next page exists without a count.
    rows = await db.read(LIST_PAGE[entity.label], {"after": after or "", "limit": first + 1})
    items = tuple(entity.build(row["n"]) for row in rows[:first])
    return Page(items=items, has_next=len(rows) > first)


async def count_all(db: Database, entity: Entity[Any]) -> int:
    """How many entities of this kind are stored."""
    rows = await db.read(COUNT_ALL[entity.label])
    return int(rows[0]["n"])


def same_values(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Is ``stored`` what a write of ``wanted`` would store? Neo4j drops null properties, so
    absent and null are the same value. Properties the caller does not set (derived ones:
    leaderboard counters, analysis scores) are not compared."""
    given = {k: v for k, v in wanted.items() if v is not None}
    have = {
        k: (to_datetime(v) if hasattr(v, "to_native") else v)
        for k, v in stored.items()
        if v is not None and k in wanted
    }
    return have == given


async def write_retrying(
    db: Database, work: Callable[[AsyncManagedTransaction], Awaitable[T]]
) -> T:
    """Run an idempotent read-decide-write transaction; when a concurrent call created the
    same id first (the uniqueness constraint trips), run it once more: it then sees that id."""
    try:
        return await db.write_tx(work)
    except ConstraintError:
        return await db.write_tx(work)


async def create(
    db: Database, entity: Entity[T], props: Mapping[str, Any]
) -> Written[T] | IdConflict:
    """Create the entity, or answer as a repeat (same values) or a conflict (other values).
    A partner's or campaign's name is stored with its sort key (``graph.name_keys``), a derived
    value the comparison leaves out."""

    async def work(tx: AsyncManagedTransaction) -> Written[T] | IdConflict:
        found = await (await tx.run(FIND_ENTITY[entity.label], id=props["id"])).single()
        if found is not None:
            stored: dict[str, Any] = found["n"]
            if same_values(stored, props):
                return Written(entity.build(stored), created=False)
            return IdConflict(entity=entity.label, id=str(props["id"]))
        clean = {k: v for k, v in props.items() if v is not None}
        if entity.label in name_keys.LABELS:
            clean = name_keys.keyed(clean)
        row = await (await tx.run(CREATE_ENTITY[entity.label], props=clean)).single(strict=True)
        return Written(entity.build(row["n"]), created=True)

    return await write_retrying(db, work)
