"""The root Query and Mutation, merged from the domains' ``queries`` and ``mutations`` modules,
and ``build_schema``.
Extensions are passed as factories so each request gets fresh instances."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from growthgraph.api.cascades.queries import CascadesQuery
from growthgraph.api.cost import CostLimiter
from growthgraph.api.events.mutations import EventsMutation
from growthgraph.api.extensions import OperationMetrics, code_errors
from growthgraph.api.fraud.mutations import FraudMutation
from growthgraph.api.fraud.queries import FraudQuery
from growthgraph.api.growth.queries import GrowthQuery
from growthgraph.api.network.mutations import NetworkMutation
from growthgraph.api.network.queries import NetworkQuery
from growthgraph.api.permissions import AccessControl
from growthgraph.api.privacy.mutations import PrivacyMutation
from growthgraph.api.privacy.queries import PrivacyQuery
from growthgraph.api.referrals.queries import ReferralsQuery
from growthgraph.api.rewards.mutations import RewardsMutation
from growthgraph.api.rewards.queries import RewardsQuery
from growthgraph.api.sources.mutations import SourcesMutation
from growthgraph.api.sources.queries import SourcesQuery
from growthgraph.api.structure.mutations import StructureMutation
from growthgraph.api.structure.queries import StructureQuery
from growthgraph.api.telemetry import Metrics
from growthgraph.api.users.mutations import UsersMutation
from growthgraph.api.users.queries import UsersQuery
from growthgraph.config import Settings
from growthgraph.errors import RequestTimeoutError

CACHE_SIZE = 1024

# Each domain contributes its root fields; the schema lists them in this order.
QUERY_ROOTS: tuple[type, ...] = (
    UsersQuery,
    SourcesQuery,
    ReferralsQuery,
    GrowthQuery,
    CascadesQuery,
    RewardsQuery,
    NetworkQuery,
    FraudQuery,
    StructureQuery,
    PrivacyQuery,
)
MUTATION_ROOTS: tuple[type, ...] = (
    SourcesMutation,
    UsersMutation,
    EventsMutation,
    RewardsMutation,
    NetworkMutation,
    StructureMutation,
    PrivacyMutation,
    FraudMutation,
)


def extensions(
    settings: Settings, metrics: Metrics | None = None
) -> list[Callable[[], SchemaExtension]]:
    # The limit rules are classes made once: the validation cache is keyed by the rules, so a
    # class made per request would make every request miss it.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: CostLimiter(settings.max_cost, settings.page_size),
        lambda: AccessControl(settings.public_aggregates),
    ]
    if not settings.introspection_enabled:
        factories.append(DisableIntrospection)
    if metrics is not None:
        factories.append(lambda: OperationMetrics(metrics))
    return factories


class GrowthGraphSchema(strawberry.Schema):
    """Errors a client caused (invalid documents, refused arguments) are answers, not incidents:
    they are not logged. Unexpected ones are masked and logged once, by ``code_errors``, on every
    path out of ``execute`` (including errors raised inside other extensions)."""

    metrics: Metrics | None = None
    request_timeout_s: float | None = None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        try:
            async with asyncio.timeout(self.request_timeout_s):
                result = await super().execute(
                    query,
                    variable_values,
                    context_value,
                    root_value,
                    operation_name,
                    allowed_operation_types,
                    operation_extensions,
                )
        except TimeoutError:
            timeout = RequestTimeoutError(
                f"The request ran longer than {self.request_timeout_s} s and was stopped"
            )
            result = ExecutionResult(
                data=None,
                errors=[GraphQLError(timeout.message, extensions=timeout.extensions)],
            )
        if result.errors:
            result.errors = code_errors(result.errors, self.metrics)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(settings: Settings, metrics: Metrics | None = None) -> strawberry.Schema:
    schema = GrowthGraphSchema(
        query=merge_types("Query", QUERY_ROOTS),
        mutation=merge_types("Mutation", MUTATION_ROOTS),
        extensions=extensions(settings, metrics),
        # Suggestions ("did you mean ...?") would let a caller map a hidden schema field by field.
        config=StrawberryConfig(disable_field_suggestions=True),
    )
    schema.metrics = metrics
    schema.request_timeout_s = settings.request_timeout
    return schema
