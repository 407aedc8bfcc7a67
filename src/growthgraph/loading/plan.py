"""Decide which parsed rows load, with the rules of ``recordSignUp`` and docs/model.md applied
across the files and against what the database already holds.

Pure: the database's state arrives as an ``Existing`` value, so the rules are unit-testable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from growthgraph.graph.labels import ReferrerKindName
from growthgraph.loading.dataset import CampaignRow, InfluencerRow, PartnerRow
from growthgraph.loading.files import Reject
from growthgraph.loading.parse import (
    ImportConnection,
    ImportConversion,
    ImportInvite,
    ImportUser,
    ReferralRow,
)

T = TypeVar("T")
Referrer = tuple[ReferrerKindName, str]
_Known = Callable[[ReferrerKindName, str], bool]
_CampaignKnown = Callable[[str | None], bool]


class Located(NamedTuple, Generic[T]):
    """A row and where it came from (a tuple: one is made for every row of the files)."""

    file: str
    line: int
    row: T


@dataclass(slots=True)
class Parsed:
    influencers: list[Located[InfluencerRow]] = field(default_factory=list[Located[InfluencerRow]])
    partners: list[Located[PartnerRow]] = field(default_factory=list[Located[PartnerRow]])
    campaigns: list[Located[CampaignRow]] = field(default_factory=list[Located[CampaignRow]])
    users: list[Located[ImportUser]] = field(default_factory=list[Located[ImportUser]])
    referrals: list[Located[ReferralRow]] = field(default_factory=list[Located[ReferralRow]])
    invites: list[Located[ImportInvite]] = field(default_factory=list[Located[ImportInvite]])
    conversions: list[Located[ImportConversion]] = field(
        default_factory=list[Located[ImportConversion]]
    )
    connections: list[Located[ImportConnection]] = field(
        default_factory=list[Located[ImportConnection]]
    )


@dataclass(slots=True)
class Existing:
    """What the database already holds, for the ids the files mention."""

    users: dict[str, datetime] = field(default_factory=dict[str, datetime])  # id -> signedUpAt
    influencers: set[str] = field(default_factory=set[str])
    partners: set[str] = field(default_factory=set[str])
    campaigns: set[str] = field(default_factory=set[str])
    referred_by: dict[str, Referrer] = field(
        default_factory=dict[str, Referrer]
    )  # user id -> its referrer
    invite_of_user: dict[str, str] = field(
        default_factory=dict[str, str]
    )  # user id -> accepted invite
    user_of_invite: dict[str, str] = field(
        default_factory=dict[str, str]
    )  # invite id -> accepting user


@dataclass(slots=True)
class Plan:
    """The rows to load, in load order, and every rejected row."""

    influencers: list[InfluencerRow] = field(default_factory=list[InfluencerRow])
    partners: list[PartnerRow] = field(default_factory=list[PartnerRow])
    campaigns: list[CampaignRow] = field(default_factory=list[CampaignRow])
    users: list[ImportUser] = field(default_factory=list[ImportUser])
    referrals: list[ReferralRow] = field(default_factory=list[ReferralRow])
    invites: list[ImportInvite] = field(default_factory=list[ImportInvite])
    conversions: list[ImportConversion] = field(default_factory=list[ImportConversion])
    connections: list[ImportConnection] = field(default_factory=list[ImportConnection])
    rejects: list[Reject] = field(default_factory=list[Reject])

    def size(self) -> int:
        """Rows to write (the unit of the progress bar); an accepted invite counts twice."""
        return (
            len(self.influencers)
            + len(self.partners)
            + len(self.campaigns)
            + len(self.users)
            + len(self.referrals)
            + len(self.invites)
            + sum(1 for i in self.invites if i.accepted_by is not None)
            + len(self.conversions)
            + len(self.connections)
        )


def _first_by_id(
    rows: Iterable[Located[T]], key: str, rejects: list[Reject], kind: str
) -> dict[str, Located[T]]:
    """First row per id wins; a later row with the same id is rejected either way."""
    kept: dict[str, Located[T]] = {}
    for item in rows:
        ident: str = getattr(item.row, key)
        first = kept.get(ident)
        if first is None:
            kept[ident] = item
        elif first.row == item.row:
            rejects.append(Reject(item.file, item.line, f"duplicate of line {first.line}"))
        else:
            rejects.append(
                Reject(
                    item.file, item.line, f"{kind} {ident} is already defined on line {first.line}"
                )
            )
    return kept


@dataclass(slots=True)
class Known:
    """The ids the rules check against: those loaded from the files and those already stored."""

    existing: Existing
    influencers: dict[str, Located[InfluencerRow]]
    partners: dict[str, Located[PartnerRow]]
    campaigns: dict[str, Located[CampaignRow]]
    signed_up: dict[str, datetime]  # user id -> signedUpAt, for every user loaded or stored

    def campaign_known(self, cid: str | None) -> bool:
        return cid is None or cid in self.campaigns or cid in self.existing.campaigns

    def referrer_known(self, kind: ReferrerKindName, rid: str) -> bool:
        if kind == "USER":
            return rid in self.signed_up
        if kind == "INFLUENCER":
            return rid in self.influencers or rid in self.existing.influencers
        return rid in self.partners or rid in self.existing.partners


def plan_nodes(parsed: Parsed, existing: Existing, out: Plan) -> Known:
    """Influencers, partners, campaigns and users: the first row per id, users with a known
    campaign."""
    rejects = out.rejects
    known = Known(
        existing=existing,
        influencers=_first_by_id(parsed.influencers, "id", rejects, "influencer"),
        partners=_first_by_id(parsed.partners, "id", rejects, "partner"),
        campaigns=_first_by_id(parsed.campaigns, "id", rejects, "campaign"),
        signed_up=dict(existing.users),
    )
    out.influencers = [i.row for i in known.influencers.values()]
    out.partners = [p.row for p in known.partners.values()]
    out.campaigns = [c.row for c in known.campaigns.values()]
    signed_up = known.signed_up
    for item in _first_by_id(parsed.users, "id", rejects, "user").values():
        row = item.row
        if row.campaign_id is not None and not known.campaign_known(row.campaign_id):
            rejects.append(Reject(item.file, item.line, f"unknown campaign {row.campaign_id}"))
            continue
        signed_up[row.id] = row.signed_up_at
        out.users.append(row)
    return known


def plan_referrals(parsed: Parsed, out: Plan, known: Known) -> None:
    out.referrals = _referrals(
        parsed.referrals, known.existing, known.signed_up, known.referrer_known, out.rejects
    )


def plan_rest(parsed: Parsed, out: Plan, known: Known) -> None:
    """Invites (with their acceptance), conversions and connections."""
    _plan_invites(
        parsed, known.existing, out, known.signed_up, known.referrer_known, known.campaign_known
    )
    _plan_events(parsed, out, known.signed_up)


def plan(parsed: Parsed, existing: Existing) -> Plan:
    out = Plan()
    known = plan_nodes(parsed, existing, out)
    plan_referrals(parsed, out, known)
    plan_rest(parsed, out, known)
    out.rejects.sort(key=lambda r: (r.file, r.line))
    return out


def _referrals(
    rows: list[Located[ReferralRow]],
    existing: Existing,
    signed_up: dict[str, datetime],
    referrer_known: _Known,
    rejects: list[Reject],
) -> list[ReferralRow]:
    parent: dict[str, Referrer] = dict(existing.referred_by)
    chosen_line: dict[str, int] = {}
    kept: list[ReferralRow] = []
    for item in rows:
        row = item.row
        ref: Referrer = (row.referrer_kind, row.referrer_id)
        why = _referral_problem(row, signed_up, referrer_known)
        if why is None and row.user_id in parent:
            have = parent[row.user_id]
            if have == ref and row.user_id not in chosen_line:
                kept.append(row)  # already in the database: a re-run, loading it changes nothing
                chosen_line[row.user_id] = item.line
                continue
            where = (
                f"on line {chosen_line[row.user_id]}"
                if row.user_id in chosen_line
                else "in the database"
            )
            if have == ref:
                why = f"duplicate of line {chosen_line[row.user_id]}"
            else:
                why = f"user {row.user_id} is already referred by {have[0]} {have[1]} {where}"
        if why is None and ref[0] == "USER" and _closes_cycle(row.user_id, ref[1], parent):
            why = "would make a referral cycle"
        if why is not None:
            rejects.append(Reject(item.file, item.line, why))
            continue
        parent[row.user_id] = ref
        chosen_line[row.user_id] = item.line
        kept.append(row)
    return kept


def _referral_problem(
    row: ReferralRow, signed_up: dict[str, datetime], referrer_known: _Known
) -> str | None:
    user_at = signed_up.get(row.user_id)
    if user_at is None:
        return f"unknown user {row.user_id}"
    if not referrer_known(row.referrer_kind, row.referrer_id):
        return f"unknown referrer {row.referrer_kind} {row.referrer_id}"
    if row.referrer_kind == "USER" and signed_up[row.referrer_id] > user_at:
        return f"referrer {row.referrer_id} signed up after user {row.user_id}"
    return None


def _closes_cycle(user_id: str, referrer_id: str, parent: dict[str, Referrer]) -> bool:
    """Users may share a sign-up time, so a referral between equals could close a loop."""
    node = referrer_id
    seen: set[str] = set()
    while node not in seen:
        if node == user_id:
            return True
        seen.add(node)
        above = parent.get(node)
        if above is None or above[0] != "USER":
            return False
        node = above[1]
    return True


def _plan_invites(
    parsed: Parsed,
    existing: Existing,
    out: Plan,
    signed_up: dict[str, datetime],
    referrer_known: _Known,
    campaign_known: _CampaignKnown,
) -> None:
    invite_of_user = dict(existing.invite_of_user)
    for item in _first_by_id(parsed.invites, "id", out.rejects, "invite").values():
        row = item.row
        why: str | None = None
        if not referrer_known(row.referrer_kind, row.referrer_id):
            why = f"unknown sender {row.referrer_kind} {row.referrer_id}"
        elif not campaign_known(row.campaign_id):
            why = f"unknown campaign {row.campaign_id}"
        elif row.accepted_by is not None:
            user = row.accepted_by
            held = existing.user_of_invite.get(row.id)
            if user not in signed_up:
                why = f"unknown user {user} in acceptedBy"
            elif held is not None and held != user:
                why = f"invite {row.id} was already accepted by user {held}"
            elif invite_of_user.get(user, row.id) != row.id:
                why = f"user {user} already accepted invite {invite_of_user[user]}"
        if why is not None:
            out.rejects.append(Reject(item.file, item.line, why))
            continue
        if row.accepted_by is not None:
            invite_of_user[row.accepted_by] = row.id
        out.invites.append(row)


def _plan_events(parsed: Parsed, out: Plan, signed_up: dict[str, datetime]) -> None:
    for item in _first_by_id(parsed.conversions, "id", out.rejects, "conversion").values():
        if item.row.user_id not in signed_up:
            out.rejects.append(Reject(item.file, item.line, f"unknown user {item.row.user_id}"))
        else:
            out.conversions.append(item.row)
    pairs: dict[tuple[str, str], int] = {}
    for link in parsed.connections:
        row = link.row
        pair = (row.a, row.b)
        missing = [u for u in pair if u not in signed_up]
        if missing:
            why = f"unknown user {missing[0]}"
        elif pair in pairs:
            why = f"duplicate of line {pairs[pair]}"
        else:
            pairs[pair] = link.line
            out.connections.append(row)
            continue
        out.rejects.append(Reject(link.file, link.line, why))
