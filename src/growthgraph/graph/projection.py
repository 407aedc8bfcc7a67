"""Cypher for compiled reads: one statement per root field of a read, which returns exactly the
selected values, already in the shape of the answer (``api.compiled`` decides what to select).

Every value of a node is a list of the selected items, in the order of the selection; a
referrer is ``[label, items]``; a page is ``[rows, hasNext]`` (with its whole count appended
when asked), a row ``[id, items]``. Nested referrals, referrers and campaigns are pattern
comprehensions and ``COLLECT`` subqueries of the same statement, so a read of any depth is one
round trip.

Statements are put together from the fixed pieces below only: labels and property names come
from these tables, variables and parameter names from :data:`SLOTS`, and every value travels as
a parameter. Personal values are masked inside the statement: ``$admin`` says whether the caller
may see them, ``$mask`` is what everybody else sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, LiteralString

from growthgraph.graph import referrals as referral_reads
from growthgraph.graph.database import Database

# Names for the variables and parameters of one statement, handed out in order.
SLOTS: Final[tuple[LiteralString, ...]] = (
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
    "x24", "x25", "x26", "x27", "x28", "x29", "x30", "x31", "x32", "x33", "x34", "x35",
    "x36", "x37", "x38", "x39", "x40", "x41", "x42", "x43", "x44", "x45", "x46", "x47",
    "x48", "x49", "x50", "x51", "x52", "x53", "x54", "x55", "x56", "x57", "x58", "x59",
    "x60", "x61", "x62", "x63",
)  # fmt: skip

ADMIN: Final = "admin"
MASK: Final = "mask"

# What each entity's values are read as, by property: the expression over the node "$N".
_PROPERTIES: Final[dict[str, dict[str, LiteralString]]] = {
    "User": {
        "id": "$N.id",
        "name": "CASE WHEN $admin THEN $N.name ELSE $mask END",
        "email": "CASE WHEN $admin THEN $N.email ELSE $mask END",
        "signedUpAt": "toString($N.signedUpAt)",
        "country": "$N.country",
        "plan": "$N.plan",
        "channel": "$N.channel",
        "campaignId": "$N.campaignId",
    },
    "Influencer": {
        "id": "$N.id",
        "handle": "$N.handle",
        "platform": "$N.platform",
        "followers": "$N.followers",
        "engagementRate": "toFloat($N.engagementRate)",
        "costCents": "$N.costCents",
    },
    "Partner": {
        "id": "$N.id",
        "name": "$N.name",
        "kind": "$N.kind",
        "costCents": "$N.costCents",
    },
    "Campaign": {
        "id": "$N.id",
        "name": "$N.name",
        "utmSource": "$N.utmSource",
        "utmMedium": "$N.utmMedium",
        "utmCampaign": "$N.utmCampaign",
    },
    # The REFERRED edge into a user.
    "REFERRED": {
        "at": "toString($N.at)",
        "channel": "$N.channel",
        "campaignId": "$N.campaignId",
    },
}
# Constant items (the kind of a referrer, a type's name) as Cypher literals.
_LITERAL_NAMES: Final[tuple[LiteralString, ...]] = (
    "User",
    "Influencer",
    "Partner",
    "Campaign",
    "Referral",
    "UserConnection",
    "InfluencerConnection",
    "PartnerConnection",
    "CampaignConnection",
    "UserEdge",
    "InfluencerEdge",
    "PartnerEdge",
    "CampaignEdge",
    "PageInfo",
    "Query",
    "ReferrerSignUps",
    "USER",
    "INFLUENCER",
    "PARTNER",
)
_LITERALS: Final[dict[str, LiteralString]] = {name: "'" + name + "'" for name in _LITERAL_NAMES}
ENTITY_LABELS: Final[tuple[LiteralString, ...]] = ("User", "Influencer", "Partner", "Campaign")
REFERRER_LABELS: Final[tuple[LiteralString, ...]] = ("User", "Influencer", "Partner")


class UnprojectableError(LookupError):
    """The selection asks for something these tables do not hold."""


def slot(index: int) -> LiteralString:
    if index >= len(SLOTS):
        raise UnprojectableError("too many variables for one statement")
    return SLOTS[index]


def prop(label: str, name: str, var: LiteralString) -> LiteralString:
    """The expression reading property ``name`` of ``var``, a node (or edge) with ``label``."""
    try:
        return _PROPERTIES[label][name].replace("$N", var)
    except KeyError:
        raise UnprojectableError(f"{label}.{name}") from None


def literal(name: str) -> LiteralString:
    try:
        return _LITERALS[name]
    except KeyError:
        raise UnprojectableError(name) from None


def items(parts: Sequence[LiteralString]) -> LiteralString:
    """A node's selected values as one list."""
    return "[" + ", ".join(parts) + "]"


def referrer(var: LiteralString, by_label: dict[str, LiteralString]) -> LiteralString:
    """A referrer ``var`` as ``[label, items]``, with the items its label selects."""
    user, influencer, partner = by_label["User"], by_label["Influencer"], by_label["Partner"]
    return (
        "CASE WHEN " + var + ":User THEN ['User', " + user + "] "
        "WHEN " + var + ":Influencer THEN ['Influencer', " + influencer + "] "
        "ELSE ['Partner', " + partner + "] END"
    )


def referred_by(user: LiteralString, var: LiteralString, value: LiteralString) -> LiteralString:
    """``value`` over the referrer ``var`` of ``user``; null for an organic user."""
    return "head([(" + var + ")-[:REFERRED]->(" + user + ") | " + value + "])"


def referral(
    user: LiteralString, var: LiteralString, edge: LiteralString, value: LiteralString
) -> LiteralString:
    """``value`` over the REFERRED ``edge`` into ``user`` from ``var``; null when organic."""
    return "head([(" + var + ")-[" + edge + ":REFERRED]->(" + user + ") | " + value + "])"


def campaign(campaign_id: LiteralString, var: LiteralString, value: LiteralString) -> LiteralString:
    """``value`` over the campaign ``var`` whose id is ``campaign_id``; null when none."""
    return (
        "head(COLLECT { MATCH ("
        + var
        + ":Campaign {id: "
        + campaign_id
        + "}) RETURN "
        + value
        + " })"
    )


def referrals(
    parent: LiteralString,
    var: LiteralString,
    param: LiteralString,
    value: LiteralString,
    *,
    counted: bool,
) -> LiteralString:
    """A page of the users ``parent`` referred, by id, as ``[rows, hasNext(, count)]``; the
    parameters ``$<param>a`` (the id to start after), ``$<param>f`` (the page size) and
    ``$<param>l`` (one more) are the caller's."""
    count: LiteralString = ", COUNT { (" + parent + ")-[:REFERRED]->() }" if counted else ""
    rows: LiteralString = "rows_" + var
    return (
        "[" + rows + " IN [COLLECT { MATCH (" + parent + ")-[:REFERRED]->(" + var + ":User) "
        "WHERE " + var + ".id > $" + param + "a "
        "WITH " + var + " ORDER BY " + var + ".id LIMIT $" + param + "l "
        "RETURN [" + var + ".id, " + value + "] }] | "
        "[" + rows + "[..$" + param + "f], size(" + rows + ") > $" + param + "f" + count + "]][0]"
    )


def one(label: str, var: LiteralString, value: LiteralString) -> LiteralString:
    """The statement reading the entity ``label`` with id ``$id``: no row when there is none."""
    if label not in ENTITY_LABELS:
        raise UnprojectableError(label)
    known = ENTITY_LABELS[ENTITY_LABELS.index(label)]
    return "MATCH (" + var + ":" + known + " {id: $id}) RETURN " + value + " AS v"


def page(
    label: str, var: LiteralString, param: LiteralString, value: LiteralString, *, counted: bool
) -> LiteralString:
    """The statement reading a keyset page of ``label`` by id, as ``[rows, hasNext(, count)]``
    (the count from the count store); parameters as :func:`referrals`."""
    if label not in ENTITY_LABELS:
        raise UnprojectableError(label)
    known = ENTITY_LABELS[ENTITY_LABELS.index(label)]
    counting: LiteralString = (
        "CALL () { MATCH (c:" + known + ") RETURN count(c) AS total } " if counted else ""
    )
    total: LiteralString = ", total" if counted else ""
    return (
        "CALL () { MATCH (" + var + ":" + known + ") WHERE " + var + ".id > $" + param + "a "
        "WITH " + var + " ORDER BY " + var + ".id LIMIT $" + param + "l "
        "RETURN collect(["
        + var
        + ".id, "
        + value
        + "]) AS rows } "
        + counting
        + "RETURN [rows[..$"
        + param
        + "f], size(rows) > $"
        + param
        + "f"
        + total
        + "] AS v"
    )


# The variable the leaderboard statement holds each ranked referrer in.
TOP_VAR: Final = "n"


def top_referrers(degree: int, value: LiteralString) -> LiteralString:
    """The unwindowed leaderboard of ``graph.referrals`` (the ``belowK`` indexes read from the
    top, ties by id then label) returning ``value`` over each referrer ``n`` and its count
    ``signUps``, one row each, in rank order; parameters ``$labels`` and ``$limit``."""
    ranked = referral_reads.TOP_REFERRERS_BY_COUNTERS.get(degree)
    if ranked is None:
        raise UnprojectableError(f"degree {degree}")
    head, found, _ = ranked.rpartition("RETURN n {")
    if not found:
        raise UnprojectableError("the leaderboard statement has another shape")
    return head + "RETURN " + value + " AS v"


async def values(db: Database, statement: LiteralString, params: dict[str, object]) -> list[Any]:
    """Run a compiled statement (a READ transaction); the value of each row."""
    return await db.read_column(statement, params)
