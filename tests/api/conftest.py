"""The real app, served by uvicorn over HTTP, against the session's real Neo4j."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from growthgraph.app import create_app
from growthgraph.config import Settings
from growthgraph.graph.database import Database
from growthgraph.http.auth import hash_key
from tests.support.server import serve

ADMIN_KEY = "test-admin-key"
WRITER_KEY = "test-writer-key"
ANALYST_KEY = "test-analyst-key"
API_KEYS = ",".join(
    f"{role}:{hash_key(key)}"
    for role, key in (("admin", ADMIN_KEY), ("writer", WRITER_KEY), ("analyst", ANALYST_KEY))
)


@dataclass
class Api:
    url: str
    client: httpx.Client
    app_db: Any  # the app's own Database (lives in the server thread), for round-trip counts

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = ADMIN_KEY
    ) -> dict[str, Any]:
        """POST a document; with the admin key unless ``key`` says otherwise (None: no key)."""
        headers = {"X-API-Key": key} if key is not None else {}
        self.client.headers.pop("X-API-Key", None)
        try:
            response = self.client.post(
                "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
            )
        finally:
            self.client.headers["X-API-Key"] = ADMIN_KEY
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = ADMIN_KEY
    ) -> dict[str, Any]:
        body = self.gql(query, variables, key=key)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    @property
    def round_trips(self) -> int:
        db: Database = self.app_db
        return db.round_trips


@pytest.fixture(scope="session")
def api(settings: Settings) -> Iterator[Api]:
    # The whole suite shares one client address: the rate limit is tested on apps of its own.
    # This server lives through every later module: it sends no webhooks, so the tests of the
    # sender (which run steps by hand on the same database) meet no other sender.
    app = create_app(
        settings.model_copy(update={"api_keys": API_KEYS, "rate_limit": 0, "webhook_sender": False})
    )
    headers = {"X-API-Key": ADMIN_KEY}  # raw requests act as admin unless they say otherwise
    with (
        serve(app, lifespan="on") as url,
        httpx.Client(base_url=url, timeout=60, headers=headers) as client,
    ):
        yield Api(url=url, client=client, app_db=app.state.db)
