"""What the import's rules read and write: the parsed rows with their place in the files, what
the database already holds (``Existing``), the ids known so far (``Known``) and the outcome
(``Plan``: the rows to load and every reject, each reason ``CODE: ...`` as ``growthgraph.rules``
names it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

from growthgraph.graph.labels import ReferrerKindName
from growthgraph.loading.dataset import CampaignRow, CostRow, InfluencerRow, PartnerRow
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.parse import (
    ImportActivity,
    ImportConnection,
    ImportConversion,
    ImportInvite,
    ImportUser,
    ReferralRow,
)
from growthgraph.rules import Code, Refusal

T = TypeVar("T")
Referrer = tuple[ReferrerKindName, str]


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
    activities: list[Located[ImportActivity]] = field(default_factory=list[Located[ImportActivity]])
    connections: list[Located[ImportConnection]] = field(
        default_factory=list[Located[ImportConnection]]
    )
    costs: list[Located[CostRow]] = field(default_factory=list[Located[CostRow]])


@dataclass(slots=True)
class Existing:
    """What the database already holds, for the ids the files mention."""

    # id -> signedUpAt of every stored user the files mention (define or point at)
    users: dict[str, datetime] = field(default_factory=dict[str, datetime])
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
    # kind -> ids the files define that are stored with other values (another sender or user,
    # for an invite or a conversion): ID_CONFLICT, as the mutations answer.
    differing: dict[KindName, set[str]] = field(default_factory=dict[KindName, set[str]])

    def differs(self, kind: KindName, ident: str) -> bool:
        found = self.differing.get(kind)
        return found is not None and ident in found


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
    activities: list[ImportActivity] = field(default_factory=list[ImportActivity])
    connections: list[ImportConnection] = field(default_factory=list[ImportConnection])
    costs: list[CostRow] = field(default_factory=list[CostRow])
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
            + len(self.activities)
            + len(self.connections)
            + len(self.costs)
        )


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


def reject(rejects: list[Reject], item: Located[Any], code: Code, message: str) -> None:
    rejects.append(Reject(item.file, item.line, str(Refusal(code, message))))


Clash = Callable[[Located[T], Located[T]], Refusal | None]


def first_by_id(
    rows: Iterable[Located[T]],
    key: str,
    rejects: list[Reject],
    kind: str,
    clash: Clash[T] | None = None,
) -> dict[str, Located[T]]:
    """First row per id wins; a later row with the same id is rejected either way: DUPLICATE
    when identical, otherwise what ``clash`` says, or ID_CONFLICT (the mutations' answer to
    other values under a stored id)."""
    kept: dict[str, Located[T]] = {}
    for item in rows:
        ident: str = getattr(item.row, key)
        first = kept.get(ident)
        if first is None:
            kept[ident] = item
        elif first.row == item.row:
            reject(rejects, item, Code.DUPLICATE, f"duplicate of line {first.line}")
        else:
            refusal = None if clash is None else clash(first, item)
            if refusal is None:
                message = (
                    f"{kind} {ident} is already defined on line {first.line} with other values"
                )
                refusal = Refusal(Code.ID_CONFLICT, message)
            rejects.append(Reject(item.file, item.line, str(refusal)))
    return kept
