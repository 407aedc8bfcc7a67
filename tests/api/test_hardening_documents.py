"""Documents over HTTP, hardened (issue 15: 1, 11, 12, 13; issue 10: suggestions, arguments):
fragment fan-out is refused without blocking the service, anonymous callers before any analysis,
several operations need a name, no "did you mean", every refused argument gives `data: null`
before the database, and cursors belong to their list."""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from growthgraph.api.pagination import encode_cursor
from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, API_KEYS, Api
from tests.support.server import serve


def fan_out(levels: int, leaf: str = "__typename") -> str:
    """Each of ``levels`` fragments spreads the next one twice: 2^levels copies of ``leaf``."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ {leaf} }}")
    return "query Fan { ...F0 } " + " ".join(fragments)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def graph_state(db: Database) -> list[str]:
    """Every node and relationship with its properties, sorted: equal when nothing was written."""
    nodes = await db.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    edges = await db.read(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, properties(r) AS props, "
        "properties(a) AS a, properties(b) AS b"
    )
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in [*nodes, *edges])


def anonymous_post(api: Api, body: dict[str, Any]) -> httpx.Response:
    """A request without any key (the suite's client sends the admin's by default)."""
    return httpx.post(f"{api.url}/graphql", json=body, timeout=60)


@contextmanager
def app_with(settings: Settings, **overrides: Any) -> Generator[httpx.Client]:
    app = create_app(settings.model_copy(update={"api_keys": API_KEYS, **overrides}))
    with serve(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


# --- 15.1: fragment fan-out ----------------------------------------------------------------------


@pytest.mark.parametrize("levels", [21, 190])
def test_fan_out_is_refused_for_every_caller(api: Api, settings: Settings, levels: int) -> None:
    document = {"query": fan_out(levels)}
    trips = api.round_trips
    admin = api.client.post("/graphql", json=document)
    assert codes(admin.json()) == ["QUERY_TOO_COMPLEX"]
    assert api.round_trips == trips
    # Anonymous while keys are needed: refused before the document is even read.
    anonymous = anonymous_post(api, document)
    assert anonymous.status_code == 401
    assert codes(anonymous.json()) == ["UNAUTHENTICATED"]
    # Anonymous with public aggregates: the root-field check passes (`__typename`), then cost.
    with app_with(settings, public_aggregates=True) as client:
        public = client.post("/graphql", json=document).json()
        assert codes(public) == ["QUERY_TOO_COMPLEX"]
        private = client.post("/graphql", json={"query": fan_out(levels, "users { totalCount }")})
        assert private.status_code == 401
        assert codes(private.json()) == ["UNAUTHENTICATED"]


def test_fan_out_in_depth_and_aliases_is_refused(api: Api) -> None:
    aliased = api.gql(fan_out(190, "a: __typename"))
    assert codes(aliased) == ["TOO_MANY_ALIASES"]
    inner = "id"
    for _ in range(6):  # 1 + 2 * 6 = 13 levels, above the limit of 10
        inner = f"referral {{ referrer {{ ... on User {{ {inner} }} }} }}"
    # (150 levels: graphql-core aborts validation of fragments nested more than 200 deep.)
    assert codes(api.gql(fan_out(150, f'user(id: "x") {{ {inner} }}'))) == ["QUERY_TOO_DEEP"]
    listed = api.gql(fan_out(190, "topReferrers(degree: 1) { signUps }"))
    assert codes(listed) == ["QUERY_TOO_COMPLEX"]


def test_an_anonymous_caller_is_refused_before_the_document_is_parsed(api: Api) -> None:
    broken = anonymous_post(api, {"query": "{ not graphql"})
    assert broken.status_code == 401
    assert codes(broken.json()) == ["UNAUTHENTICATED"]


def test_healthz_answers_while_a_fan_out_is_refused(api: Api) -> None:
    document = {"query": fan_out(190)}
    answers: list[int] = []

    def refuse_many() -> None:
        with httpx.Client(base_url=api.url, timeout=60, headers={"X-API-Key": ADMIN_KEY}) as c:
            for _ in range(20):
                answers.append(c.post("/graphql", json=document).status_code)

    worker = threading.Thread(target=refuse_many)
    worker.start()
    probes: list[int] = []
    try:
        while worker.is_alive() and len(probes) < 200:
            probes.append(api.client.get("/healthz", timeout=60).status_code)
    finally:
        worker.join(timeout=120)
    assert not worker.is_alive()
    assert answers == [200] * 20  # each refused (QUERY_TOO_COMPLEX), none timed out
    assert probes
    assert set(probes) == {200}


# --- 15.13: several operations need a name -------------------------------------------------------


async def test_several_operations_without_a_name_are_refused(api: Api, clean_db: Database) -> None:
    before = await graph_state(clean_db)
    trips = api.round_trips
    two = "query A { users(first: 1) { totalCount } } query B { __typename }"
    for document in (
        two,
        'mutation W { createPartner(input: {id: "p-x", name: "P", kind: AFFILIATE}) { __typename } }'
        " query R { __typename }",
    ):
        body = api.gql(document)
        assert body["data"] is None
        assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
        assert "operationName" in body["errors"][0]["message"]
    assert api.round_trips == trips
    assert await graph_state(clean_db) == before
    named = api.client.post("/graphql", json={"query": two, "operationName": "B"}).json()
    assert named == {"data": {"__typename": "Query"}}
    unknown = api.client.post("/graphql", json={"query": two, "operationName": "C"})
    assert unknown.headers["content-type"].startswith("application/json")
    assert codes(unknown.json()) == ["GRAPHQL_VALIDATION_FAILED"]


# --- 15.11 / 10: no suggestions anywhere ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ userz { id } }", None),  # field
        ("{ topReferrers(degre: 1) { signUps } }", None),  # argument
        ("{ ... on Querry { __typename } }", None),  # type in a fragment
        ("query($k: [ReferrerKnd!]) { topReferrers(degree: 1, kinds: $k) { signUps } }", None),
        ("{ topReferrers(degree: 1, kinds: [INFLUENCR]) { signUps } }", None),  # enum literal
        (
            "query($k: [ReferrerKind!]) { topReferrers(degree: 1, kinds: $k) { signUps } }",
            {"k": ["INFLUENCR"]},
        ),  # enum value in a variable
        ('{ referralCascade(root: {kind: USER, idd: "x"}) { total } }', None),  # input field
        (
            "query($r: ReferrerRef!) { referralCascade(root: $r) { total } }",
            {"r": {"kind": "USER", "idd": "x"}},
        ),  # input field in a variable
        ('{ user(id: "x") { nam } }', None),  # field on a type
        ("{ __typename @skp(if: true) }", None),  # directive
    ],
    ids=[
        "field",
        "argument",
        "type",
        "variable-type",
        "enum-literal",
        "enum-variable",
        "input-field",
        "input-field-variable",
        "nested-field",
        "directive",
    ],
)
def test_no_suggestions(api: Api, query: str, variables: dict[str, Any] | None) -> None:
    body = api.gql(query, variables)
    assert body["data"] is None
    assert codes(body)
    assert set(codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert "Did you mean" not in json.dumps(body)


# --- 10: every refused argument the same way, before execution -----------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        ("{ topReferrers(degree: 9) { signUps } }", None, "`degree`"),  # non-null field
        (
            '{ referralCascade(root: {kind: USER, id: "u"}, maxDepth: 99) { total } }',
            None,
            "`maxDepth`",
        ),  # nullable field
        ('{ rewardLedger(runId: "r", first: 9999) { endCursor } }', None, "`first`"),
        ("{ users(first: 1000) { totalCount } }", None, "`first`"),
        ('{ user(id: "u") { referrals(first: 0) { totalCount } } }', None, "`first`"),
        ("query($n: Int) { users(first: $n) { totalCount } }", {"n": 101}, "`first`"),
        ("query($n: Int = 500) { users(first: $n) { totalCount } }", None, "`first`"),
        (
            "query { ...F } fragment F on Query { cascadeGenerations("
            'root: {kind: USER, id: "u"}, maxGeneration: 0) { generation } }',
            None,
            "`maxGeneration`",
        ),
        ('{ users(after: "bm90IGEgY3Vyc29y") { totalCount } }', None, "`after`"),
        (
            '{ a: topReferrers(degree: 1) { signUps } b: user(id: "u") { referrals(first: 101) '
            "{ totalCount } } }",
            None,
            "`first`",
        ),  # one bad argument among good fields: nothing runs
    ],
)
def test_a_refused_argument_gives_null_data_before_the_database(
    api: Api, query: str, variables: dict[str, Any] | None, message: str
) -> None:
    trips = api.round_trips
    body = api.gql(query, variables)
    assert body["data"] is None, body
    assert codes(body) == ["BAD_USER_INPUT"]
    assert message in body["errors"][0]["message"]
    assert api.round_trips == trips


# --- 15.12: cursors belong to their list ---------------------------------------------------------


async def test_cursors_work_only_on_their_own_list(api: Api, clean_db: Database) -> None:
    for i in range(3):
        api.data(
            f'mutation {{ createCampaign(input: {{id: "c-{i}", name: "C{i}"}}) {{ __typename }} }}'
        )
    api.data(
        'mutation { createInfluencer(input: {id: "inf-1", handle: "h", platform: "ig", '
        "followers: 10, engagementRate: 0.1}) { __typename } }"
    )
    for i in range(3):
        api.data(
            "mutation { recordSignUp(input: {"
            f'id: "u-{i}", name: "N", email: "u{i}@example.com", '
            f'signedUpAt: "2024-05-0{i + 1}T10:00:00Z", referrer: {{kind: INFLUENCER, id: "inf-1"}}'
            "}) { __typename } }"
        )
    campaigns = api.data("{ campaigns(first: 1) { pageInfo { endCursor } } }")
    users = api.data("{ users(first: 1) { pageInfo { endCursor } } }")
    campaign_cursor = campaigns["campaigns"]["pageInfo"]["endCursor"]
    user_cursor = users["users"]["pageInfo"]["endCursor"]
    # Genuine cursors page on.
    more = api.data(
        "query($a: String) { users(first: 5, after: $a) { edges { node { id } } } }",
        {"a": user_cursor},
    )
    assert [e["node"]["id"] for e in more["users"]["edges"]] == ["u-1", "u-2"]
    referrals = (
        'query($a: String) { influencer(id: "inf-1") { referrals(after: $a) { totalCount } } }'
    )
    bad = [
        ("query($a: String) { users(after: $a) { totalCount } }", campaign_cursor),
        (referrals, user_cursor),
        ("query($a: String) { campaigns(after: $a) { totalCount } }", user_cursor),
        ("query($a: String) { users(after: $a) { totalCount } }", user_cursor.rstrip("=") + "A"),
        ("query($a: String) { users(after: $a) { totalCount } }", user_cursor + user_cursor),
        ("query($a: String) { users(after: $a) { totalCount } }", encode_cursor("", "users")),
        ("query($a: String) { users(after: $a) { totalCount } }", ""),
    ]
    trips = api.round_trips
    for query, cursor in bad:
        body = api.gql(query, {"a": cursor})
        assert body["data"] is None, (query, cursor, body)
        assert codes(body) == ["BAD_USER_INPUT"], (query, cursor, body)
    assert api.round_trips == trips
