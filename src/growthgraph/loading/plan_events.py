"""The rules for invites (with their acceptance), conversions, activities, connections and
costs: those of ``recordInvite``, of a sign-up through an invite, of ``recordConversion``,
``recordActivity``, ``connectUsers`` and ``recordCost``, asked of ``growthgraph.rules``. Pure,
like ``plan``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from growthgraph import rules
from growthgraph.loading.dataset import CostRow
from growthgraph.loading.files import Reject
from growthgraph.loading.parse import ImportInvite
from growthgraph.loading.plan_state import Known, Located, Parsed, Plan, Referrer, first_by_id
from growthgraph.rules import Code, Refusal


def _acceptance_clash(first: Located[ImportInvite], later: Located[ImportInvite]) -> Refusal | None:
    """A second row of one invite that differs only in who accepted it: the invite was already
    accepted (on the first row)."""
    a, b = first.row, later.row
    if (
        a.accepted_by is not None
        and b.accepted_by is not None
        and a._replace(accepted_by=None) == b._replace(accepted_by=None)
    ):
        return Refusal(
            Code.INVITE_ALREADY_ACCEPTED,
            f"invite {a.id} was already accepted by user {a.accepted_by} on line {first.line}",
        )
    return None


def plan_invites(
    parsed: Parsed, out: Plan, known: Known, referrer_of: Mapping[str, Referrer]
) -> None:
    """``referrer_of``: the referrer of every user an invite row says accepted it, as planned
    (or stored)."""
    invite_of_user = dict(known.existing.invite_of_user)
    rows = first_by_id(parsed.invites, "id", out.rejects, "invite", _acceptance_clash)
    for item in rows.values():
        row = item.row
        why = _invite_problem(row, known) or _acceptance_problem(
            row, known, referrer_of, invite_of_user
        )
        if why is not None:
            out.rejects.append(_as_reject(item, why))
            continue
        if row.accepted_by is not None:
            invite_of_user[row.accepted_by] = row.id
        out.invites.append(row)


def _as_reject(item: Located[Any], why: Refusal) -> Reject:
    return Reject(item.file, item.line, str(why))


def _invite_problem(row: ImportInvite, known: Known) -> Refusal | None:
    """``recordInvite``'s refusals, in its order."""
    if known.existing.differs("invites", row.id):
        return Refusal(
            Code.ID_CONFLICT, f"invite {row.id} is stored with other values or another sender"
        )
    sender = f"{row.referrer_kind} {row.referrer_id}"
    if not known.referrer_known(row.referrer_kind, row.referrer_id):
        return Refusal(Code.UNKNOWN_REFERRER, f"unknown sender {sender}")
    if row.referrer_kind == "USER":
        sender_at = known.signed_up[row.referrer_id]
        if rules.invite_before_sender(row.at, sender_at):
            return Refusal(
                Code.INVITE_BEFORE_SENDER,
                f"at is before sender {row.referrer_id} signed up ({sender_at.isoformat()})",
            )
    if not known.campaign_known(row.campaign_id):
        return Refusal(Code.UNKNOWN_CAMPAIGN, f"unknown campaign {row.campaign_id}")
    return None


def _acceptance_problem(
    row: ImportInvite,
    known: Known,
    referrer_of: Mapping[str, Referrer],
    invite_of_user: Mapping[str, str],
) -> Refusal | None:
    """The refusals of a sign-up through the invite: the user exists, the invite brings in no
    one else, its sender is the user's referrer (a referral row says so: the importer implies
    none), and it was sent no later than the sign-up; a user accepts one invite."""
    user = row.accepted_by
    if user is None:
        return None
    signed_up_at = known.signed_up.get(user)
    if signed_up_at is None:
        return Refusal(Code.UNKNOWN_USER, f"unknown user {user} in acceptedBy")
    held = known.existing.user_of_invite.get(row.id)
    if held is not None and held != user:
        return Refusal(
            Code.INVITE_ALREADY_ACCEPTED, f"invite {row.id} was already accepted by user {held}"
        )
    sender: Referrer = (row.referrer_kind, row.referrer_id)
    referrer = referrer_of.get(user)
    if referrer is None or rules.referrer_differs_from_sender(referrer, sender):
        by = "no referrer" if referrer is None else f"referrer {referrer[0]} {referrer[1]}"
        return Refusal(
            Code.INVITE_REFERRER_MISMATCH,
            f"user {user} has {by}, not the invite's sender {sender[0]} {sender[1]}",
        )
    if rules.sign_up_before_invite(signed_up_at, row.at):
        return Refusal(
            Code.SIGN_UP_BEFORE_INVITE,
            f"user {user} signed up before invite {row.id} was sent ({row.at.isoformat()})",
        )
    accepted = invite_of_user.get(user)
    if accepted is not None and accepted != row.id:
        return Refusal(Code.ID_CONFLICT, f"user {user} already accepted invite {accepted}")
    return None


def _cost_problem(row: CostRow, known: Known) -> Refusal | None:
    """``recordCost``'s refusals, in its order."""
    if known.existing.differs("costs", row.id):
        return Refusal(
            Code.ID_CONFLICT, f"cost {row.id} is stored with other values or another source"
        )
    if row.source_kind == "CAMPAIGN":
        if not known.campaign_known(row.source_id):
            return Refusal(Code.UNKNOWN_CAMPAIGN, f"unknown campaign {row.source_id}")
    elif not known.referrer_known(row.source_kind, row.source_id):
        return Refusal(Code.UNKNOWN_REFERRER, f"unknown source {row.source_kind} {row.source_id}")
    return None


def plan_costs(parsed: Parsed, out: Plan, known: Known) -> None:
    """Cost entries (``recordCost``): the first row per id, on a source that exists."""
    for item in first_by_id(parsed.costs, "id", out.rejects, "cost").values():
        why = _cost_problem(item.row, known)
        if why is None:
            out.costs.append(item.row)
        else:
            out.rejects.append(_as_reject(item, why))


def plan_events(parsed: Parsed, out: Plan, known: Known) -> None:
    """Conversions (``recordConversion``), activities (``recordActivity``), connections
    (``connectUsers``) and costs (``recordCost``)."""
    plan_costs(parsed, out, known)
    signed_up = known.signed_up
    why: Refusal
    for item in first_by_id(parsed.conversions, "id", out.rejects, "conversion").values():
        conversion = item.row
        user_at = signed_up.get(conversion.user_id)
        if known.existing.differs("conversions", conversion.id):
            why = Refusal(
                Code.ID_CONFLICT,
                f"conversion {conversion.id} is stored with other values or another user",
            )
        elif user_at is None:
            why = Refusal(Code.UNKNOWN_USER, f"unknown user {conversion.user_id}")
        elif rules.conversion_before_sign_up(conversion.at, user_at):
            why = Refusal(
                Code.CONVERSION_BEFORE_SIGN_UP,
                f"at is before user {conversion.user_id} signed up ({user_at.isoformat()})",
            )
        else:
            out.conversions.append(conversion)
            continue
        out.rejects.append(_as_reject(item, why))
    plan_activities(parsed, out, known)
    pairs: dict[tuple[str, str], int] = {}
    for link in parsed.connections:
        pair = (link.row.a, link.row.b)
        missing = [u for u in pair if u not in signed_up]
        if missing:
            why = Refusal(Code.UNKNOWN_USER, f"unknown user {missing[0]}")
        elif pair in pairs:
            why = Refusal(Code.DUPLICATE, f"duplicate of line {pairs[pair]}")
        else:
            pairs[pair] = link.line
            out.connections.append(link.row)
            continue
        out.rejects.append(_as_reject(link, why))


def plan_activities(parsed: Parsed, out: Plan, known: Known) -> None:
    """Activities (``recordActivity``): a known user, not before its sign-up. An activity is its
    user, instant and kind, so a second row of the same three is a DUPLICATE (never a conflict);
    one already stored loads again as a no-op, as the mutation answers ``created: false``."""
    signed_up = known.signed_up
    why: Refusal
    for item in first_by_id(parsed.activities, "key", out.rejects, "activity").values():
        row = item.row
        user_at = signed_up.get(row.user_id)
        if user_at is None:
            why = Refusal(Code.UNKNOWN_USER, f"unknown user {row.user_id}")
        elif rules.activity_before_sign_up(row.at, user_at):
            why = Refusal(
                Code.ACTIVITY_BEFORE_SIGN_UP,
                f"at is before user {row.user_id} signed up ({user_at.isoformat()})",
            )
        else:
            out.activities.append(row)
            continue
        out.rejects.append(_as_reject(item, why))
