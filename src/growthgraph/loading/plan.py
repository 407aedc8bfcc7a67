"""Decide which parsed rows load, with the rules of the mutations (``growthgraph.rules``, the
same functions the writes in ``graph/`` ask) applied across the files and against what the
database already holds. Every reject's reason starts with the code the mutation would answer.

Pure: the database's state arrives as an ``Existing`` value, so the rules are unit-testable.
This module plans the nodes and the referrals; ``plan_events`` the invites, conversions and
connections.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from growthgraph import rules
from growthgraph.loading.dataset import CampaignRow, InfluencerRow, PartnerRow
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.parse import ReferralRow
from growthgraph.loading.plan_events import plan_events, plan_invites
from growthgraph.loading.plan_state import (
    Existing,
    Known,
    Located,
    Parsed,
    Plan,
    Referrer,
    first_by_id,
    reject,
)
from growthgraph.rules import Code, Refusal

__all__ = ["Existing", "Known", "Located", "Parsed", "Plan", "plan", "plan_nodes"]
N = TypeVar("N", InfluencerRow, PartnerRow, CampaignRow)


def _unchanged(
    rows: Mapping[str, Located[N]],
    kind: KindName,
    name: str,
    existing: Existing,
    rejects: list[Reject],
) -> list[N]:
    """The rows to load: those not stored with other values (ID_CONFLICT). A rejected row's id
    still names the stored node, so rows that point at it stay valid."""
    kept: list[N] = []
    for ident, item in rows.items():
        if existing.differs(kind, ident):
            reject(rejects, item, Code.ID_CONFLICT, f"{name} {ident} is stored with other values")
        else:
            kept.append(item.row)
    return kept


def plan_nodes(parsed: Parsed, existing: Existing, out: Plan) -> Known:
    """Influencers, partners, campaigns and users: the first row per id, none stored with other
    values, users with a known campaign."""
    rejects = out.rejects
    known = Known(
        existing=existing,
        influencers=first_by_id(parsed.influencers, "id", rejects, "influencer"),
        partners=first_by_id(parsed.partners, "id", rejects, "partner"),
        campaigns=first_by_id(parsed.campaigns, "id", rejects, "campaign"),
        signed_up=dict(existing.users),
    )
    out.influencers = _unchanged(known.influencers, "influencers", "influencer", existing, rejects)
    out.partners = _unchanged(known.partners, "partners", "partner", existing, rejects)
    out.campaigns = _unchanged(known.campaigns, "campaigns", "campaign", existing, rejects)
    signed_up = known.signed_up
    for item in first_by_id(parsed.users, "id", rejects, "user").values():
        row = item.row
        if existing.differs("users", row.id):
            reject(rejects, item, Code.ID_CONFLICT, f"user {row.id} is stored with other values")
            continue
        if not known.campaign_known(row.campaign_id):
            reject(rejects, item, Code.UNKNOWN_CAMPAIGN, f"unknown campaign {row.campaign_id}")
            continue
        signed_up[row.id] = row.signed_up_at
        out.users.append(row)
    return known


def plan_referrals(parsed: Parsed, out: Plan, known: Known) -> None:
    out.referrals = _referrals(parsed.referrals, known, out.rejects)


def plan_rest(parsed: Parsed, out: Plan, known: Known) -> None:
    """Invites (with their acceptance), conversions and connections; after the referrals,
    whose outcome an acceptance is checked against."""
    accepting = {i.row.accepted_by for i in parsed.invites if i.row.accepted_by is not None}
    referrer_of = {u: r for u, r in known.existing.referred_by.items() if u in accepting}
    for r in out.referrals:
        if r.user_id in accepting:
            referrer_of[r.user_id] = (r.referrer_kind, r.referrer_id)
    plan_invites(parsed, out, known, referrer_of)
    plan_events(parsed, out, known)


def plan(parsed: Parsed, existing: Existing) -> Plan:
    out = Plan()
    known = plan_nodes(parsed, existing, out)
    plan_referrals(parsed, out, known)
    plan_rest(parsed, out, known)
    out.rejects.sort(key=lambda r: (r.file, r.line))
    return out


def _referrals(
    rows: list[Located[ReferralRow]], known: Known, rejects: list[Reject]
) -> list[ReferralRow]:
    parent: dict[str, Referrer] = dict(known.existing.referred_by)
    chosen_line: dict[str, int] = {}
    kept: list[ReferralRow] = []
    for item in rows:
        row = item.row
        ref: Referrer = (row.referrer_kind, row.referrer_id)
        why = _referral_problem(row, known)
        if why is None and row.user_id in parent:
            have = parent[row.user_id]
            if have == ref and row.user_id not in chosen_line:
                kept.append(row)  # already in the database: a re-run, loading it changes nothing
                chosen_line[row.user_id] = item.line
                continue
            if have == ref:
                why = Refusal(Code.DUPLICATE, f"duplicate of line {chosen_line[row.user_id]}")
            else:
                where = (
                    f"on line {chosen_line[row.user_id]}"
                    if row.user_id in chosen_line
                    else "in the database"
                )
                why = Refusal(
                    Code.ALREADY_REFERRED,
                    f"user {row.user_id} is already referred by {have[0]} {have[1]} {where}",
                )
        if why is None and ref[0] == "USER" and _closes_cycle(row.user_id, ref[1], parent):
            why = Refusal(Code.REFERRAL_CYCLE, "would make a referral cycle")
        if why is not None:
            rejects.append(Reject(item.file, item.line, str(why)))
            continue
        parent[row.user_id] = ref
        chosen_line[row.user_id] = item.line
        kept.append(row)
    return kept


def _referral_problem(row: ReferralRow, known: Known) -> Refusal | None:
    signed_up = known.signed_up
    user_at = signed_up.get(row.user_id)
    if user_at is None:
        return Refusal(Code.UNKNOWN_USER, f"unknown user {row.user_id}")
    if not known.referrer_known(row.referrer_kind, row.referrer_id):
        return Refusal(
            Code.UNKNOWN_REFERRER, f"unknown referrer {row.referrer_kind} {row.referrer_id}"
        )
    if row.referrer_kind == "USER" and rules.sign_up_before_referrer(
        user_at, signed_up[row.referrer_id]
    ):
        return Refusal(
            Code.SIGN_UP_BEFORE_REFERRER,
            f"referrer {row.referrer_id} signed up after user {row.user_id}",
        )
    if not known.campaign_known(row.campaign_id):
        return Refusal(Code.UNKNOWN_CAMPAIGN, f"unknown campaign {row.campaign_id}")
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
