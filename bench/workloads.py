"""The benchmark operations: the GraphQL documents sent to growthgraph and to the comparison
server, and the direct-driver baseline that makes the same round trips as growthgraph's resolvers.

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

from growthgraph.api.pagination import encode_cursor
from growthgraph.graph import entities, referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
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
ALL_KINDS = [Kind.USER, Kind.INFLUENCER, Kind.PARTNER]

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

_REFERRER = "__typename ... on User { id } ... on Influencer { id } ... on Partner { id }"
_TOP = "(sort: [{secondDegreeSignUps: DESC}, {id: ASC}], limit: 10) { id secondDegreeSignUps }"
NEO4J_GRAPHQL_DOCS = {
    "a": """query A($id: String!) {
  users(where: {id: {eq: $id}}) { id name
    referrals(limit: 10, sort: [{id: ASC}]) { id name
      referrals(limit: 10, sort: [{id: ASC}]) { id name } } } }""",
    "b": f"""query B($after: String!) {{
  users(where: {{id: {{gt: $after}}}}, sort: [{{id: ASC}}], limit: 100) {{
    id name referredBy {{ {_REFERRER} }} }} }}""",
    "c": f"query C {{ users{_TOP} influencers{_TOP} partners{_TOP} }}",
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
    """Request ``i`` of operation ``op`` for the comparison server."""
    doc = NEO4J_GRAPHQL_DOCS[op]
    if op == "a":
        return lambda i: _body(doc, {"id": seq.referrer(i)})
    if op == "b":
        return lambda i: _body(doc, {"after": seq.page_start(i)})
    static = _body(doc)
    return lambda _i: static


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


def direct_call(op: str, db: Database, seq: Sequences) -> Call:
    """The baseline: the repository functions growthgraph's resolvers call for ``op``, in the same
    sequence of round trips (resolvers/queries.py, resolvers/context.py, schema/types.py)."""
    if op == "a":

        async def user_with_referrals(index: int) -> bool:
            # user -> entities.get_users; User.referrals -> one referrals_of for the user, then
            # one batched referrals_of (DataLoader) for all its referrals.
            uid = seq.referrer(index)
            found = await entities.get_many(db, entities.USERS, [uid])
            if uid not in found:
                return False
            pages = await referrals.referrals_of(db, Kind.USER, [uid], first=NESTED, after=None)
            page = pages.get(uid)
            children = [u.id for u in page.items] if page is not None else []
            if children:
                await referrals.referrals_of(db, Kind.USER, children, first=NESTED, after=None)
            return True

        return user_with_referrals
    if op == "b":

        async def page_with_referrers(index: int) -> bool:
            # users -> entities.list_users; User.referredBy -> one batched referred_by.
            page = await entities.page(db, entities.USERS, PAGE, seq.page_start(index))
            if page.items:
                await referrals.referred_by(db, [u.id for u in page.items])
            return len(page.items) == PAGE

        return page_with_referrers

    async def top(_index: int) -> bool:
        # topReferrers -> referrals.top_referrers with every kind, no window.
        rows = await referrals.top_referrers(
            db, degree=2, limit=TOP, since=None, until=None, kinds=ALL_KINDS
        )
        return len(rows) > 0

    return top
