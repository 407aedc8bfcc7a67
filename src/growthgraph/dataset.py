"""Plain, validated-by-construction rows for bulk loading (demo data, data sets, tests).

These rows carry no driver types: ``graph.bulk`` turns them into batched ``UNWIND`` writes.
Users must be ordered so that every referrer appears before the users it referred.
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


@dataclass(frozen=True, slots=True)
class PartnerRow:
    id: str
    name: str
    kind: PartnerKindName


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


@dataclass(slots=True)
class Dataset:
    influencers: list[InfluencerRow] = field(default_factory=list[InfluencerRow])
    partners: list[PartnerRow] = field(default_factory=list[PartnerRow])
    campaigns: list[CampaignRow] = field(default_factory=list[CampaignRow])
    users: list[UserRow] = field(default_factory=list[UserRow])
