"""Plain, validated-by-construction rows for bulk loading (demo data, data sets, tests).

These rows carry no driver types: ``graph.bulk`` turns them into batched ``UNWIND`` writes.
Users must be ordered so that every referrer appears before the users it referred. The graph
these rows make is described in docs/model.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ReferrerKindName = Literal["USER", "INFLUENCER", "PARTNER"]
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
class ConnectionRow:
    """A social tie between two users; undirected, stored once (smaller id first)."""

    a: str
    b: str
    at: datetime | None = None


@dataclass(slots=True)
class Dataset:
    influencers: list[InfluencerRow] = field(default_factory=list[InfluencerRow])
    partners: list[PartnerRow] = field(default_factory=list[PartnerRow])
    campaigns: list[CampaignRow] = field(default_factory=list[CampaignRow])
    users: list[UserRow] = field(default_factory=list[UserRow])
    invites: list[InviteRow] = field(default_factory=list[InviteRow])
    conversions: list[ConversionRow] = field(default_factory=list[ConversionRow])
    connections: list[ConnectionRow] = field(default_factory=list[ConnectionRow])
