"""Cypher for ``growthgraph export``: the whole graph as the rows of the import files, read in
keyset pages (bounded memory, whatever the size of the graph) and in one deterministic order.

Each table is read by pages of ``limit`` nodes after the last key of the page before: nodes by
id; referrals and connections by the user they hang from (a referral by the referred user, a
connection by its first user: connections are stored from the smaller id to the larger, an
activity by its user); invites, conversions and cost entries by their own id. Every query
answers one record,
``rows``: lists whose first value is the page key, with the values in the import file's column
order (times as ISO text, the cheapest form to send). A row whose ``present`` value is null is
a node without the edge (a user nobody referred): it moves the page on but is not exported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, LiteralString

from growthgraph.graph.database import Database
from growthgraph.graph.labels import kind_name_of
from growthgraph.graph.records import to_datetime


def _kind_or_null(node: LiteralString) -> LiteralString:
    return "CASE WHEN " + node + " IS NULL THEN null ELSE " + kind_name_of(node) + " END"


@dataclass(frozen=True, slots=True)
class Table:
    query: LiteralString  # parameters $after and $limit; returns ``rows``
    times: tuple[int, ...] = ()  # positions of the time values
    present: int | None = None  # the position that is null when there is no row to export
    order: int = 1  # how many leading values order the rows (the key, then the rest)


def _nodes(label: LiteralString, values: LiteralString) -> LiteralString:
    return (
        "MATCH (n:" + label + ") WHERE n.id > $after WITH n ORDER BY n.id LIMIT $limit "
        "RETURN collect([" + values + "]) AS rows"
    )


TABLES: dict[str, Table] = {
    "influencers": Table(
        _nodes(
            "Influencer", "n.id, n.handle, n.platform, n.followers, n.engagementRate, n.costCents"
        )
    ),
    "partners": Table(_nodes("Partner", "n.id, n.name, n.kind, n.costCents")),
    "campaigns": Table(_nodes("Campaign", "n.id, n.name, n.utmSource, n.utmMedium, n.utmCampaign")),
    "users": Table(
        _nodes(
            "User",
            "n.id, n.name, n.email, toString(n.signedUpAt), n.country, n.plan, n.channel, "
            "n.campaignId, n.ipHash, n.deviceHash, n.consentMarketing, n.consentAnalytics, "
            "toString(n.consentUpdatedAt), toString(n.erasedAt)",
        ),
        times=(3, 12, 13),
    ),
    "referrals": Table(
        "MATCH (u:User) WHERE u.id > $after WITH u ORDER BY u.id LIMIT $limit "
        "OPTIONAL MATCH (src)-[r:REFERRED]->(u) "
        "RETURN collect([u.id, " + _kind_or_null("src") + ", src.id, r.channel, r.campaignId]) "
        "AS rows",
        present=2,
        order=3,
    ),
    "invites": Table(
        "MATCH (i:Invite) WHERE i.id > $after WITH i ORDER BY i.id LIMIT $limit "
        "OPTIONAL MATCH (s)-[:SENT]->(i) "
        "OPTIONAL MATCH (i)-[:ACCEPTED]->(u:User) "
        "RETURN collect([i.id, " + _kind_or_null("s") + ", s.id, toString(i.at), i.channel, "
        "i.campaignId, u.id]) AS rows",
        times=(3,),
        present=2,
        order=7,
    ),
    "conversions": Table(
        "MATCH (c:Conversion) WHERE c.id > $after WITH c ORDER BY c.id LIMIT $limit "
        "OPTIONAL MATCH (u:User)-[:CONVERTED]->(c) "
        "RETURN collect([c.id, u.id, toString(c.at), c.revenueCents, c.plan]) AS rows",
        times=(2,),
        present=1,
        order=2,
    ),
    "activities": Table(
        "MATCH (u:User) WHERE u.id > $after WITH u ORDER BY u.id LIMIT $limit "
        "OPTIONAL MATCH (u)-[:DID]->(a:Activity) "
        "RETURN collect([u.id, toString(a.at), a.kind]) AS rows",
        times=(1,),
        present=1,
        order=3,
    ),
    "connections": Table(
        "MATCH (a:User) WHERE a.id > $after WITH a ORDER BY a.id LIMIT $limit "
        "OPTIONAL MATCH (a)-[r:CONNECTED_TO]->(b:User) "
        "RETURN collect([a.id, b.id, toString(r.at)]) AS rows",
        times=(2,),
        present=1,
        order=2,
    ),
    "costs": Table(
        "MATCH (k:Cost) WHERE k.id > $after WITH k ORDER BY k.id LIMIT $limit "
        "OPTIONAL MATCH (k)-[:SPENT_ON]->(s) "
        "RETURN collect([k.id, CASE WHEN s IS NULL THEN null WHEN s:Influencer THEN 'INFLUENCER' "
        "WHEN s:Partner THEN 'PARTNER' ELSE 'CAMPAIGN' END, s.id, toString(k.at), "
        "k.amountCents, k.note]) AS rows",
        times=(3,),
        present=2,
        order=1,
    ),
}

COUNTS: LiteralString = """
CALL () { MATCH (n:Influencer) RETURN count(n) AS influencers }
CALL () { MATCH (n:Partner) RETURN count(n) AS partners }
CALL () { MATCH (n:Campaign) RETURN count(n) AS campaigns }
CALL () { MATCH (n:User) RETURN count(n) AS users }
CALL () { MATCH ()-[r:REFERRED]->() RETURN count(r) AS referrals }
CALL () { MATCH (n:Invite) RETURN count(n) AS invites }
CALL () { MATCH (n:Conversion) RETURN count(n) AS conversions }
CALL () { MATCH (n:Activity) RETURN count(n) AS activities }
CALL () { MATCH ()-[r:CONNECTED_TO]->() RETURN count(r) AS connections }
CALL () { MATCH (n:Cost) RETURN count(n) AS costs }
RETURN influencers, partners, campaigns, users, referrals, invites, conversions, activities,
       connections, costs
"""


async def counts(db: Database) -> dict[str, int]:
    """Rows each table will hold, from the count store (constant time): the progress total."""
    row = (await db.read(COUNTS))[0]
    return {name: int(row[name]) for name in TABLES}


def _sort_key(order: int) -> Any:
    def key(row: list[Any]) -> tuple[str, ...]:
        return tuple("" if v is None else str(v) for v in row[:order])

    return key


async def pages(db: Database, name: str, *, limit: int) -> AsyncIterator[list[list[Any]]]:
    """The rows of table ``name``, page by page, in order; times as aware UTC datetimes."""
    table = TABLES[name]
    after = ""
    while True:
        found: list[list[Any]] = (await db.read(table.query, {"after": after, "limit": limit}))[0][
            "rows"
        ]
        if not found:
            return
        keys = {str(row[0]) for row in found}
        after = max(keys)
        rows = [r for r in found if table.present is None or r[table.present] is not None]
        for row in rows:
            for at in table.times:
                if row[at] is not None:
                    row[at] = to_datetime(row[at])
        rows.sort(key=_sort_key(table.order))
        if rows:
            yield rows
        if len(keys) < limit:
            return
