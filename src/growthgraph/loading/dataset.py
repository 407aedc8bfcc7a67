"""Plain, validated-by-construction rows for bulk loading (demo data, data sets, tests), and
``load_dataset``, which writes them through the importer's merge statements (``graph.loading``)
in batched ``UNWIND`` transactions: every statement MERGEs on ids, so a re-run after a failure
duplicates nothing.
Users must be ordered so that every referrer appears before the users it referred. The graph
these rows make is described in docs/model.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, LiteralString

from growthgraph.graph import counters, name_keys
from growthgraph.graph import loading as cypher
from growthgraph.graph.activity import activity_key
from growthgraph.graph.database import Database
from growthgraph.graph.labels import NAME_LABELS, CostSourceName, ReferrerKindName

PartnerKindName = Literal["app-marketplace", "affiliate", "co-marketing", "alliance", "reseller"]

PARTNER_KINDS: tuple[PartnerKindName, ...] = (
    "app-marketplace",
    "affiliate",
    "co-marketing",
    "alliance",
    "reseller",
)


@dataclass(frozen=True, slots=True)
class InfluencerRow:
    id: str
    handle: str
    platform: str
    followers: int
    engagement_rate: float
    cost_cents: int | None = None  # what the deal cost, for cost per acquisition


@dataclass(frozen=True, slots=True)
class PartnerRow:
    id: str
    name: str
    kind: PartnerKindName
    cost_cents: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: str
    name: str
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None


@dataclass(frozen=True, slots=True)
class UserRow:
    id: str
    name: str
    email: str
    signed_up_at: datetime  # timezone-aware
    country: str | None = None
    plan: str | None = None
    referrer_kind: ReferrerKindName | None = None
    referrer_id: str | None = None
    channel: str | None = None
    campaign_id: str | None = None
    ip_hash: str | None = None  # already keyed-hashed; raw values are never stored
    device_hash: str | None = None
    invite_id: str | None = None  # the invite this sign-up accepted, if any


@dataclass(frozen=True, slots=True)
class InviteRow:
    """An invitation sent by a referrer (``referrer_kind``/``referrer_id``) at ``at``."""

    id: str
    referrer_kind: ReferrerKindName
    referrer_id: str
    at: datetime  # timezone-aware
    channel: str | None = None
    campaign_id: str | None = None


@dataclass(frozen=True, slots=True)
class ConversionRow:
    """A paying event of a user."""

    id: str
    user_id: str
    at: datetime  # timezone-aware
    revenue_cents: int
    plan: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """A user was active at ``at``, doing something of ``kind`` (``recordActivity``)."""

    user_id: str
    at: datetime  # timezone-aware
    kind: str


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    """A social tie between two users; undirected, stored once (smaller id first)."""

    a: str
    b: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CostRow:
    """Money spent on an influencer, partner or campaign at ``at`` (``recordCost``)."""

    id: str
    source_kind: CostSourceName
    source_id: str
    at: datetime  # timezone-aware
    amount_cents: int
    note: str | None = None


@dataclass(slots=True)
class Dataset:
    influencers: list[InfluencerRow] = field(default_factory=list[InfluencerRow])
    partners: list[PartnerRow] = field(default_factory=list[PartnerRow])
    campaigns: list[CampaignRow] = field(default_factory=list[CampaignRow])
    users: list[UserRow] = field(default_factory=list[UserRow])
    invites: list[InviteRow] = field(default_factory=list[InviteRow])
    conversions: list[ConversionRow] = field(default_factory=list[ConversionRow])
    activities: list[ActivityRow] = field(default_factory=list[ActivityRow])
    connections: list[ConnectionRow] = field(default_factory=list[ConnectionRow])
    costs: list[CostRow] = field(default_factory=list[CostRow])


Progress = Callable[[int], object]
# Row fields that are not properties of the row's node (they become edges).
_SKIPPED = frozenset({"referrer_kind", "referrer_id", "invite_id"})


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(word.title() for word in rest)


NodeRow = InfluencerRow | PartnerRow | CampaignRow | UserRow
_PROPERTY_NAMES: dict[type[NodeRow], tuple[tuple[str, str], ...]] = {
    row_type: tuple((f.name, _camel(f.name)) for f in fields(row_type) if f.name not in _SKIPPED)
    for row_type in (InfluencerRow, PartnerRow, CampaignRow, UserRow)
}


def node_props(row: NodeRow) -> dict[str, Any]:
    """The properties of a row's node, named as stored (``engagement_rate`` is
    ``engagementRate``); a null value is no property. A partner's or campaign's name comes with
    its sort key (``graph.name_keys``)."""
    values = ((prop, getattr(row, name)) for name, prop in _PROPERTY_NAMES[type(row)])
    props = {prop: value for prop, value in values if value is not None}
    if isinstance(row, PartnerRow | CampaignRow):
        return name_keys.keyed(props)
    return props


def dataset_size(data: Dataset) -> int:
    """Rows :func:`load_dataset` writes, the unit of its progress bar: the nodes, the referral
    edges, and the events (invites, their acceptances, conversions, activities, connections
    between two users, costs)."""
    referred = sum(1 for u in data.users if u.referrer_id is not None)
    accepted = sum(1 for u in data.users if u.invite_id)
    nodes = len(data.influencers) + len(data.partners) + len(data.campaigns) + len(data.users)
    connections = sum(1 for c in data.connections if c.a != c.b)
    events = len(data.invites) + len(data.conversions) + len(data.activities) + len(data.costs)
    return nodes + referred + accepted + events + connections


def _props(**values: object) -> dict[str, Any]:
    """A node's properties; a null value is no property."""
    return {
        k: v.isoformat() if isinstance(v, datetime) else v
        for k, v in values.items()
        if v is not None
    }


async def _write(
    db: Database,
    query: LiteralString,
    rows: Iterable[dict[str, Any]],
    batch: int,
    progress: Progress | None,
) -> None:
    await cypher.write_rows(db, query, rows, batch=batch, parallel=1, progress=progress)


async def load_dataset(
    db: Database, data: Dataset, *, batch_size: int = 5_000, progress: Progress | None = None
) -> None:
    """Write every row of ``data``; keeps the leaderboard counters exact."""
    nodes: list[tuple[cypher.NodeLabel, Iterable[dict[str, Any]]]] = [
        ("Influencer", map(node_props, data.influencers)),
        ("Partner", map(node_props, data.partners)),
        ("Campaign", map(node_props, data.campaigns)),
        ("User", ({**node_props(u), "signedUpAt": u.signed_up_at.isoformat()} for u in data.users)),
    ]
    for label, rows in nodes:
        await _write(db, cypher.MERGE_NODES[label], rows, batch_size, progress)
    for kind in NAME_LABELS:
        edges = (
            {
                "userId": u.id,
                "referrerId": u.referrer_id,
                "channel": u.channel,
                "campaignId": u.campaign_id,
            }
            for u in data.users
            if u.referrer_kind == kind and u.referrer_id is not None
        )
        await _write(db, cypher.MERGE_REFERRALS[kind], edges, batch_size, progress)
    referred = [u.id for u in data.users if u.referrer_id is not None]
    await counters.keep_exact(db, referred)
    await _load_events(db, data, batch_size, progress)


async def _load_events(db: Database, data: Dataset, batch: int, progress: Progress | None) -> None:
    for kind in NAME_LABELS:
        invites = (
            {
                "referrerId": i.referrer_id,
                "props": _props(id=i.id, at=i.at, channel=i.channel, campaignId=i.campaign_id),
            }
            for i in data.invites
            if i.referrer_kind == kind
        )
        await _write(db, cypher.MERGE_INVITES[kind], invites, batch, progress)
    accepted = ({"userId": u.id, "inviteId": u.invite_id} for u in data.users if u.invite_id)
    await _write(db, cypher.MERGE_ACCEPTED, accepted, batch, progress)
    conversions = (
        {
            "userId": c.user_id,
            "props": _props(id=c.id, at=c.at, revenueCents=c.revenue_cents, plan=c.plan),
        }
        for c in data.conversions
    )
    await _write(db, cypher.MERGE_CONVERSIONS, conversions, batch, progress)
    activities = (
        {
            "userId": a.user_id,
            "key": activity_key(a.user_id, a.at, a.kind),
            "at": a.at.isoformat(),
            "kind": a.kind,
        }
        for a in data.activities
    )
    await _write(db, cypher.MERGE_ACTIVITIES, activities, batch, progress)
    connections = (
        {"a": min(c.a, c.b), "b": max(c.a, c.b), "at": None if c.at is None else c.at.isoformat()}
        for c in data.connections
        if c.a != c.b
    )
    await _write(db, cypher.MERGE_CONNECTIONS, connections, batch, progress)
    await load_costs(db, data.costs, batch, progress)


def cost_params(c: CostRow) -> dict[str, Any]:
    """A cost row as the parameters of ``graph.loading.MERGE_COSTS``."""
    return {
        "sourceId": c.source_id,
        "props": _props(id=c.id, at=c.at, amountCents=c.amount_cents, note=c.note),
    }


async def load_costs(
    db: Database, costs: Iterable[CostRow], batch: int, progress: Progress | None
) -> int:
    """Write cost entries (merged on id: a re-run duplicates nothing); returns rows written."""
    rows = list(costs)
    written = 0
    for kind, query in cypher.MERGE_COSTS.items():
        written += await cypher.write_rows(
            db,
            query,
            (cost_params(c) for c in rows if c.source_kind == kind),
            batch=batch,
            parallel=1,
            progress=progress,
        )
    return written


async def is_empty(db: Database) -> bool:
    """No user, influencer or partner is stored (other nodes, such as idempotency records, do
    not count): the demo data may be loaded."""
    return await cypher.has_no_entities(db)
