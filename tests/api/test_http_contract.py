"""The HTTP contract: request ids, error codes, metrics, no mutations over GET, the CSRF policy,
and failing fast (then recovering) while Neo4j cannot be reached."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest

from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph.database import Database
from tests.api.conftest import Api
from tests.support.proxy import CuttableProxy, proxied
from tests.support.server import serve
from tests.support.snapshot import snapshot

CREATE = (
    'mutation { createPartner(input: {id: "p-csrf", name: "X", kind: AFFILIATE}) { __typename } }'
)


def test_request_id_is_echoed_or_generated(api: Api) -> None:
    given = api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc-1"}
    )
    assert given.headers["x-request-id"] == "abc-1"
    fresh = api.client.get("/healthz")
    assert len(fresh.headers["x-request-id"]) == 32
    insane = api.client.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert insane.headers["x-request-id"] != "x" * 500


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ users(first: 1000) { edges { cursor } } }", "BAD_USER_INPUT"),
        ("{ users(first: 2) { edges { cursor } }", "GRAPHQL_PARSE_FAILED"),
        ("{ users { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { users(first: $n) { edges { cursor } } }", "GRAPHQL_VALIDATION_FAILED"),
        (
            '{ user(id: "u") '
            + "{ referral { referrer { ... on User " * 5
            + "{ id }"
            + " } } }" * 5
            + " }",
            "QUERY_TOO_DEEP",
        ),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", "TOO_MANY_ALIASES"),
        ("{ " + " ".join("__typename" for _ in range(2100)) + " }", "QUERY_TOO_LARGE"),
    ],
    ids=["argument", "syntax", "unknown-field", "missing-variable", "depth", "aliases", "tokens"],
)
def test_every_refusal_has_a_code(api: Api, query: str, code: str) -> None:
    trips = api.round_trips
    body = api.gql(query)
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    assert api.round_trips == trips  # refused before the database is touched


async def test_mutations_are_refused_over_get(api: Api, clean_db: Database) -> None:
    before = await snapshot(clean_db)
    response = api.client.get("/graphql", params={"query": CREATE})
    assert response.status_code == 405  # GraphQL over HTTP: a mutation over GET is 405
    assert response.headers["allow"] == "POST"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "mutations are not allowed" in error["message"]
    assert await snapshot(clean_db) == before
    # Queries over GET are fine (they change nothing).
    ok = api.client.get("/graphql", params={"query": "{ __typename }"})
    assert ok.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"query={CREATE}"),
        (
            "multipart/form-data; boundary=x",
            f'--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{CREATE}\r\n--x--\r\n',
        ),
        ("text/plain", f'{{"query": "{CREATE.replace(chr(34), chr(92) + chr(34))}"}}'),
        ("", f'{{"query": "{CREATE.replace(chr(34), chr(92) + chr(34))}"}}'),
    ],
    ids=["form", "multipart", "text-plain", "none"],
)
async def test_browser_simple_requests_cannot_write(
    api: Api, clean_db: Database, content_type: str, body: str
) -> None:
    """A cross-site form or fetch without preflight can only send these content types."""
    before = await snapshot(clean_db)
    headers = {"content-type": content_type} if content_type else {}
    response = api.client.post("/graphql", content=body.encode(), headers=headers)
    assert response.status_code in {400, 415}, response.text
    assert await snapshot(clean_db) == before


def test_metrics_count_requests_errors_and_pool(api: Api) -> None:
    api.gql("query Probe { users(first: 1) { edges { cursor } } }")
    api.gql("{ users(first: 1000) { edges { cursor } } }")
    text = api.client.get("/metrics").text
    assert 'growthgraph_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert 'growthgraph_graphql_operation_seconds_count{name="Probe",type="query"}' in text
    assert 'growthgraph_graphql_errors_total{code="BAD_USER_INPUT"}' in text
    assert "growthgraph_neo4j_pool_max_size 50.0" in text
    assert "growthgraph_neo4j_in_flight 0.0" in text


@pytest.fixture
def proxy(settings: Settings) -> Iterator[CuttableProxy]:
    target = urlparse(settings.neo4j_uri)
    assert target.hostname is not None
    assert target.port is not None
    with proxied(target.hostname, target.port) as cuttable:
        yield cuttable


def test_fails_fast_while_neo4j_is_unreachable_and_recovers(
    settings: Settings, proxy: CuttableProxy
) -> None:
    through = settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{proxy.port}"})
    query = {"query": "{ users(first: 1) { edges { cursor } } }"}
    with serve(create_app(through), lifespan="on") as url, httpx.Client(base_url=url) as client:
        assert "errors" not in client.post("/graphql", json=query).json()
        proxy.cut()
        started = time.monotonic()
        body = client.post("/graphql", json=query, timeout=30).json()
        elapsed = time.monotonic() - started
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        # Default budget: one retry after ~1 s, perhaps a second after ~2 s more; never 30 s.
        assert elapsed < 5, elapsed
        assert client.get("/readyz", timeout=30).status_code == 503
        metrics = client.get("/metrics").text
        assert 'growthgraph_graphql_errors_total{code="SERVICE_UNAVAILABLE"} 1.0' in metrics
        proxy.open()
        deadline = time.monotonic() + 30
        while client.get("/readyz", timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "did not recover"
            time.sleep(0.2)
        assert "errors" not in client.post("/graphql", json=query).json()
