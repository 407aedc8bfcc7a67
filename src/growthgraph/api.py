"""The root Query and Mutation, merged from the modules of ``roots``, and ``build_schema``.
Extensions are passed as factories so each request gets fresh instances."""

from __future__ import annotations

import logging
from collections.abc import Callable

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from growthgraph.config import Settings
from growthgraph.errors import GrowthGraphError
from growthgraph.roots.analytics import (
    AnalyticsMutation,
    AnalyticsQuery,
    RewardsMutation,
    RewardsQuery,
)
from growthgraph.roots.core import CoreMutation, CoreQuery

log = logging.getLogger("growthgraph.errors")

CACHE_SIZE = 1024

# Each domain contributes a root type; add new ones here.
QUERY_ROOTS: tuple[type, ...] = (CoreQuery, AnalyticsQuery, RewardsQuery)
MUTATION_ROOTS: tuple[type, ...] = (CoreMutation, AnalyticsMutation, RewardsMutation)


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; keep GraphQL's own errors and ours, which carry a code."""
    original = error.original_error
    if original is None or isinstance(original, GrowthGraphError):
        return False
    log.error("unexpected error at %s", error.path, exc_info=original)
    return True


def extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=should_mask, error_message="Internal error."),
    ]


class GrowthGraphSchema(strawberry.Schema):
    """Errors a client caused (invalid documents, refused arguments) are answers, not incidents:
    they are not logged. Unexpected ones are logged once, by ``should_mask``."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(settings: Settings) -> strawberry.Schema:
    return GrowthGraphSchema(
        query=merge_types("Query", QUERY_ROOTS),
        mutation=merge_types("Mutation", MUTATION_ROOTS),
        extensions=extensions(settings),
    )
