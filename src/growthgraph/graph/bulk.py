"""Batched ``UNWIND`` loading of trusted rows (demo data, data sets). Each batch is one
transaction and every statement MERGEs on ids, so a re-run after a failure duplicates nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, LiteralString, TypeVar

from growthgraph.dataset import Dataset, UserRow
from growthgraph.graph import counters
from growthgraph.graph.database import Database

T = TypeVar("T")
# Up to this many new referral edges, the leaderboard counters are refreshed around them; above
# it, recomputing all of them is cheaper.
REFRESH_AT_MOST = 20_000
Progress = Callable[[int], object]

MERGE_INFLUENCERS: LiteralString = """
UNWIND $rows AS row
MERGE (n:Influencer {id: row.id}) ON CREATE SET n += row
"""
MERGE_PARTNERS: LiteralString = """
UNWIND $rows AS row
MERGE (n:Partner {id: row.id}) ON CREATE SET n += row
"""
MERGE_CAMPAIGNS: LiteralString = """
UNWIND $rows AS row
MERGE (n:Campaign {id: row.id}) ON CREATE SET n += row
"""
MERGE_USERS: LiteralString = """
UNWIND $rows AS row
MERGE (n:User {id: row.id}) ON CREATE SET n += row
"""
_REFERRAL_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MATCH (u:User {id: row.id})
MERGE (ref)-[r:REFERRED]->(u)
  ON CREATE SET r.at = row.at, r.channel = row.channel, r.campaignId = row.campaignId
"""
MERGE_REFERRALS: dict[str, LiteralString] = {
    "USER": _REFERRAL_TEMPLATE.replace("$LABEL", "User"),
    "INFLUENCER": _REFERRAL_TEMPLATE.replace("$LABEL", "Influencer"),
    "PARTNER": _REFERRAL_TEMPLATE.replace("$LABEL", "Partner"),
}
_INVITE_TEMPLATE: LiteralString = """
UNWIND $rows AS row
MATCH (ref:$LABEL {id: row.referrerId})
MERGE (i:Invite {id: row.id}) ON CREATE SET i += row.props
MERGE (ref)-[:SENT]->(i)
"""
MERGE_INVITES: dict[str, LiteralString] = {
    "USER": _INVITE_TEMPLATE.replace("$LABEL", "User"),
    "INFLUENCER": _INVITE_TEMPLATE.replace("$LABEL", "Influencer"),
    "PARTNER": _INVITE_TEMPLATE.replace("$LABEL", "Partner"),
}
MERGE_ACCEPTED: LiteralString = """
UNWIND $rows AS row
MATCH (i:Invite {id: row.inviteId})
MATCH (u:User {id: row.id})
MERGE (i)-[:ACCEPTED]->(u)
"""
MERGE_CONVERSIONS: LiteralString = """
UNWIND $rows AS row
MATCH (u:User {id: row.userId})
MERGE (c:Conversion {id: row.id}) ON CREATE SET c += row.props
MERGE (u)-[:CONVERTED]->(c)
"""
# Stored once, from the smaller id to the larger; the caller orders each pair.
MERGE_CONNECTIONS: LiteralString = """
UNWIND $rows AS row
MATCH (a:User {id: row.a})
MATCH (b:User {id: row.b})
MERGE (a)-[r:CONNECTED_TO]->(b) ON CREATE SET r.at = row.at
"""
IS_EMPTY: LiteralString = (
    "MATCH (n) WHERE n:User OR n:Influencer OR n:Partner RETURN count(n) = 0 AS empty LIMIT 1"
)


def _chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _drop_nulls(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def _user_props(row: UserRow) -> dict[str, Any]:
    return _drop_nulls(
        {
            "id": row.id,
            "name": row.name,
            "email": row.email,
            "signedUpAt": row.signed_up_at,
            "country": row.country,
            "plan": row.plan,
            "channel": row.channel,
            "campaignId": row.campaign_id,
            "ipHash": row.ip_hash,
            "deviceHash": row.device_hash,
        }
    )


def dataset_size(data: Dataset) -> int:
    """Rows a load writes: nodes plus referral edges (the unit of the progress bar)."""
    referred = sum(1 for u in data.users if u.referrer_id is not None)
    return (
        len(data.influencers)
        + len(data.partners)
        + len(data.campaigns)
        + len(data.users)
        + referred
    )


async def _load(
    db: Database,
    query: LiteralString,
    rows: list[dict[str, Any]],
    batch: int,
    progress: Progress | None,
) -> None:
    for chunk in _chunks(rows, batch):
        await db.write(query, {"rows": list(chunk)})
        if progress is not None:
            progress(len(chunk))


async def load_dataset(
    db: Database, data: Dataset, *, batch_size: int = 5_000, progress: Progress | None = None
) -> None:
    influencers = [
        {
            "id": r.id,
            "handle": r.handle,
            "platform": r.platform,
            "followers": r.followers,
            "engagementRate": r.engagement_rate,
            "costCents": r.cost_cents,
        }
        for r in data.influencers
    ]
    influencers = [_drop_nulls(r) for r in influencers]
    partners = [
        _drop_nulls({"id": r.id, "name": r.name, "kind": r.kind, "costCents": r.cost_cents})
        for r in data.partners
    ]
    campaigns = [
        _drop_nulls(
            {
                "id": r.id,
                "name": r.name,
                "utmSource": r.utm_source,
                "utmMedium": r.utm_medium,
                "utmCampaign": r.utm_campaign,
            }
        )
        for r in data.campaigns
    ]
    await _load(db, MERGE_INFLUENCERS, influencers, batch_size, progress)
    await _load(db, MERGE_PARTNERS, partners, batch_size, progress)
    await _load(db, MERGE_CAMPAIGNS, campaigns, batch_size, progress)
    await _load(db, MERGE_USERS, [_user_props(u) for u in data.users], batch_size, progress)
    for kind, query in MERGE_REFERRALS.items():
        edges = [
            {
                "id": u.id,
                "referrerId": u.referrer_id,
                "at": u.signed_up_at,
                "channel": u.channel,
                "campaignId": u.campaign_id,
            }
            for u in data.users
            if u.referrer_kind == kind and u.referrer_id is not None
        ]
        await _load(db, query, edges, batch_size, progress)
    referred = [u.id for u in data.users if u.referrer_id is not None]
    if len(referred) > REFRESH_AT_MOST:
        await counters.rebuild(db)
    else:
        await counters.refresh(db, referred)
    await _load_events(db, data, batch_size, progress)


async def _load_events(db: Database, data: Dataset, batch: int, progress: Progress | None) -> None:
    for kind, query in MERGE_INVITES.items():
        invites = [
            {
                "id": i.id,
                "referrerId": i.referrer_id,
                "props": _drop_nulls(
                    {"id": i.id, "at": i.at, "channel": i.channel, "campaignId": i.campaign_id}
                ),
            }
            for i in data.invites
            if i.referrer_kind == kind
        ]
        await _load(db, query, invites, batch, progress)
    accepted = [{"id": u.id, "inviteId": u.invite_id} for u in data.users if u.invite_id]
    await _load(db, MERGE_ACCEPTED, accepted, batch, progress)
    conversions = [
        {
            "id": c.id,
            "userId": c.user_id,
            "props": _drop_nulls(
                {"id": c.id, "at": c.at, "revenueCents": c.revenue_cents, "plan": c.plan}
            ),
        }
        for c in data.conversions
    ]
    await _load(db, MERGE_CONVERSIONS, conversions, batch, progress)
    connections = [
        {"a": min(c.a, c.b), "b": max(c.a, c.b), "at": c.at} for c in data.connections if c.a != c.b
    ]
    await _load(db, MERGE_CONNECTIONS, connections, batch, progress)


async def is_empty(db: Database) -> bool:
    rows = await db.read(IS_EMPTY)
    return bool(rows[0]["empty"])
