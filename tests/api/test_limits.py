"""Limits over HTTP: each refused with its code before the database is touched."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from growthgraph.app import create_app
from growthgraph.config import Environment, Settings
from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, API_KEYS, WRITER_KEY, Api
from tests.support.server import serve

NESTED = "query($n: Int) { users(first: $n) { edges { node { referrals(first: $n) { edges { cursor } } } } } }"


@contextmanager
def app_with(settings: Settings, **overrides: Any) -> Generator[tuple[httpx.Client, Database]]:
    app = create_app(settings.model_copy(update=overrides))
    with serve(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client, app.state.db


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


def test_cost_counts_variables(api: Api) -> None:
    trips = api.round_trips
    # 100 users x 100 referrals each: 100 * (3 + 3 * 100) = 30,300 > 20,000.
    refused = api.gql(NESTED, {"n": 100})
    assert codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert "30300" in refused["errors"][0]["message"]
    assert refused["data"] is None
    assert api.round_trips == trips
    # 10 x 10 costs 330: it runs.
    assert "errors" not in api.gql(NESTED, {"n": 10})


def test_body_size_limit(api: Api) -> None:
    padding = " " * 70_000
    big = api.client.post("/graphql", json={"query": "{ __typename }" + padding})
    assert big.status_code == 413
    assert big.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"

    def chunks() -> Generator[bytes]:
        yield b'{"query": "{ __typename }'
        for _ in range(70):
            yield b" " * 1_000
        yield b'"}'

    chunked = api.client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    small = api.client.post("/graphql", json={"query": "{ __typename }" + " " * 60_000})
    assert small.json() == {"data": {"__typename": "Query"}}


def test_request_timeout(settings: Settings) -> None:
    with app_with(settings, request_timeout=0.001) as (client, _):
        body = client.post("/graphql", json={"query": "{ users(first: 5) { edges { cursor } } }"})
        assert codes(body.json()) == ["QUERY_TIMEOUT"]
        assert client.get("/readyz").status_code == 200  # the service is fine afterwards


def test_rate_limit_per_client(settings: Settings) -> None:
    """Per API key when keys are checked; an unchecked key (open development mode) is no identity:
    every request from one address shares its budget (tests/api/test_hardening_rate_limit.py)."""
    query = {"query": "{ __typename }"}
    with app_with(settings, rate_limit=3, api_keys=API_KEYS) as (client, _):
        admin = {"X-API-Key": ADMIN_KEY}
        sent = [client.post("/graphql", json=query, headers=admin).status_code for _ in range(3)]
        assert sent == [200] * 3
        limited = client.post("/graphql", json=query, headers=admin)
        assert limited.status_code == 429
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= int(limited.headers["retry-after"]) <= 20
        other = client.post("/graphql", json=query, headers={"X-API-Key": WRITER_KEY})
        assert other.status_code == 200
        assert client.get("/healthz").status_code == 200  # probes are never limited


@pytest.mark.parametrize("enabled", [True, False])
def test_introspection_follows_the_setting(settings: Settings, enabled: bool) -> None:
    with app_with(settings, introspection=enabled) as (client, _):
        body = client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"}).json()
        if enabled:
            assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
        else:
            assert set(codes(body)) == {"INTROSPECTION_DISABLED"}
        typename = client.post("/graphql", json={"query": "{ __typename }"}).json()
        assert typename == {"data": {"__typename": "Query"}}


def test_introspection_is_off_by_default_in_production(settings: Settings) -> None:
    production = settings.model_copy(update={"env": Environment.PRODUCTION})
    assert production.introspection_enabled is False
    assert settings.introspection_enabled is True


def test_no_field_suggestions(api: Api) -> None:
    body = api.gql('{ usr(id: "x") { id } }')
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in body["errors"][0]["message"]
