"""Idempotent writes. Each runs in one managed transaction that reads the current state, decides,
and writes; a concurrent writer of the same id trips the uniqueness constraint, and the retry then
sees its result and answers as a repeat or a conflict. Nothing is written on any refusal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from growthgraph.graph import counters as referral_counters
from growthgraph.graph.database import Database
from growthgraph.graph.outcomes import (
    AlreadyReferred,
    IdConflict,
    InviteAlreadyAccepted,
    InviteReferrerMismatch,
    SignUpBeforeInvite,
    SignUpBeforeReferrer,
    SignUpOutcome,
    UnknownCampaign,
    UnknownInvite,
    UnknownReferrer,
    Written,
)
from growthgraph.graph.records import (
    CampaignRecord,
    InfluencerRecord,
    Kind,
    PartnerRecord,
    campaign_from,
    influencer_from,
    partner_from,
    referrer_from,
    to_datetime,
    user_from,
)

T = TypeVar("T")

_ENTITY_LABELS: dict[str, LiteralString] = {
    "Influencer": "Influencer",
    "Partner": "Partner",
    "Campaign": "Campaign",
}
FIND_ENTITY: dict[str, LiteralString] = {
    name: "MATCH (n:$LABEL {id: $id}) RETURN n {.*} AS n".replace("$LABEL", label)
    for name, label in _ENTITY_LABELS.items()
}
CREATE_ENTITY: dict[str, LiteralString] = {
    name: "CREATE (n:$LABEL) SET n = $props RETURN n {.*} AS n".replace("$LABEL", label)
    for name, label in _ENTITY_LABELS.items()
}

_REFERRER_LABEL: dict[Kind | None, LiteralString] = {
    None: "User",  # organic: the referrer lookup below matches nothing (id is null)
    Kind.USER: "User",
    Kind.INFLUENCER: "Influencer",
    Kind.PARTNER: "Partner",
}
SIGN_UP_STATE: dict[Kind | None, LiteralString] = {
    kind: """
OPTIONAL MATCH (existing:User {id: $id})
OPTIONAL MATCH (existing)<-[edge:REFERRED]-(src)
OPTIONAL MATCH (existing)<-[:ACCEPTED]-(accepted:Invite)
WITH existing, edge, src, accepted
OPTIONAL MATCH (ref:$LABEL {id: $referrerId})
OPTIONAL MATCH (c:Campaign {id: $campaignId})
RETURN existing {.*} AS existing, edge {.*} AS edge, src {.*} AS src,
       accepted.id AS acceptedInvite,
       CASE WHEN src:User THEN 'User' WHEN src:Influencer THEN 'Influencer' ELSE 'Partner' END
         AS srcLabel,
       ref {.*} AS ref, c IS NOT NULL AS campaignExists
""".replace("$LABEL", label)
    for kind, label in _REFERRER_LABEL.items()
}
CREATE_USER: dict[Kind | None, LiteralString] = {
    kind: """
CREATE (u:User) SET u = $props
WITH u
OPTIONAL MATCH (ref:$LABEL {id: $referrerId})
FOREACH (_ IN CASE WHEN ref IS NULL THEN [] ELSE [1] END |
  CREATE (ref)-[:REFERRED {at: u.signedUpAt, channel: $channel, campaignId: $campaignId}]->(u)
)
RETURN u {.*} AS u
""".replace("$LABEL", label)
    for kind, label in _REFERRER_LABEL.items()
}
# Setting and removing a property write-locks the invite, so two sign-ups racing to accept it
# run one after the other and the second sees the first's ACCEPTED edge.
INVITE_STATE: LiteralString = """
MATCH (i:Invite {id: $inviteId})
SET i._lock = true
REMOVE i._lock
WITH i
MATCH (sender)-[:SENT]->(i)
OPTIONAL MATCH (i)-[:ACCEPTED]->(taker:User)
RETURN i {.*} AS invite, sender.id AS senderId,
       CASE WHEN sender:User THEN 'User' WHEN sender:Influencer THEN 'Influencer' ELSE 'Partner' END
         AS senderLabel,
       taker.id AS acceptedBy
"""
ACCEPT_INVITE: LiteralString = """
MATCH (i:Invite {id: $inviteId})
MATCH (u:User {id: $id})
MERGE (i)-[:ACCEPTED]->(u)
"""


def _same(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Neo4j drops null properties, so absent and null are the same value. Properties the
    caller does not set (derived ones: leaderboard counters, analysis scores) are not compared."""
    given = {k: v for k, v in wanted.items() if v is not None}
    have = {
        k: (to_datetime(v) if hasattr(v, "to_native") else v)
        for k, v in stored.items()
        if v is not None and k in wanted
    }
    return have == given


async def _with_constraint_retry(
    db: Database, work: Callable[[AsyncManagedTransaction], Awaitable[T]]
) -> T:
    try:
        return await db.write_tx(work)
    except ConstraintError:
        # A concurrent call created the same id first; the second run sees it.
        return await db.write_tx(work)


async def _create_entity(
    db: Database, entity: str, props: Mapping[str, Any], build: Callable[[dict[str, Any]], T]
) -> Written[T] | IdConflict:
    async def work(tx: AsyncManagedTransaction) -> Written[T] | IdConflict:
        found = await (await tx.run(FIND_ENTITY[entity], id=props["id"])).single()
        if found is not None:
            stored: dict[str, Any] = found["n"]
            if _same(stored, props):
                return Written(build(stored), created=False)
            return IdConflict(entity=entity, id=str(props["id"]))
        clean = {k: v for k, v in props.items() if v is not None}
        row = await (await tx.run(CREATE_ENTITY[entity], props=clean)).single(strict=True)
        return Written(build(row["n"]), created=True)

    return await _with_constraint_retry(db, work)


async def create_influencer(
    db: Database,
    *,
    id: str,
    handle: str,
    platform: str,
    followers: int,
    engagement_rate: float,
    cost_cents: int | None = None,
) -> Written[InfluencerRecord] | IdConflict:
    props = {
        "id": id,
        "handle": handle,
        "platform": platform,
        "followers": followers,
        "engagementRate": engagement_rate,
        "costCents": cost_cents,
    }
    return await _create_entity(db, "Influencer", props, influencer_from)


async def create_partner(
    db: Database, *, id: str, name: str, kind: str, cost_cents: int | None = None
) -> Written[PartnerRecord] | IdConflict:
    props = {"id": id, "name": name, "kind": kind, "costCents": cost_cents}
    return await _create_entity(db, "Partner", props, partner_from)


async def create_campaign(
    db: Database,
    *,
    id: str,
    name: str,
    utm_source: str | None,
    utm_medium: str | None,
    utm_campaign: str | None,
) -> Written[CampaignRecord] | IdConflict:
    props = {
        "id": id,
        "name": name,
        "utmSource": utm_source,
        "utmMedium": utm_medium,
        "utmCampaign": utm_campaign,
    }
    return await _create_entity(db, "Campaign", props, campaign_from)


@dataclass(frozen=True, slots=True)
class SignUp:
    id: str
    name: str
    email: str
    signed_up_at: datetime
    country: str | None = None
    plan: str | None = None
    referrer_kind: Kind | None = None
    referrer_id: str | None = None
    channel: str | None = None
    campaign_id: str | None = None
    invite_id: str | None = None
    ip_hash: str | None = None  # keyed hashes (growthgraph.identity); never the raw values
    device_hash: str | None = None

    def props(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "signedUpAt": self.signed_up_at,
            "country": self.country,
            "plan": self.plan,
            "channel": self.channel,
            "campaignId": self.campaign_id,
            "ipHash": self.ip_hash,
            "deviceHash": self.device_hash,
        }


def _decide(state: Mapping[str, Any], signup: SignUp) -> SignUpOutcome | None:
    """The refusal, or the repeat, that the current state implies; ``None`` means create."""
    existing: dict[str, Any] | None = state["existing"]
    if existing is not None:
        src: dict[str, Any] | None = state["src"]
        same_referrer = (src is None and signup.referrer_id is None) or (
            src is not None
            and signup.referrer_kind is not None
            and state["srcLabel"] == signup.referrer_kind.value
            and src["id"] == signup.referrer_id
        )
        same_invite = state["acceptedInvite"] == signup.invite_id
        if same_referrer and same_invite and _same(existing, signup.props()):
            return Written(user_from(existing), created=False)
        if src is not None and signup.referrer_id is not None and not same_referrer:
            return AlreadyReferred(signup.id, referrer_from(state["srcLabel"], src))
        return IdConflict(entity="User", id=signup.id)
    if signup.referrer_kind is not None and signup.referrer_id is not None:
        ref: dict[str, Any] | None = state["ref"]
        if ref is None:
            return UnknownReferrer(signup.referrer_kind, signup.referrer_id)
        if signup.referrer_kind is Kind.USER:
            ref_at = to_datetime(ref["signedUpAt"])
            if signup.signed_up_at < ref_at:
                return SignUpBeforeReferrer(signup.referrer_id, ref_at)
    if signup.campaign_id is not None and not state["campaignExists"]:
        return UnknownCampaign(signup.campaign_id)
    return None


def _through_invite(state: Mapping[str, Any] | None, signup: SignUp) -> SignUp | SignUpOutcome:
    """Check a sign-up against the invite it names. The invite's sender is the referrer (implied
    when none is named), and its channel and campaign apply unless the sign-up names its own."""
    if state is None or signup.invite_id is None:
        return UnknownInvite(str(signup.invite_id))
    invite: dict[str, Any] = state["invite"]
    sender = (Kind(state["senderLabel"]), str(state["senderId"]))
    if signup.referrer_id is not None and (signup.referrer_kind, signup.referrer_id) != sender:
        return InviteReferrerMismatch(signup.invite_id, sender[0], sender[1])
    taker = state["acceptedBy"]
    if taker is not None and taker != signup.id:
        return InviteAlreadyAccepted(signup.invite_id, str(taker))
    sent_at = to_datetime(invite["at"])
    if signup.signed_up_at < sent_at:
        return SignUpBeforeInvite(signup.invite_id, sent_at)
    return replace(
        signup,
        referrer_kind=sender[0],
        referrer_id=sender[1],
        channel=signup.channel if signup.channel is not None else invite.get("channel"),
        campaign_id=signup.campaign_id
        if signup.campaign_id is not None
        else invite.get("campaignId"),
    )


async def record_sign_up(db: Database, signup: SignUp, *, counters: bool = True) -> SignUpOutcome:
    """Create the user and its REFERRED edge; with ``counters``, also keep the leaderboard
    counters (``graph.counters``) exact, in the same transaction."""

    async def work(tx: AsyncManagedTransaction) -> SignUpOutcome:
        return await _record_sign_up(tx, signup, counters=counters)

    return await _with_constraint_retry(db, work)


async def _record_sign_up(
    tx: AsyncManagedTransaction, signup: SignUp, *, counters: bool
) -> SignUpOutcome:
    if signup.invite_id is not None:
        invite_state = await (await tx.run(INVITE_STATE, inviteId=signup.invite_id)).single()
        checked = _through_invite(None if invite_state is None else invite_state.data(), signup)
        if not isinstance(checked, SignUp):
            return checked
        signup = checked
    params = {
        "id": signup.id,
        "referrerId": signup.referrer_id,
        "campaignId": signup.campaign_id,
        "channel": signup.channel,
    }
    state = await (await tx.run(SIGN_UP_STATE[signup.referrer_kind], params)).single(strict=True)
    refusal = _decide(state.data(), signup)
    if refusal is not None:
        return refusal
    props = {k: v for k, v in signup.props().items() if v is not None}
    if counters and signup.referrer_kind is not None and signup.referrer_id is not None:
        ancestors = await tx.run(
            referral_counters.ON_SIGN_UP[signup.referrer_kind.value], referrerId=signup.referrer_id
        )
        props |= referral_counters.above_props([r["key"] async for r in ancestors])
    row = await (await tx.run(CREATE_USER[signup.referrer_kind], params, props=props)).single(
        strict=True
    )
    if signup.invite_id is not None:
        await (await tx.run(ACCEPT_INVITE, inviteId=signup.invite_id, id=signup.id)).consume()
    return Written(user_from(row["u"]), created=True)
