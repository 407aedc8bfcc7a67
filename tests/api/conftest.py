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
from tests.support.server import serve


@dataclass
class Api:
    url: str
    client: httpx.Client
    app_db: Any  # the app's own Database (lives in the server thread), for round-trip counts

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self.gql(query, variables)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    @property
    def round_trips(self) -> int:
        db: Database = self.app_db
        return db.round_trips


@pytest.fixture(scope="session")
def api(settings: Settings) -> Iterator[Api]:
    app = create_app(settings)
    with serve(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=60) as client:
        yield Api(url=url, client=client, app_db=app.state.db)
