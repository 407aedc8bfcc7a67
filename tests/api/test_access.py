"""API keys and roles over HTTP: who may read, who may write, what is masked; CORS."""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from growthgraph.api.permissions import MASK
from growthgraph.app import create_app
from growthgraph.config import Environment, Role, Settings, parse_keys
from growthgraph.graph.database import Database
from growthgraph.http.auth import Authenticator, hash_key
from tests.api.conftest import ADMIN_KEY, ANALYST_KEY, API_KEYS, WRITER_KEY, Api
from tests.support.server import serve
from tests.support.snapshot import snapshot

SIGN_UP = """
mutation($id: ID!) {
  recordSignUp(input: {id: $id, name: "Ana Silva", email: "ana@example.com",
                       signedUpAt: "2024-05-01T10:00:00Z"}) {
    __typename
    ... on RecordSignUpSuccess { user { id name email } }
  }
}
"""
READ = "query($id: ID!) { user(id: $id) { id name email } }"


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@contextmanager
def app_with(settings: Settings, **overrides: Any) -> Generator[httpx.Client]:
    app = create_app(settings.model_copy(update=overrides))
    with serve(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_key_parsing_and_matching() -> None:
    keys = parse_keys(f" analyst:{hash_key('a')} ,\nadmin:{hash_key('b').upper()}")
    assert keys == ((Role.ANALYST, hash_key("a")), (Role.ADMIN, hash_key("b")))
    auth = Authenticator(keys)
    assert (auth.role_of("a"), auth.role_of("b"), auth.role_of("c")) == (
        Role.ANALYST,
        Role.ADMIN,
        None,
    )
    for bad in ("root:" + hash_key("a"), "admin:abc", "admin" + hash_key("a")):
        with pytest.raises(ValueError, match="API key"):
            parse_keys(bad)
    assert parse_keys("") == ()


def test_auth_is_required_with_keys_or_in_production(settings: Settings) -> None:
    assert settings.auth_required is False  # development without keys: open
    assert settings.model_copy(update={"api_keys": API_KEYS}).auth_required is True
    assert settings.model_copy(update={"env": Environment.PRODUCTION}).auth_required is True


async def test_roles(api: Api, clean_db: Database) -> None:
    before = await snapshot(clean_db)
    trips = api.round_trips
    # No key, or the analyst's: no writes, refused before the database; no key is a 401, as a
    # wrong key is (tests/api/test_hardening_http.py).
    api.client.headers.pop("X-API-Key")
    try:
        for document in (SIGN_UP, READ):
            body = {"query": document, "variables": {"id": "u-a"}}
            anonymous = api.client.post("/graphql", json=body)
            assert anonymous.status_code == 401
            assert codes(anonymous.json()) == ["UNAUTHENTICATED"]
    finally:
        api.client.headers["X-API-Key"] = ADMIN_KEY
    assert codes(api.gql(SIGN_UP, {"id": "u-a"}, key=ANALYST_KEY)) == ["FORBIDDEN"]
    assert api.round_trips == trips
    assert await snapshot(clean_db) == before
    # The writer writes, but sees personal data masked, even in its own result.
    written = api.gql(SIGN_UP, {"id": "u-a"}, key=WRITER_KEY)["data"]["recordSignUp"]
    assert written == {
        "__typename": "RecordSignUpSuccess",
        "user": {"id": "u-a", "name": MASK, "email": MASK},
    }
    assert api.gql(READ, {"id": "u-a"}, key=ANALYST_KEY)["data"]["user"] == {
        "id": "u-a",
        "name": MASK,
        "email": MASK,
    }
    assert api.gql(READ, {"id": "u-a"}, key=ADMIN_KEY)["data"]["user"] == {
        "id": "u-a",
        "name": "Ana Silva",
        "email": "ana@example.com",
    }


def test_bearer_and_bad_keys(api: Api) -> None:
    query = {"query": "{ __typename }"}
    api.client.headers.pop("X-API-Key")
    try:
        ok = api.client.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {ANALYST_KEY}"}
        )
        assert ok.json() == {"data": {"__typename": "Query"}}
        wrong = api.client.post("/graphql", json=query, headers={"X-API-Key": "guess"})
        assert wrong.status_code == 401
        assert codes(wrong.json()) == ["UNAUTHENTICATED"]
    finally:
        api.client.headers["X-API-Key"] = ADMIN_KEY


def test_public_aggregates_only_when_configured(settings: Settings) -> None:
    top = {"query": "{ topReferrers(degree: 1, limit: 3) { signUps } }"}
    rows = {"query": "{ users(first: 1) { edges { cursor } } }"}
    both = {"query": "{ topReferrers(degree: 1) { signUps } users { edges { cursor } } }"}
    with app_with(settings, api_keys=API_KEYS, public_aggregates=True) as client:
        assert "errors" not in client.post("/graphql", json=top).json()
        assert codes(client.post("/graphql", json=rows).json()) == ["UNAUTHENTICATED"]
        mixed = client.post("/graphql", json=both).json()
        assert codes(mixed) == ["UNAUTHENTICATED"], mixed
    with app_with(settings, api_keys=API_KEYS) as client:
        assert codes(client.post("/graphql", json=top).json()) == ["UNAUTHENTICATED"]


def test_open_in_development_without_keys(settings: Settings) -> None:
    with app_with(settings) as client:
        body = client.post("/graphql", json={"query": "{ users(first: 1) { edges { cursor } } }"})
        assert "errors" not in body.json()


def test_cors_only_for_configured_origins(settings: Settings) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key",
    }
    with app_with(settings, cors_origins="https://app.example.com") as client:
        allowed = client.options(
            "/graphql", headers={**preflight, "Origin": "https://app.example.com"}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
        refused = client.options("/graphql", headers={**preflight, "Origin": "https://evil.test"})
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        simple = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://evil.test"}
        )
        assert "access-control-allow-origin" not in simple.headers
    with app_with(settings) as client:  # no origins configured: no CORS at all
        none = client.options(
            "/graphql", headers={**preflight, "Origin": "https://app.example.com"}
        )
        assert "access-control-allow-origin" not in none.headers
