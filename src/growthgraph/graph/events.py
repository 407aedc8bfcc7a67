"""Growth events: invitations sent by referrers and conversions (paying events) of users.

Each write is one managed transaction that reads the current state, decides and writes, exactly
like ``graph.writes``: a repeat of an identical call returns the stored event, a different event
under the same id is a conflict, and nothing is written on any refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph import changes
from growthgraph.graph.database import Database
from growthgraph.graph.entities import same_values, write_retrying
from growthgraph.graph.labels import REFERRER_LABELS, Kind, label_or_null
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer, Written
from growthgraph.graph.records import ReferrerRecord, referrer_from, to_datetime
from growthgraph.rules import conversion_before_sign_up, invite_before_sender


@dataclass(frozen=True, slots=True)
class InviteRecord:
    id: str
    at: datetime
    channel: str | None
    campaign_id: str | None
    sender: ReferrerRecord


@dataclass(frozen=True, slots=True)
class ConversionRecord:
    id: str
    user_id: str
    at: datetime
    revenue_cents: int
    plan: str | None


@dataclass(frozen=True, slots=True)
class InviteBeforeSender:
    """A user cannot send an invite before it signed up."""

    sender_id: str
    sender_signed_up_at: datetime


@dataclass(frozen=True, slots=True)
class UnknownUser:
    id: str


@dataclass(frozen=True, slots=True)
class ConversionBeforeSignUp:
    user_id: str
    signed_up_at: datetime


InviteOutcome = (
    Written[InviteRecord] | IdConflict | UnknownReferrer | UnknownCampaign | InviteBeforeSender
)
ConversionOutcome = Written[ConversionRecord] | IdConflict | UnknownUser | ConversionBeforeSignUp

INVITE_STATE: dict[Kind, LiteralString] = {
    kind: (
        """
OPTIONAL MATCH (existing:Invite {id: $id})
OPTIONAL MATCH (sentBy)-[:SENT]->(existing)
WITH existing, sentBy
OPTIONAL MATCH (sender:$LABEL {id: $senderId})
OPTIONAL MATCH (c:Campaign {id: $campaignId})
RETURN existing {.*} AS existing, sentBy.id AS sentById,
       """
        + label_or_null("sentBy")
        + """ AS sentByLabel,
       sender {.*} AS sender, c IS NOT NULL AS campaignExists
"""
    ).replace("$LABEL", label)
    for kind, label in REFERRER_LABELS.items()
}
CREATE_INVITE: dict[Kind, LiteralString] = {
    kind: """
MATCH (sender:$LABEL {id: $senderId})
CREATE (sender)-[:SENT]->(i:Invite)
SET i = $props
""".replace("$LABEL", label)
    for kind, label in REFERRER_LABELS.items()
}
CONVERSION_STATE: LiteralString = """
OPTIONAL MATCH (existing:Conversion {id: $id})
OPTIONAL MATCH (owner:User)-[:CONVERTED]->(existing)
WITH existing, owner
OPTIONAL MATCH (u:User {id: $userId})
RETURN existing {.*} AS existing, owner.id AS ownerId, u.signedUpAt AS signedUpAt
"""
CREATE_CONVERSION: LiteralString = """
MATCH (u:User {id: $userId})
CREATE (u)-[:CONVERTED]->(c:Conversion)
SET c = $props
"""


def _drop_nulls(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


def _invite(props: dict[str, Any], sender: ReferrerRecord) -> InviteRecord:
    return InviteRecord(
        id=str(props["id"]),
        at=to_datetime(props["at"]),
        channel=props.get("channel"),
        campaign_id=props.get("campaignId"),
        sender=sender,
    )


def conversion_from(props: dict[str, Any], user_id: str) -> ConversionRecord:
    return ConversionRecord(
        id=str(props["id"]),
        user_id=user_id,
        at=to_datetime(props["at"]),
        revenue_cents=int(props["revenueCents"]),
        plan=props.get("plan"),
    )


async def record_invite(
    db: Database,
    *,
    id: str,
    sender_kind: Kind,
    sender_id: str,
    at: datetime,
    channel: str | None,
    campaign_id: str | None,
) -> InviteOutcome:
    props = {"id": id, "at": at, "channel": channel, "campaignId": campaign_id}
    params = {"id": id, "senderId": sender_id, "campaignId": campaign_id}

    async def work(tx: AsyncManagedTransaction) -> InviteOutcome:
        state = (await (await tx.run(INVITE_STATE[sender_kind], params)).single(strict=True)).data()
        sender: dict[str, Any] | None = state["sender"]
        existing: dict[str, Any] | None = state["existing"]
        if existing is not None:
            same_sender = (state["sentByLabel"], state["sentById"]) == (
                sender_kind.value,
                sender_id,
            )
            if same_sender and sender is not None and same_values(existing, props):
                return Written(_invite(existing, referrer_from(sender_kind.value, sender)), False)
            return IdConflict(entity="Invite", id=id)
        if sender is None:
            return UnknownReferrer(sender_kind, sender_id)
        if sender_kind is Kind.USER and invite_before_sender(at, to_datetime(sender["signedUpAt"])):
            return InviteBeforeSender(sender_id, to_datetime(sender["signedUpAt"]))
        if campaign_id is not None and not state["campaignExists"]:
            return UnknownCampaign(campaign_id)
        await (await tx.run(CREATE_INVITE[sender_kind], params, props=_drop_nulls(props))).consume()
        return Written(_invite(props, referrer_from(sender_kind.value, sender)), True)

    return await write_retrying(db, work)


async def record_conversion(
    db: Database, *, id: str, user_id: str, at: datetime, revenue_cents: int, plan: str | None
) -> ConversionOutcome:
    props = {"id": id, "at": at, "revenueCents": revenue_cents, "plan": plan}

    async def work(tx: AsyncManagedTransaction) -> ConversionOutcome:
        result = await tx.run(CONVERSION_STATE, id=id, userId=user_id)
        state = (await result.single(strict=True)).data()
        existing: dict[str, Any] | None = state["existing"]
        if existing is not None:
            if state["ownerId"] == user_id and same_values(existing, props):
                return Written(conversion_from(existing, user_id), created=False)
            return IdConflict(entity="Conversion", id=id)
        if state["signedUpAt"] is None:
            return UnknownUser(user_id)
        signed_up_at = to_datetime(state["signedUpAt"])
        if conversion_before_sign_up(at, signed_up_at):
            return ConversionBeforeSignUp(user_id, signed_up_at)
        await (await tx.run(CREATE_CONVERSION, userId=user_id, props=_drop_nulls(props))).consume()
        change = changes.event(
            changes.ChangeKind.CONVERSION,
            conversionId=id,
            userId=user_id,
            revenueCents=revenue_cents,
        )
        await changes.append(tx, [change])
        return Written(conversion_from(props, user_id), created=True)

    return await write_retrying(db, work)
