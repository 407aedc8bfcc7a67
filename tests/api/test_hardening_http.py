"""The HTTP boundary, hardened (issue 10: every HTTP error is a GraphQL error, the same status for
the same refusal; issue 15: 4 bounded metric labels, 7 invalid text, 8 instants out of range,
9 deeply nested variables)."""

from __future__ import annotations

import json
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph.database import Database
from tests.api.conftest import API_KEYS, Api
from tests.support.server import serve

MUTATION = (
    'mutation { createPartner(input: {id: "p-h", name: "P", kind: AFFILIATE}) { __typename } }'
)


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


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A refusal in GraphQL-over-HTTP form: the status, JSON, one error with the code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    assert codes(body) == [code], body
    assert "Traceback" not in response.text
    return body


@contextmanager
def app_with(settings: Settings, **overrides: Any) -> Generator[httpx.Client]:
    app = create_app(settings.model_copy(update={"api_keys": API_KEYS, **overrides}))
    with serve(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


def raw(api: Api, body: bytes, content_type: str = "application/json") -> httpx.Response:
    return api.client.post("/graphql", content=body, headers={"content-type": content_type})


# --- issue 10: every HTTP error is a GraphQL error -----------------------------------------------


async def test_request_errors_are_json_graphql_errors(api: Api, clean_db: Database) -> None:
    before = await graph_state(clean_db)
    refused(raw(api, b"{not json"), 400, "BAD_REQUEST")
    refused(raw(api, b""), 400, "BAD_REQUEST")
    refused(raw(api, b'{"query": "{ __typename }"}\xff'), 400, "BAD_USER_INPUT")  # not UTF-8
    refused(raw(api, b"[1, 2]"), 400, "BAD_REQUEST")  # a batch
    refused(raw(api, b'{"query": 5}'), 400, "BAD_REQUEST")
    refused(raw(api, b'{"query": "{ __typename }", "variables": []}'), 400, "BAD_REQUEST")
    refused(raw(api, b'{"query": "{ __typename }", "operationName": 5}'), 400, "BAD_REQUEST")
    refused(raw(api, b'{"variables": {}}'), 400, "BAD_REQUEST")  # no query
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        refused(
            raw(api, json.dumps({"query": MUTATION}).encode(), content_type),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        )
    over_get = refused(
        api.client.get("/graphql", params={"query": MUTATION}), 405, "METHOD_NOT_ALLOWED"
    )
    assert "mutations are not allowed" in over_get["errors"][0]["message"]
    refused(api.client.put("/graphql", json={"query": "{ __typename }"}), 405, "METHOD_NOT_ALLOWED")
    bad_variables = {"query": "{ __typename }", "variables": "{nope"}
    refused(api.client.get("/graphql", params=bad_variables), 400, "BAD_REQUEST")
    assert await graph_state(clean_db) == before


def test_not_authenticated_is_one_status_and_one_shape(settings: Settings) -> None:
    """No key where one is needed and a key that matches nothing: 401, the same body shape,
    whichever layer refuses (the HTTP layer, or access control after parsing)."""
    for public in (False, True):
        with app_with(settings, public_aggregates=public) as client:
            answers = [
                client.post("/graphql", json={"query": MUTATION}),
                client.post("/graphql", json={"query": "{ users { totalCount } }"}),
                client.post("/graphql", json={"query": MUTATION}, headers={"X-API-Key": "wrong"}),
                client.post(
                    "/graphql",
                    json={"query": "{ __typename }"},
                    headers={"Authorization": "Bearer wrong"},
                ),
            ]
            for answer in answers:
                body = refused(answer, 401, "UNAUTHENTICATED")
                assert set(body) == {"errors"}, body
                assert set(body["errors"][0]) == {"message", "extensions"}, body
                assert answer.headers["www-authenticate"].startswith("Bearer")
            if public:  # what an anonymous caller may read is still answered
                ok = client.post(
                    "/graphql", json={"query": "{ topReferrers(degree: 1) { signUps } }"}
                )
                assert ok.status_code == 200
                assert "errors" not in ok.json()


# --- 15.7: invalid text --------------------------------------------------------------------------

SURROGATE = "\\ud800"  # as JSON escapes it: a lone surrogate once decoded


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "query($x: ID!) { user(id: $x) { id } }", "variables": {"x": "a%sb"}}',
        '{"query": "{ user(id: \\"%s\\") { id } }"}',
        '{"query": "{ __typename }", "operationName": "%s"}',
        '{"query": "{ __typename }", "variables": {"%s": 1}}',
        '{"query": "query($c: String!) { topReferrers(degree: 1) { signUps } } ", '
        '"variables": {"c": "x"}, "extensions": {"e": ["%s"]}}',
        '{"query": "mutation($i: CreateCampaignInput!) { createCampaign(input: $i) '
        '{ __typename } }", "variables": {"i": {"id": "c-s", "name": "%s"}}}',
        '{"query": "query($r: ReferrerRef!) { referralCascade(root: $r) { total } }", '
        '"variables": {"r": {"kind": "USER", "id": "\\udfff"}}}',
    ],
    ids=["variable", "literal", "operationName", "variable-name", "extensions", "input", "low"],
)
async def test_invalid_text_is_bad_user_input(api: Api, clean_db: Database, body: str) -> None:
    before = await graph_state(clean_db)
    trips = api.round_trips
    payload = body.replace("%s", SURROGATE) if "%s" in body else body
    refused(raw(api, payload.encode()), 400, "BAD_USER_INPUT")
    assert api.round_trips == trips
    assert await graph_state(clean_db) == before


def test_surrogates_as_raw_bytes_are_bad_user_input(api: Api) -> None:
    """The same surrogate sent as bytes (CESU-8, not UTF-8) rather than as a JSON escape."""
    body = (
        b'{"query": "query($x: ID!) { user(id: $x) { id } }", "variables": {"x": "\xed\xa0\x80"}}'
    )
    refused(raw(api, body), 400, "BAD_USER_INPUT")


def test_invalid_text_over_get_is_bad_user_input(api: Api) -> None:
    response = api.client.get(
        "/graphql",
        params={
            "query": "query($x: ID!) { user(id: $x) { id } }",
            "variables": f'{{"x": "{SURROGATE}"}}',
        },
    )
    refused(response, 400, "BAD_USER_INPUT")


# --- 15.9: deep variables ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [40, 3_000, 10_000])
@pytest.mark.parametrize("kind", ["list", "object"])
def test_deeply_nested_variables_are_refused_with_json(api: Api, depth: int, kind: str) -> None:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    value = opening * depth + "1" + closing * depth
    body = '{"query": "query($x: [ID]) { __typename }", "variables": {"x": ' + value + "}}"
    refused(raw(api, body.encode()), 400, "BAD_USER_INPUT")


def test_deeply_nested_variables_over_get_are_refused_with_json(api: Api) -> None:
    value = "[" * 3_000 + "]" * 3_000
    response = api.client.get(
        "/graphql", params={"query": "{ __typename }", "variables": f'{{"x": {value}}}'}
    )
    refused(response, 400, "BAD_USER_INPUT")


# --- 15.8: instants out of range -----------------------------------------------------------------

EDGES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:30:00-00:31"]


@pytest.mark.parametrize("instant", EDGES)
@pytest.mark.parametrize(
    "document",
    [
        "query($t: DateTime) { topReferrers(degree: 1, since: $t) { signUps } }",
        'query($t: DateTime!) { growth(from: $t, to: "2024-01-01T00:00:00Z") { buckets { total } } }',
        'query($t: DateTime!) { velocityBursts(since: $t, until: "2024-01-01T00:00:00Z") '
        "{ signUps } }",
        'mutation($t: DateTime!) { recordSignUp(input: {id: "u-t", name: "N", '
        'email: "n@example.com", signedUpAt: $t}) { __typename } }',
    ],
    ids=["since", "from", "bursts", "input-field"],
)
async def test_instants_out_of_range_are_bad_user_input(
    api: Api, clean_db: Database, instant: str, document: str
) -> None:
    before = await graph_state(clean_db)
    trips = api.round_trips
    body = api.gql(document, {"t": instant})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] is None
    inline = document.replace("$t", json.dumps(instant)).split(")", 1)[1]
    literal = api.gql(("mutation" if document.startswith("mutation") else "query") + " " + inline)
    assert codes(literal) == ["BAD_USER_INPUT"], literal
    assert api.round_trips == trips
    assert await graph_state(clean_db) == before


def test_the_edges_of_the_range_are_accepted(api: Api) -> None:
    body = api.gql(
        '{ topReferrers(degree: 1, since: "0001-01-01T00:00:00Z", until: "9999-12-31T23:59:59Z")'
        " { signUps } }"
    )
    assert "errors" not in body, body


# --- 15.4: bounded metric labels -----------------------------------------------------------------


def test_operation_names_keep_metrics_small(settings: Settings) -> None:
    with app_with(settings, api_keys="", rate_limit=0) as client:
        baseline = len(client.get("/metrics").content)
        for i in range(3_000):
            body = {"query": f"query Name{i} {{ __typename }}", "operationName": f"Name{i}"}
            assert client.post("/graphql", json=body).status_code == 200
        text = client.get("/metrics").text
    names = {
        line.split('name="', 1)[1].split('"', 1)[0]
        for line in text.splitlines()
        if line.startswith("growthgraph_graphql_operation_seconds_count")
    }
    assert len(names) <= 51
    assert "other" in names
    assert len(text) < baseline + 200_000, len(text)
