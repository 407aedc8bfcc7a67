"""The benchmark operations: the GraphQL documents sent to growthgraph and to the comparison
server, the one hand-written Cypher statement per operation that is the baseline (the physical
limit: one round trip that returns exactly what the answer holds), and how each answer is reduced
to the same comparable form.

(a) a user by id with two levels of nested referrals (10 per level, by id);
(b) a page of 100 users (keyset, from a random id) with each user's referrer;
(c) the top 10 referrers of every kind by second-degree sign-ups.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

import neo4j

from growthgraph.api.pagination import encode_cursor
from loadgen import Call

OPERATIONS = ("a", "b", "c")
TITLES = {
    "a": "user by id, two levels of nested referrals",
    "b": "page of 100 users with their referrer",
    "c": "top 10 referrers by second-degree sign-ups",
}
NESTED = 10  # referrals per level in (a)
PAGE = 100  # users per page in (b)
TOP = 10  # referrers in (c)
POOL = 10_000  # requests in a sequence before it repeats

GROWTHGRAPH_DOCS = {
    "a": """query A($id: ID!) {
  user(id: $id) { id name
    referrals(first: 10) { edges { node { id name
      referrals(first: 10) { edges { node { id name } } } } } } } }""",
    "b": """query B($after: String) {
  users(first: 100, after: $after) {
    edges { node { id name referredBy { id kind } } }
    pageInfo { endCursor hasNextPage } } }""",
    "c": """query C { topReferrers(degree: 2, limit: 10) { signUps referrer { id kind } } }""",
}

# @neo4j/graphql: (a) and (b) are what its documentation shows for a lookup with nested
# relationships and a keyset page. (c) comes in two forms: "first", as a user would write it first
# (sort on an @cypher field that counts the second-degree sign-ups of every node), and "best", with
# the counter growthgraph stores (below2) exposed as a plain sortable, filterable field.
_REFERRER = "__typename ... on User { id } ... on Influencer { id } ... on Partner { id }"
_TOP_FIRST = (
    "(sort: [{secondDegreeSignUps: DESC}, {id: ASC}], limit: 10) { id secondDegreeSignUps }"
)
_TOP_BEST = "(where: {below2: {gt: 0}}, sort: [{below2: DESC}, {id: ASC}], limit: 10) { id below2 }"
NEO4J_GRAPHQL_DOCS = {
    "a": """query A($id: String!) {
  users(where: {id: {eq: $id}}) { id name
    referrals(limit: 10, sort: [{id: ASC}]) { id name
      referrals(limit: 10, sort: [{id: ASC}]) { id name } } } }""",
    "b": f"""query B($after: String!) {{
  users(where: {{id: {{gt: $after}}}}, sort: [{{id: ASC}}], limit: 100) {{
    id name referredBy {{ {_REFERRER} }} }} }}""",
    "c-first": f"query C {{ users{_TOP_FIRST} influencers{_TOP_FIRST} partners{_TOP_FIRST} }}",
    "c-best": f"query C {{ users{_TOP_BEST} influencers{_TOP_BEST} partners{_TOP_BEST} }}",
}

# The baseline: one statement per request, written by hand, returning only what the answer holds.
_KIND: LiteralString = (
    "CASE WHEN r:User THEN 'USER' WHEN r:Influencer THEN 'INFLUENCER' "
    "WHEN r:Partner THEN 'PARTNER' END"
)
BASELINE: dict[str, LiteralString] = {
    "a": """
MATCH (u:User {id: $id})
RETURN u.id AS id, u.name AS name, COLLECT {
  MATCH (u)-[:REFERRED]->(c:User)
  WITH c ORDER BY c.id LIMIT 10
  RETURN {id: c.id, name: c.name, referrals: COLLECT {
    MATCH (c)-[:REFERRED]->(g:User)
    WITH g ORDER BY g.id LIMIT 10
    RETURN {id: g.id, name: g.name}
  }}
} AS referrals
""",
    "b": """
MATCH (u:User) WHERE u.id > $after
WITH u ORDER BY u.id LIMIT 101
OPTIONAL MATCH (r)-[:REFERRED]->(u)
WITH u, r ORDER BY u.id
RETURN collect([u.id, u.name, r.id, """
    + _KIND
    + """]) AS rows
""",
    "c": """
CALL () {
  MATCH (n:User) WHERE n.below2 IS NOT NULL
  WITH n ORDER BY n.below2 DESC, n.id ASC LIMIT 10
  RETURN n.id AS id, 'USER' AS kind, n.below2 AS signUps
  UNION ALL
  MATCH (n:Influencer) WHERE n.below2 IS NOT NULL
  WITH n ORDER BY n.below2 DESC, n.id ASC LIMIT 10
  RETURN n.id AS id, 'INFLUENCER' AS kind, n.below2 AS signUps
  UNION ALL
  MATCH (n:Partner) WHERE n.below2 IS NOT NULL
  WITH n ORDER BY n.below2 DESC, n.id ASC LIMIT 10
  RETURN n.id AS id, 'PARTNER' AS kind, n.below2 AS signUps
}
RETURN id, kind, signUps ORDER BY signUps DESC, id ASC, kind ASC LIMIT 10
""",
}

WRITE_DOC = """mutation W($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename ... on RecordSignUpSuccess { created } ... on Error { code } } }"""


@dataclass(frozen=True)
class Sequences:
    """Seeded request sequences over the generated data: the same for every target."""

    referrers: tuple[str, ...]  # (a): users with at least one referral
    page_starts: tuple[str, ...]  # (b): the id a page starts after
    write_referrers: tuple[str, ...]  # writes: the referrer of each new user

    @classmethod
    def draw(cls, referrer_ids: Sequence[str], user_ids: Sequence[str], seed: int) -> Sequences:
        rng = random.Random(seed)
        starts = user_ids[: max(1, len(user_ids) - PAGE)]  # full pages only
        return cls(
            referrers=tuple(rng.choice(referrer_ids) for _ in range(POOL)),
            page_starts=tuple(rng.choice(starts) for _ in range(POOL)),
            write_referrers=tuple(rng.choice(user_ids) for _ in range(POOL)),
        )

    def referrer(self, index: int) -> str:
        return self.referrers[index % POOL]

    def page_start(self, index: int) -> str:
        return self.page_starts[index % POOL]


def _body(query: str, variables: dict[str, object] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


def growthgraph_body(op: str, seq: Sequences) -> Callable[[int], bytes]:
    """Request ``i`` of operation ``op`` for growthgraph."""
    doc = GROWTHGRAPH_DOCS[op]
    if op == "a":
        return lambda i: _body(doc, {"id": seq.referrer(i)})
    if op == "b":
        return lambda i: _body(doc, {"after": encode_cursor(seq.page_start(i), "users")})
    static = _body(doc)
    return lambda _i: static


def neo4j_graphql_body(op: str, seq: Sequences) -> Callable[[int], bytes]:
    """Request ``i`` of operation ``op`` (``a``, ``b``, ``c-first``, ``c-best``) for the
    comparison server."""
    doc = NEO4J_GRAPHQL_DOCS[op]
    if op == "a":
        return lambda i: _body(doc, {"id": seq.referrer(i)})
    if op == "b":
        return lambda i: _body(doc, {"after": seq.page_start(i)})
    static = _body(doc)
    return lambda _i: static


def baseline_params(op: str, seq: Sequences, index: int) -> dict[str, object]:
    if op == "a":
        return {"id": seq.referrer(index)}
    if op == "b":
        return {"after": seq.page_start(index)}
    return {}


async def baseline_rows(
    driver: neo4j.AsyncDriver, database: str, op: str, seq: Sequences, index: int
) -> list[neo4j.Record]:
    records, _, _ = await driver.execute_query(
        BASELINE[op],
        baseline_params(op, seq, index),
        database_=database,
        routing_=neo4j.RoutingControl.READ,
    )
    return records


def baseline_call(driver: neo4j.AsyncDriver, database: str, op: str, seq: Sequences) -> Call:
    """Request ``i`` of ``op`` as the one hand-written statement, through the driver."""

    async def call(index: int) -> bool:
        records = await baseline_rows(driver, database, op, seq, index)
        if op == "b":  # one record: the page (and one more user, for whether a next page exists)
            return len(records[0]["rows"]) >= PAGE
        return len(records) > 0

    return call


# --- answers, reduced to one comparable form ------------------------------------------------


def gg_answer(op: str, data: dict[str, Any]) -> Any:
    if op == "a":
        user = data["user"]
        return {
            "id": user["id"],
            "name": user["name"],
            "referrals": [
                {
                    "id": e["node"]["id"],
                    "name": e["node"]["name"],
                    "referrals": [
                        {"id": g["node"]["id"], "name": g["node"]["name"]}
                        for g in e["node"]["referrals"]["edges"]
                    ],
                }
                for e in user["referrals"]["edges"]
            ],
        }
    if op == "b":
        return [
            [
                e["node"]["id"],
                e["node"]["name"],
                (e["node"]["referredBy"] or {}).get("id"),
                (e["node"]["referredBy"] or {}).get("kind"),
            ]
            for e in data["users"]["edges"]
        ]
    return [
        [r["referrer"]["kind"], r["referrer"]["id"], r["signUps"]] for r in data["topReferrers"]
    ]


def ng_answer(op: str, data: dict[str, Any]) -> Any:
    if op == "a":
        user = data["users"][0]
        return {
            "id": user["id"],
            "name": user["name"],
            "referrals": [
                {
                    "id": c["id"],
                    "name": c["name"],
                    "referrals": [{"id": g["id"], "name": g["name"]} for g in c["referrals"]],
                }
                for c in user["referrals"]
            ],
        }
    if op == "b":
        out: list[list[Any]] = []
        for u in data["users"]:
            ref = u["referredBy"][0] if u["referredBy"] else None
            out.append(
                [
                    u["id"],
                    u["name"],
                    ref["id"] if ref else None,
                    ref["__typename"].upper() if ref else None,
                ]
            )
        return out
    field = "below2" if op == "c-best" else "secondDegreeSignUps"
    rows: list[tuple[str, str, int]] = [
        (kind, str(n["id"]), int(n[field] or 0))
        for root, kind in (
            ("users", "USER"),
            ("influencers", "INFLUENCER"),
            ("partners", "PARTNER"),
        )
        for n in data[root]
    ]
    # growthgraph's order: most sign-ups first, ties by id, then by kind.
    rows.sort(key=lambda r: (-r[2], r[1], r[0]))
    return [list(r) for r in rows if r[2] > 0][:TOP]


def baseline_answer(op: str, records: list[neo4j.Record]) -> Any:
    if op == "a":
        row = records[0]
        return {"id": row["id"], "name": row["name"], "referrals": row["referrals"]}
    if op == "b":
        return [list(row) for row in records[0]["rows"][:PAGE]]
    return [[r["kind"], r["id"], r["signUps"]] for r in records]


def write_body(seq: Sequences, prefix: str, signed_up_at: datetime) -> Callable[[int], bytes]:
    """Sign-up ``i``: a fresh user ``<prefix><i>`` referred by a generated user."""
    at = signed_up_at.isoformat().replace("+00:00", "Z")

    def body(index: int) -> bytes:
        uid = f"{prefix}{index}"
        variables: dict[str, object] = {
            "input": {
                "id": uid,
                "name": "Bench User",
                "email": f"{uid}@bench.example.com",
                "signedUpAt": at,
                "country": "DE",
                "referrer": {"kind": "USER", "id": seq.write_referrers[index % POOL]},
                "channel": "link",
            }
        }
        return _body(WRITE_DOC, variables)

    return body


def write_ok(content: bytes) -> bool:
    return b'"RecordSignUpSuccess"' in content
