"""Users: the sign-up that creates a user and the REFERRED edge that brought it in, in one
managed transaction that reads the current state, decides, and writes. A concurrent writer of the
same id trips the uniqueness constraint, and the retry then sees its result and answers as a
repeat or a conflict. Nothing is written on any refusal. Users are read through
``graph.entities`` (``USERS``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncManagedTransaction

from growthgraph import rules
from growthgraph.graph import changes
from growthgraph.graph import counters as referral_counters
from growthgraph.graph.database import Database
from growthgraph.graph.entities import USERS, same_values, write_retrying
from growthgraph.graph.events import ConversionRecord, conversion_from
from growthgraph.graph.labels import REFERRER_LABELS, Kind, label_of
from growthgraph.graph.lists import ListSpec, Sort
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
from growthgraph.graph.records import Page, UserRecord, referrer_from, to_datetime, user_from
from growthgraph.graph.rewards import RewardRecord, reward_from

T = TypeVar("T")

SIGN_UP_STATE: dict[Kind, LiteralString] = {
    kind: (
        """
OPTIONAL MATCH (existing:User {id: $id})
OPTIONAL MATCH (existing)<-[edge:REFERRED]-(src)
OPTIONAL MATCH (existing)<-[:ACCEPTED]-(accepted:Invite)
WITH existing, edge, src, accepted
OPTIONAL MATCH (ref:$LABEL {id: $referrerId})
OPTIONAL MATCH (c:Campaign {id: $campaignId})
RETURN existing {.*} AS existing, edge {.*} AS edge, src {.*} AS src,
       accepted.id AS acceptedInvite,
       """
        + label_of("src")
        + """
         AS srcLabel,
       ref {.*} AS ref, c IS NOT NULL AS campaignExists
"""
    ).replace("$LABEL", label)
    for kind, label in REFERRER_LABELS.items()
}
CREATE_USER: dict[Kind, LiteralString] = {
    kind: """
CREATE (u:User) SET u = $props
WITH u
OPTIONAL MATCH (ref:$LABEL {id: $referrerId})
FOREACH (_ IN CASE WHEN ref IS NULL THEN [] ELSE [1] END |
  CREATE (ref)-[:REFERRED {at: u.signedUpAt, channel: $channel, campaignId: $campaignId}]->(u)
)
RETURN u {.*} AS u
""".replace("$LABEL", label)
    for kind, label in REFERRER_LABELS.items()
}
# Setting and removing a property write-locks the invite, so two sign-ups racing to accept it
# run one after the other and the second sees the first's ACCEPTED edge.
INVITE_STATE: LiteralString = (
    """
MATCH (i:Invite {id: $inviteId})
SET i._lock = true
REMOVE i._lock
WITH i
MATCH (sender)-[:SENT]->(i)
OPTIONAL MATCH (i)-[:ACCEPTED]->(taker:User)
RETURN i {.*} AS invite, sender.id AS senderId,
       """
    + label_of("sender")
    + """
         AS senderLabel,
       taker.id AS acceptedBy
"""
)
ACCEPT_INVITE: LiteralString = """
MATCH (i:Invite {id: $inviteId})
MATCH (u:User {id: $id})
MERGE (i)-[:ACCEPTED]->(u)
"""


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


# Which stored properties a repeat is compared on. Its answer (the stored user, or ID_CONFLICT)
# must not depend on a value the caller may not read, or guessing it would be a way to read it:
# the keyed IP and device hashes stand for raw values that no one may read, so they are never
# compared; name and email are compared only for a caller who may read them (admin).
UNREADABLE: frozenset[str] = frozenset({"ipHash", "deviceHash"})
PERSONAL: frozenset[str] = frozenset({"name", "email"})


def compared_props(signup: SignUp, *, personal: bool) -> dict[str, Any]:
    """The sign-up's properties that an identical repeat must match."""
    hidden = UNREADABLE if personal else UNREADABLE | PERSONAL
    return {k: v for k, v in signup.props().items() if k not in hidden}


def _decide(
    state: Mapping[str, Any], signup: SignUp, *, personal: bool = True
) -> SignUpOutcome | None:
    """The refusal, or the repeat, that the current state implies; ``None`` means create. With
    ``personal`` false the caller may not read name and email, and the repeat ignores them."""
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
        compared = compared_props(signup, personal=personal)
        if same_referrer and same_invite and same_values(existing, compared):
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
            if rules.sign_up_before_referrer(signup.signed_up_at, ref_at):
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
    named = None
    if signup.referrer_kind is not None and signup.referrer_id is not None:
        named = (signup.referrer_kind.value, signup.referrer_id)
    if rules.referrer_differs_from_sender(named, (sender[0].value, sender[1])):
        return InviteReferrerMismatch(signup.invite_id, sender[0], sender[1])
    taker = state["acceptedBy"]
    if taker is not None and taker != signup.id:
        return InviteAlreadyAccepted(signup.invite_id, str(taker))
    sent_at = to_datetime(invite["at"])
    if rules.sign_up_before_invite(signup.signed_up_at, sent_at):
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


def _lookup_kind(signup: SignUp) -> Kind:
    """The label the referrer lookup uses; for an organic sign-up any label does, since the
    referrer id it matches is null."""
    return signup.referrer_kind or Kind.USER


async def record_sign_up(
    db: Database, signup: SignUp, *, counters: bool = True, personal: bool = True
) -> SignUpOutcome:
    """Create the user and its REFERRED edge; with ``counters``, also keep the leaderboard
    counters (``graph.counters``) exact, in the same transaction. ``personal`` says whether the
    caller may read name and email: if not, a repeat is judged without them."""

    async def work(tx: AsyncManagedTransaction) -> SignUpOutcome:
        return await _record_sign_up(tx, signup, counters=counters, personal=personal)

    return await write_retrying(db, work)


async def _record_sign_up(
    tx: AsyncManagedTransaction, signup: SignUp, *, counters: bool, personal: bool
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
    state = await (await tx.run(SIGN_UP_STATE[_lookup_kind(signup)], params)).single(strict=True)
    refusal = _decide(state.data(), signup, personal=personal)
    if refusal is not None:
        return refusal
    props = {k: v for k, v in signup.props().items() if v is not None}
    if counters and signup.referrer_kind is not None and signup.referrer_id is not None:
        ancestors = await tx.run(
            referral_counters.ON_SIGN_UP[signup.referrer_kind.value], referrerId=signup.referrer_id
        )
        props |= referral_counters.above_props([r["key"] async for r in ancestors])
    row = await (await tx.run(CREATE_USER[_lookup_kind(signup)], params, props=props)).single(
        strict=True
    )
    if signup.invite_id is not None:
        await (await tx.run(ACCEPT_INVITE, inviteId=signup.invite_id, id=signup.id)).consume()
    await changes.append(tx, [sign_up_change(signup)])
    return Written(user_from(row["u"]), created=True)


# --- a user's own lists: social connections, conversions, rewards --------------------------
# Each is a keyset page per user for many users in one round trip (UNWIND the users, one
# ordered, limited subquery each), and a count per user from the node's degree or an index.

# Connections are undirected (stored once, smaller id first): matched without a direction and
# ordered by the other user's id.
CONNECTIONS_OF: LiteralString = """
UNWIND $ids AS pid
MATCH (p:User {id: pid})
CALL (p) {
  MATCH (p)-[r:CONNECTED_TO]-(o:User) WHERE o.id > $after
  RETURN o, r.at AS at ORDER BY o.id LIMIT $limit
}
RETURN pid, collect({user: o {.*, signedUpAt: toString(o.signedUpAt)}, at: toString(at)}) AS rows
"""
CONNECTION_COUNTS: LiteralString = """
UNWIND $ids AS pid
MATCH (p:User {id: pid})
RETURN pid, COUNT { (p)-[:CONNECTED_TO]-() } AS n
"""
# Conversions in time order, ties by id: the key is (at, id).
CONVERSIONS_OF: LiteralString = """
UNWIND $ids AS pid
MATCH (p:User {id: pid})
CALL (p) {
  MATCH (p)-[:CONVERTED]->(c:Conversion)
  WHERE $afterAt IS NULL OR c.at > $afterAt OR (c.at = $afterAt AND c.id > $afterId)
  RETURN c ORDER BY c.at, c.id LIMIT $limit
}
RETURN pid, collect(c {.*, at: toString(c.at)}) AS rows
"""
CONVERSION_COUNTS: LiteralString = """
UNWIND $ids AS pid
MATCH (p:User {id: pid})
RETURN pid, COUNT { (p)-[:CONVERTED]->() } AS n
"""
# Rewards name their beneficiary by label and id (no edge); the composite index on
# (beneficiaryId, beneficiaryLabel) finds a user's, ordered by reward id.
REWARDS_OF: LiteralString = """
UNWIND $ids AS pid
CALL (pid) {
  MATCH (w:Reward)
  WHERE w.beneficiaryId = pid AND w.beneficiaryLabel = 'User' AND w.id > $after
  RETURN w ORDER BY w.id LIMIT $limit
}
RETURN pid, collect(w {.*}) AS rows
"""
REWARD_COUNTS: LiteralString = """
UNWIND $ids AS pid
CALL (pid) {
  MATCH (w:Reward) WHERE w.beneficiaryId = pid AND w.beneficiaryLabel = 'User'
  RETURN count(w) AS n
}
RETURN pid, n
"""


# The records of a user's own lists, as this module answers them.
__all__ = ["ConnectedUser", "ConversionRecord", "RewardRecord"]


@dataclass(frozen=True, slots=True)
class ConnectedUser:
    user: UserRecord
    at: datetime | None  # when the connection was recorded, if known


def _pages(rows: list[dict[str, Any]], first: int, build: Callable[[Any], T]) -> dict[str, Page[T]]:
    pages: dict[str, Page[T]] = {}
    for row in rows:
        items: list[Any] = row["rows"]
        pages[str(row["pid"])] = Page(
            items=tuple(build(i) for i in items[:first]), has_next=len(items) > first
        )
    return pages


def _connected(row: dict[str, Any]) -> ConnectedUser:
    at = row["at"]
    return ConnectedUser(user_from(row["user"]), None if at is None else to_datetime(at))


async def connections_of(
    db: Database, user_ids: Sequence[str], *, first: int, after: str | None
) -> dict[str, Page[ConnectedUser]]:
    """One keyset page of each user's connections (by the other user's id)."""
    rows = await db.read(
        CONNECTIONS_OF,
        {"ids": list(dict.fromkeys(user_ids)), "after": after or "", "limit": first + 1},
    )
    return _pages(rows, first, _connected)


async def conversions_of(
    db: Database, user_ids: Sequence[str], *, first: int, after: tuple[datetime, str] | None
) -> dict[str, Page[ConversionRecord]]:
    """One keyset page of each user's conversions, by time then id, after ``(at, id)``."""
    params: dict[str, Any] = {
        "ids": list(dict.fromkeys(user_ids)),
        "afterAt": None if after is None else after[0],
        "afterId": None if after is None else after[1],
        "limit": first + 1,
    }
    rows = await db.read(CONVERSIONS_OF, params)
    pages: dict[str, Page[ConversionRecord]] = {}
    for row in rows:
        uid = str(row["pid"])
        items: list[dict[str, Any]] = row["rows"]
        pages[uid] = Page(
            items=tuple(conversion_from(c, uid) for c in items[:first]),
            has_next=len(items) > first,
        )
    return pages


async def rewards_of(
    db: Database, user_ids: Sequence[str], *, first: int, after: str | None
) -> dict[str, Page[RewardRecord]]:
    """One keyset page of the rewards each user earned (any run, any status), by reward id."""
    ids = list(dict.fromkeys(user_ids))
    rows = await db.read(REWARDS_OF, {"ids": ids, "after": after or "", "limit": first + 1})
    return _pages(rows, first, reward_from)


USER_LIST_COUNTS: dict[str, LiteralString] = {
    "connections": CONNECTION_COUNTS,
    "conversions": CONVERSION_COUNTS,
    "rewards": REWARD_COUNTS,
}


async def list_counts(db: Database, list_name: str, user_ids: Sequence[str]) -> dict[str, int]:
    """How long one of the users' own lists is, per user, in one round trip."""
    rows = await db.read(USER_LIST_COUNTS[list_name], {"ids": list(dict.fromkeys(user_ids))})
    return {str(row["pid"]): int(row["n"]) for row in rows}


def sign_up_change(signup: SignUp) -> dict[str, Any]:
    referred = signup.referrer_kind is not None and signup.referrer_id is not None
    return changes.event(
        changes.ChangeKind.SIGN_UP,
        userId=signup.id,
        referrerKind=signup.referrer_kind.value if referred and signup.referrer_kind else None,
        referrerId=signup.referrer_id if referred else None,
        campaignId=signup.campaign_id if referred else None,
    )


# --- the root list of users, filtered and sorted (graph.lists) --------------------------------
USER_LIST = ListSpec(
    USERS,
    sorts={"ID": Sort(), "SIGNED_UP_AT": Sort("signedUpAt", "instant")},
    filters={
        "from": "n.signedUpAt >= $from",
        "to": "n.signedUpAt < $to",
        "country": "n.country = $country",
        "campaignId": "n.campaignId = $campaignId",
    },
)
# Module-level, so the scan of every Cypher constant (tests/integration/test_cypher.py) compiles
# each list statement.
USER_PAGES = USER_LIST.pages
USER_COUNTS = USER_LIST.counts
