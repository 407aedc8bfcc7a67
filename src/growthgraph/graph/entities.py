"""Reads of single entities and keyset-paginated lists, by kind. Cypher varies only by label,
and labels come from the fixed tables below, never from input."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, LiteralString, TypeVar

from growthgraph.graph.database import Database
from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    Page,
    PartnerRecord,
    UserRecord,
    campaign_from,
    influencer_from,
    partner_from,
    user_from,
)

T = TypeVar("T")

_LABELS: tuple[LiteralString, ...] = ("User", "Influencer", "Partner", "Campaign")

GET_BY_IDS: dict[str, LiteralString] = {
    label: """
UNWIND $ids AS id
MATCH (n:$LABEL {id: id})
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n
""".replace("$LABEL", label)
    for label in _LABELS
}

# Keyset pages: the id index serves both the seek (id > $after) and the order, and the limit
# stops the scan; projecting only after it keeps the map-building to the page's own nodes.
LIST_PAGE: dict[str, LiteralString] = {
    label: """
MATCH (n:$LABEL) WHERE n.id > $after
WITH n ORDER BY n.id LIMIT $limit
RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n
""".replace("$LABEL", label)
    for label in _LABELS
}

COUNT_USERS: LiteralString = "MATCH (n:User) RETURN count(n) AS n"
# Answered from the count store: constant time, no node is read.
COUNT_ALL: dict[str, LiteralString] = {
    label: "MATCH (n:$LABEL) RETURN count(n) AS n".replace("$LABEL", label) for label in _LABELS
}


async def _get_many(
    db: Database, query: LiteralString, ids: Sequence[str], build: Callable[[dict[str, Any]], T]
) -> dict[str, T]:
    rows = await db.read(query, {"ids": list(dict.fromkeys(ids))})
    out: dict[str, T] = {}
    for row in rows:
        record = build(row["n"])
        out[str(row["n"]["id"])] = record
    return out


async def get_users(db: Database, ids: Sequence[str]) -> dict[str, UserRecord]:
    return await _get_many(db, GET_BY_IDS["User"], ids, user_from)


async def get_influencers(db: Database, ids: Sequence[str]) -> dict[str, InfluencerRecord]:
    return await _get_many(db, GET_BY_IDS["Influencer"], ids, influencer_from)


async def get_partners(db: Database, ids: Sequence[str]) -> dict[str, PartnerRecord]:
    return await _get_many(db, GET_BY_IDS["Partner"], ids, partner_from)


async def get_campaigns(db: Database, ids: Sequence[str]) -> dict[str, CampaignRecord]:
    return await _get_many(db, GET_BY_IDS["Campaign"], ids, campaign_from)


async def _page(
    db: Database,
    query: LiteralString,
    first: int,
    after: str | None,
    build: Callable[[dict[str, Any]], T],
) -> Page[T]:
    # One extra row tells whether a next page exists without a count.
    rows = await db.read(query, {"after": after or "", "limit": first + 1})
    items = tuple(build(row["n"]) for row in rows[:first])
    return Page(items=items, has_next=len(rows) > first)


async def list_users(db: Database, first: int, after: str | None) -> Page[UserRecord]:
    return await _page(db, LIST_PAGE["User"], first, after, user_from)


async def list_influencers(db: Database, first: int, after: str | None) -> Page[InfluencerRecord]:
    return await _page(db, LIST_PAGE["Influencer"], first, after, influencer_from)


async def list_partners(db: Database, first: int, after: str | None) -> Page[PartnerRecord]:
    return await _page(db, LIST_PAGE["Partner"], first, after, partner_from)


async def list_campaigns(db: Database, first: int, after: str | None) -> Page[CampaignRecord]:
    return await _page(db, LIST_PAGE["Campaign"], first, after, campaign_from)


async def count_all(db: Database, label: str) -> int:
    """How many nodes carry ``label`` (User, Influencer, Partner or Campaign)."""
    rows = await db.read(COUNT_ALL[label])
    return int(rows[0]["n"])


async def count_users(db: Database) -> int:
    rows = await db.read(COUNT_USERS)
    return int(rows[0]["n"])
