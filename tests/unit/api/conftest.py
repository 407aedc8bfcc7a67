"""Fixtures of the GraphQL unit tier: the schema (built once), a fresh fake per test, and the
executor that joins them. A test that leaves a scripted failure behind fails at teardown too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import strawberry

from growthgraph.api.schema import build_schema
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, make_settings


@pytest.fixture(scope="session")
def schema() -> strawberry.Schema:
    return build_schema(make_settings())


@pytest.fixture
def fake() -> Iterator[FakeDatabase]:
    db = FakeDatabase()
    yield db
    db.check()


@pytest.fixture
def gql(schema: strawberry.Schema, fake: FakeDatabase) -> Gql:
    return Gql(schema=schema, db=fake, settings=make_settings())
