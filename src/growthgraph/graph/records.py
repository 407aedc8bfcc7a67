"""Frozen records returned by the repositories; upper layers never see driver objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import neo4j.time

from growthgraph.graph.labels import Kind


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: str
    name: str
    email: str
    signed_up_at: datetime
    country: str | None
    plan: str | None
    channel: str | None
    campaign_id: str | None

    kind = Kind.USER


@dataclass(frozen=True, slots=True)
class InfluencerRecord:
    id: str
    handle: str
    platform: str
    followers: int
    engagement_rate: float
    cost_cents: int | None = None

    kind = Kind.INFLUENCER


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    id: str
    name: str
    partner_kind: str
    cost_cents: int | None = None

    kind = Kind.PARTNER


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: str
    name: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None


ReferrerRecord = UserRecord | InfluencerRecord | PartnerRecord


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """The REFERRED edge into a user, with the node it comes from."""

    referrer: ReferrerRecord
    at: datetime
    channel: str | None
    campaign_id: str | None


@dataclass(frozen=True, slots=True)
class ReferrerCount:
    referrer: ReferrerRecord
    sign_ups: int


@dataclass(frozen=True, slots=True)
class CascadeLevel:
    depth: int
    sign_ups: int


@dataclass(frozen=True, slots=True)
class Cascade:
    root: ReferrerRecord
    total: int
    depth: int
    levels: tuple[CascadeLevel, ...]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One keyset page, ordered by id; ``has_next`` tells whether another page follows."""

    items: tuple[T, ...]
    has_next: bool


def to_datetime(value: object) -> datetime:
    """A stored DateTime as an aware ``datetime`` in UTC. Hot read paths return it as ISO 8601
    text (``toString``), which parses several times faster than the driver's DateTime."""
    if isinstance(value, str):
        text = value.split("[", 1)[0]  # a named zone suffix; the offset before it says it all
        return datetime.fromisoformat(text).astimezone(UTC)
    if isinstance(value, neo4j.time.DateTime):
        return value.to_native().astimezone(UTC)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    raise TypeError(f"expected a DateTime, got {type(value).__name__}")


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def user_from(props: dict[str, Any]) -> UserRecord:
    return UserRecord(
        id=str(props["id"]),
        name=str(props["name"]),
        email=str(props["email"]),
        signed_up_at=to_datetime(props["signedUpAt"]),
        country=_opt_str(props.get("country")),
        plan=_opt_str(props.get("plan")),
        channel=_opt_str(props.get("channel")),
        campaign_id=_opt_str(props.get("campaignId")),
    )


def influencer_from(props: dict[str, Any]) -> InfluencerRecord:
    return InfluencerRecord(
        id=str(props["id"]),
        handle=str(props["handle"]),
        platform=str(props["platform"]),
        followers=int(props["followers"]),
        engagement_rate=float(props["engagementRate"]),
        cost_cents=_opt_int(props.get("costCents")),
    )


def partner_from(props: dict[str, Any]) -> PartnerRecord:
    return PartnerRecord(
        id=str(props["id"]),
        name=str(props["name"]),
        partner_kind=str(props["kind"]),
        cost_cents=_opt_int(props.get("costCents")),
    )


def campaign_from(props: dict[str, Any]) -> CampaignRecord:
    return CampaignRecord(
        id=str(props["id"]),
        name=str(props["name"]),
        utm_source=_opt_str(props.get("utmSource")),
        utm_medium=_opt_str(props.get("utmMedium")),
        utm_campaign=_opt_str(props.get("utmCampaign")),
    )


def referrer_from(label: str, props: dict[str, Any]) -> ReferrerRecord:
    """Map a node returned with its label (see ``KIND_OF`` in Cypher) to its record."""
    kind = Kind(label)
    if kind is Kind.USER:
        return user_from(props)
    if kind is Kind.INFLUENCER:
        return influencer_from(props)
    return partner_from(props)
