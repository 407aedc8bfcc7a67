"""The root Query and Mutation, merged from the modules of ``roots``, and ``build_schema``.
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

from growthgraph.access import AccessControl
from growthgraph.config import Settings
from growthgraph.cost import CostLimiter
from growthgraph.errors import RequestTimeoutError
from growthgraph.extensions import OperationMetrics, code_errors
from growthgraph.observability import Metrics
from growthgraph.roots.analytics import (
    AnalyticsMutation,
    AnalyticsQuery,
    RewardsMutation,
    RewardsQuery,
)
from growthgraph.roots.core import CoreMutation, CoreQuery
from growthgraph.roots.flags import FlagsMutation
from growthgraph.roots.network import NetworkMutation, NetworkQuery
from growthgraph.roots.privacy import PrivacyMutation, PrivacyQuery

CACHE_SIZE = 1024

# Each domain contributes a root type; add new ones here.
QUERY_ROOTS: tuple[type, ...] = (
    CoreQuery,
    AnalyticsQuery,
    RewardsQuery,
    NetworkQuery,
    PrivacyQuery,
)
MUTATION_ROOTS: tuple[type, ...] = (
    CoreMutation,
    AnalyticsMutation,
    RewardsMutation,
    NetworkMutation,
    PrivacyMutation,
    FlagsMutation,
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
        lambda: CostLimiter(settings.max_cost, settings.default_page_size),
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
    schema.request_timeout_s = settings.request_timeout_s
    return schema
