"""Running documents against the real schema with a ``FakeDatabase`` behind it, and the small
builders the domain tests share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import strawberry
from pydantic import SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from strawberry.types import ExecutionResult

from growthgraph.api.context import Context
from growthgraph.api.permissions import reset_role, set_role
from growthgraph.config import Role, Settings
from tests.support.fake_graph import FakeDatabase


class ArgumentSettings(Settings):
    """``Settings`` read from the constructor's arguments only: neither the environment nor a
    ``.env`` file can change what a unit test sees."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def make_settings(**overrides: Any) -> Settings:
    """Settings that need no environment: the documented defaults, spelled out where a test
    depends on them."""
    values: dict[str, Any] = {
        "neo4j_password": SecretStr("x"),
        "demo_data": False,
        "page_size": 20,
        "max_page_size": 100,
        "max_cost": 20_000,
        "inactive_days": 30,
        "betweenness_cutoff": 4,
        "referral_counters": True,
        "public_aggregates": False,
        "hash_secret": SecretStr("unit-test-secret"),
        "api_keys": "",
        # The fake answers the resolvers' own statements; compiled reads are held to the
        # resolvers' answers against a real Neo4j (tests/api/test_compiled_reads.py).
        "compiled_reads": False,
        **overrides,
    }
    return ArgumentSettings(**values)


@dataclass
class Gql:
    """Executes a document as one request would: a fresh ``Context`` and the caller's role."""

    schema: strawberry.Schema
    db: FakeDatabase
    settings: Settings

    async def run(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role | None = Role.ADMIN,
    ) -> ExecutionResult:
        token = set_role(role)
        try:
            result = await self.schema.execute(
                document,
                variable_values=variables,
                context_value=Context(db=self.db, settings=self.settings),
            )
        finally:
            reset_role(token)
        self.db.check()  # an unscripted statement fails the test, whatever the response says
        return result

    async def data(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role | None = Role.ADMIN,
    ) -> dict[str, Any]:
        result = await self.run(document, variables, role=role)
        assert result.errors is None, result.errors
        assert result.data is not None
        return result.data

    async def error(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role | None = Role.ADMIN,
    ) -> tuple[str, str]:
        """The one request error: its ``extensions.code`` and its message."""
        result = await self.run(document, variables, role=role)
        assert result.errors is not None, result.data
        assert len(result.errors) == 1, result.errors
        error = result.errors[0]
        return str((error.extensions or {}).get("code")), error.message


def at(text: str) -> datetime:
    """An ISO instant as an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def user_props(
    uid: str, signed_up: str = "2024-05-01T10:00:00+00:00", **more: Any
) -> dict[str, Any]:
    """A stored User node's properties, as ``u {.*}`` returns them."""
    return {
        "id": uid,
        "name": f"Name {uid}",
        "email": f"{uid}@example.com",
        "signedUpAt": signed_up,
        **more,
    }


def without_as_of(ran: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parameters of statements run without an ``asOf`` argument, with the instant the
    request resolved taken out: it is checked to be the time of the request (within a minute,
    in UTC) and one instant for every statement of the request."""
    instants = {params["asOf"] for params in ran}
    assert len(instants) <= 1, instants
    for instant in instants:
        assert instant.tzinfo is UTC
        assert abs((datetime.now(UTC) - instant).total_seconds()) < 60
    return [{k: v for k, v in params.items() if k != "asOf"} for params in ran]
