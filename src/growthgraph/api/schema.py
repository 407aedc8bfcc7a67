"""The root Query and Mutation, merged from the domains' ``queries`` and ``mutations`` modules,
and ``build_schema``.
Extensions are passed as factories so each request gets fresh instances.

Before anything runs, a request goes through, in this order: the token limit (while parsing),
access control (the caller's role against the root fields: an anonymous caller is refused after
one linear pass), validation (graphql-core's rules with suggestions off, and linear depth and
alias limits), then the argument checks and the cost limit (both with the request's variables).
Every step is linear in the size of the document: fragments are analysed once each."""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    get_variable_values,
)
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.schema.schema import StreamResult, validate_document
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.types.scalar import ScalarDefinition
from strawberry.utils.aio import aclosing

from growthgraph.api.activity.mutations import ActivityMutation
from growthgraph.api.arguments import Pages, Site, argument_sites, check_sites
from growthgraph.api.cascades.queries import CascadesQuery
from growthgraph.api.compiled.extension import Plans, compiled_reads
from growthgraph.api.cost import Cost, compile_cost, refuse_cost
from growthgraph.api.documents import (
    MISSING_OPERATION_NAME,
    Chosen,
    alias_limit,
    depth_limit,
    operation_named,
    operations_of,
    validated_operation,
)
from growthgraph.api.events.mutations import EventsMutation
from growthgraph.api.extensions import VALIDATION_FAILED, OperationMetrics, code_errors
from growthgraph.api.fraud.mutations import FraudMutation
from growthgraph.api.fraud.queries import FraudQuery
from growthgraph.api.growth.queries import GrowthQuery
from growthgraph.api.live.subscriptions import LiveSubscription
from growthgraph.api.money.queries import MoneyQuery
from growthgraph.api.network.mutations import NetworkMutation
from growthgraph.api.network.queries import NetworkQuery
from growthgraph.api.permissions import AccessControl
from growthgraph.api.privacy.mutations import PrivacyMutation
from growthgraph.api.privacy.queries import PrivacyQuery
from growthgraph.api.referrals.queries import ReferralsQuery
from growthgraph.api.retention.queries import RetentionQuery
from growthgraph.api.rewards.mutations import RewardsMutation
from growthgraph.api.rewards.queries import RewardsQuery
from growthgraph.api.sources.mutations import SourcesMutation
from growthgraph.api.sources.queries import SourcesQuery
from growthgraph.api.structure.mutations import StructureMutation
from growthgraph.api.structure.queries import StructureQuery
from growthgraph.api.telemetry import Metrics
from growthgraph.api.users.mutations import UsersMutation
from growthgraph.api.users.queries import UsersQuery
from growthgraph.api.webhooks.mutations import WebhooksMutation
from growthgraph.api.webhooks.queries import WebhooksQuery
from growthgraph.config import Settings
from growthgraph.errors import BadUserInputError, RequestTimeoutError

CACHE_SIZE = 1024

# Each domain contributes its root fields; the schema lists them in this order.
QUERY_ROOTS: tuple[type, ...] = (
    UsersQuery,
    SourcesQuery,
    ReferralsQuery,
    GrowthQuery,
    RetentionQuery,
    MoneyQuery,
    CascadesQuery,
    RewardsQuery,
    NetworkQuery,
    FraudQuery,
    StructureQuery,
    PrivacyQuery,
    WebhooksQuery,
)
MUTATION_ROOTS: tuple[type, ...] = (
    SourcesMutation,
    UsersMutation,
    EventsMutation,
    ActivityMutation,
    RewardsMutation,
    NetworkMutation,
    StructureMutation,
    PrivacyMutation,
    FraudMutation,
    WebhooksMutation,
)


def hide_suggestions() -> None:
    """Turn graphql-core's "Did you mean ...?" off for every message it builds: unknown fields,
    arguments, types, enum values and input fields, in validation and in variable coercion.
    graphql-core's switch is the module constant ``did_you_mean.MAX_LENGTH`` (0: no
    suggestions); Strawberry's ``disable_field_suggestions`` covers only fields. Suggestions
    would let a caller map a schema it may not introspect."""
    switch = vars(importlib.import_module("graphql.pyutils.did_you_mean"))
    if "MAX_LENGTH" not in switch:  # pragma: no cover - a graphql-core without the switch
        raise RuntimeError("graphql-core has no did_you_mean.MAX_LENGTH: suggestions stay on")
    switch["MAX_LENGTH"] = 0


def _strawberry_parse(value: object) -> object:
    parse = DateTimeDefinition.parse_value
    assert parse is not None
    return parse(value)


def parse_instant(value: object) -> datetime:
    """The ``DateTime`` scalar's input: ISO 8601 text whose instant exists in UTC. An offset that
    pushes it past year 9999 or before year 1 (``9999-12-31T23:59:59-14:00``) is refused here,
    once for every argument and input field, as ``BAD_USER_INPUT``."""
    parsed = _strawberry_parse(value)  # Strawberry's own parsing, with its messages
    if not isinstance(parsed, datetime):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}".')
    if parsed.utcoffset() is not None:
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            refused = BadUserInputError(
                f'"{value}" is outside the supported range of instants '
                "(0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z)"
            )
            raise GraphQLError(refused.message, extensions=refused.extensions) from None
    return parsed


DATETIME = ScalarDefinition(
    name="DateTime",
    description="Date with time (isoformat)",
    specified_by_url=None,
    serialize=DateTimeDefinition.serialize,
    parse_value=parse_instant,
    parse_literal=None,
    origin=datetime,
)


ValidationKey = tuple[GraphQLSchema, DocumentNode, tuple[type[ASTValidationRule], ...]]


class CachedValidation:
    """Strawberry's validation (graphql-core's rules and its own), cached per document: the
    schema, the parsed document and the rules, each by identity (graphql-core's nodes hash and
    compare field by field, a walk of the whole document at every lookup; ``ParserCache`` gives
    the same text the same document object). Shared by the requests of one schema and by the
    worker threads that fill it."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._results: OrderedDict[
            tuple[int, int, tuple[type[ASTValidationRule], ...]],
            tuple[ValidationKey, list[GraphQLError]],
        ] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _slot(key: ValidationKey) -> tuple[int, int, tuple[type[ASTValidationRule], ...]]:
        schema, document, rules = key
        return id(schema), id(document), rules

    def known(self, key: ValidationKey) -> list[GraphQLError] | None:
        """The errors of a document validated before, or None."""
        slot = self._slot(key)
        with self._lock:
            found = self._results.get(slot)
            # The entry holds its document, so its id cannot be reused while it is cached.
            if found is None or found[0][1] is not key[1] or found[0][0] is not key[0]:
                return None
            self._results.move_to_end(slot)
            return found[1]

    def validate(self, key: ValidationKey) -> list[GraphQLError]:
        found = self.known(key)
        if found is not None:
            return found
        errors = validate_document(*key)
        with self._lock:
            self._results[self._slot(key)] = (key, errors)
            while len(self._results) > self._maxsize:
                self._results.popitem(last=False)
        return errors


class ThreadedValidation(SchemaExtension):
    """Validation, cached per document. A document seen before is answered at once; a new one is
    validated in a worker thread rather than on the event loop, so a large document never holds
    up other requests (``/healthz`` included)."""

    def __init__(self, cache: CachedValidation) -> None:
        self.cache = cache

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            # Strawberry offers no public accessor for the graphql-core schema it built.
            schema = context.schema._schema  # pyright: ignore[reportPrivateUsage]
            key: ValidationKey = (schema, document, tuple(context.validation_rules))
            errors = self.cache.known(key)
            if errors is None:
                errors = await asyncio.to_thread(self.cache.validate, key)
            context.pre_execution_errors = errors  # Strawberry then skips its own validation
        yield


@dataclass(frozen=True, slots=True)
class Prepared:
    """What the checks before execution need of one operation of one document, found by one
    walk of it: the fields whose arguments are checked, and the cost as a function of the
    variables."""

    chosen: Chosen
    sites: list[Site]
    cost: Cost


class PreparedChecks:
    """:class:`Prepared` per document and operation, shared by the requests of one schema (a
    parsed document is the same object for the same text: ``ParserCache``)."""

    def __init__(self, maxsize: int, default_page_size: int) -> None:
        self._maxsize = maxsize
        self._default_page_size = default_page_size
        self._prepared: OrderedDict[int, Prepared] = OrderedDict()

    def of(self, schema: GraphQLSchema, chosen: Chosen) -> Prepared:
        # Keyed by identity: graphql-core's nodes hash and compare field by field, a walk of
        # the whole document each time; the entry keeps its operation alive, so the id stays its.
        key = id(chosen.operation)
        found = self._prepared.get(key)
        if found is not None and found.chosen.operation is chosen.operation:
            self._prepared.move_to_end(key)
            return found
        prepared = Prepared(
            chosen=chosen,
            sites=argument_sites(schema, chosen),
            cost=compile_cost(schema, chosen, self._default_page_size),
        )
        self._prepared[key] = prepared
        while len(self._prepared) > self._maxsize:
            self._prepared.popitem(last=False)
        return prepared


class PreExecutionChecks(SchemaExtension):
    """After validation, with the request's variables: every argument range (``BAD_USER_INPUT``),
    then the cost (``QUERY_TOO_COMPLEX``). The document is walked once (:class:`PreparedChecks`);
    a request evaluates what the walk found with its variables."""

    def __init__(self, settings: Settings, prepared: PreparedChecks) -> None:
        self.pages = Pages(default=settings.page_size, maximum=settings.max_page_size)
        self.max_cost = settings.max_cost
        self.prepared = prepared

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        chosen = validated_operation(context)
        if chosen is None:
            return
        # Strawberry offers no public accessor for the graphql-core schema it built.
        schema = context.schema._schema  # pyright: ignore[reportPrivateUsage]
        variables = get_variable_values(
            schema, chosen.operation.variable_definitions or (), context.variables or {}
        )
        if isinstance(variables, list):
            return  # ill-typed variables: execution refuses them, with their own messages
        prepared = self.prepared.of(schema, chosen)
        check_sites(prepared.sites, variables, self.pages)
        refuse_cost(prepared.cost.evaluate(variables.coerced), self.max_cost)


def extensions(
    settings: Settings, metrics: Metrics | None = None
) -> list[Callable[[], SchemaExtension]]:
    # The limit rules are classes made once: the validation cache is keyed by the rules, so a
    # class made per request would make every request miss it.
    limit_rules: list[type[ASTValidationRule]] = [
        depth_limit(settings.max_query_depth),
        alias_limit(settings.max_aliases),
    ]
    validation = CachedValidation(CACHE_SIZE)
    prepared = PreparedChecks(CACHE_SIZE, settings.page_size)
    # Order matters: access control runs before validation (its check is on the way in), the
    # other checks after it (on the way out).
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: AddValidationRules(limit_rules),
        lambda: AccessControl(settings.public_aggregates),
        lambda: ThreadedValidation(validation),
        lambda: PreExecutionChecks(settings, prepared),
    ]
    if not settings.introspection_enabled:
        factories.append(DisableIntrospection)
    if metrics is not None:
        factories.append(lambda: OperationMetrics(metrics))
    if settings.compiled_reads:
        # Last: it answers at the start of execution, once every check has passed.
        plans = Plans(CACHE_SIZE)
        factories.append(
            lambda: compiled_reads(
                plans,
                settings.page_size,
                settings.max_page_size,
                counters=settings.referral_counters,
            )
        )
    return factories


class Execution(ExecutionContext):
    """Strawberry's execution context, choosing the operation as the spec's GetOperation does:
    with no ``operationName``, a document of several operations has no operation to run (rather
    than Strawberry's "the first one"), and the request is refused."""

    @property
    def operation_name(self) -> str | None:
        provided: str | None = self._provided_operation_name
        if provided is not None or self.graphql_document is None:
            return provided
        operations = operations_of(self.graphql_document)
        if len(operations) == 1 and operations[0].name is not None:
            return operations[0].name.value
        return None

    @property
    def operation_type(self) -> OperationType:
        if self.graphql_document is None:
            raise RuntimeError("No GraphQL document available")
        operation = operation_named(self.graphql_document, self._provided_operation_name)
        if operation is None:
            raise RuntimeError("No operation to run")
        return OperationType(operation.operation.value)


class GrowthGraphSchema(strawberry.Schema):
    """Errors a client caused (invalid documents, refused arguments) are answers, not incidents:
    they are not logged. Unexpected ones are masked and logged once, by ``code_errors``, on every
    path out of ``execute`` (including errors raised inside other extensions)."""

    metrics: Metrics | None = None
    request_timeout_s: float | None = None

    def _create_execution_context(
        self,
        query: str | None,
        allowed_operation_types: Iterable[OperationType],
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionContext:
        return Execution(
            query=query,
            schema=self,
            allowed_operations=allowed_operation_types,
            context=context_value,
            root_value=root_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            operation_extensions=operation_extensions,
        )

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
        except CannotGetOperationTypeError as error:
            # No operation to run: a request error like a validation failure, answered as one.
            message = (
                MISSING_OPERATION_NAME
                if error.operation_name is None
                else f'The document has no operation named "{error.operation_name}".'
            )
            result = ExecutionResult(
                data=None,
                errors=[GraphQLError(message, extensions={"code": VALIDATION_FAILED})],
            )
        if result.errors:
            result.errors = code_errors(result.errors, self.metrics)
        return result

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Over a WebSocket only subscriptions run (queries and mutations go over HTTP, with
        its guards and idempotency), and every result's errors are coded and masked as over
        HTTP."""
        results = await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            (OperationType.SUBSCRIPTION,),
        )
        return self._coded(results)

    async def _coded(self, results: StreamResult) -> StreamResult:
        async with aclosing(results):
            try:
                async for result in results:
                    if isinstance(result, ExecutionResult) and result.errors:
                        result.errors = code_errors(result.errors, self.metrics)
                    yield result
            except Exception as error:
                # A refusal raised before execution (an argument out of range, access control):
                # the operation's error, with its code, as over HTTP.
                refused = GraphQLError(str(error), original_error=error)
                yield PreExecutionError(data=None, errors=code_errors([refused], self.metrics))

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None


def build_schema(settings: Settings, metrics: Metrics | None = None) -> strawberry.Schema:
    hide_suggestions()
    schema = GrowthGraphSchema(
        query=merge_types("Query", QUERY_ROOTS),
        mutation=merge_types("Mutation", MUTATION_ROOTS),
        subscription=merge_types("Subscription", (LiveSubscription,)),
        extensions=extensions(settings, metrics),
        # Suggestions ("did you mean ...?") would let a caller map a hidden schema field by field.
        config=StrawberryConfig(disable_field_suggestions=True),
        scalar_overrides={datetime: DATETIME},
    )
    schema.metrics = metrics
    schema.request_timeout_s = settings.request_timeout
    return schema
