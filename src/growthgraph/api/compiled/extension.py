"""Where compiled reads run: a schema extension that, at the start of execution, answers an
operation that compiles from its plan (cached per document and operation) and leaves every
other one, and every one whose compiled answer cannot stand (see ``shapes.FallbackError``), to
graphql-core's execution. A failure of the database is answered as the general path answers
it (see :func:`run`)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    get_argument_values,
    get_variable_values,
    located_error,
)
from graphql.execution.values import VariableValues
from strawberry.extensions import SchemaExtension

from growthgraph.api.compiled.compiler import Limits, NotCompiledError, Plan, compile_operation
from growthgraph.api.context import Context
from growthgraph.api.documents import Chosen, validated_operation
from growthgraph.api.permissions import MASK, current_role
from growthgraph.config import Role
from growthgraph.errors import GrowthGraphError
from growthgraph.graph import projection
from growthgraph.graph.database import Database

log = logging.getLogger("growthgraph.compiled")


class Plans:
    """The plan of each operation, or None for one that does not compile, by the operation's
    identity (a parsed document is the same object for the same text: ``ParserCache``)."""

    def __init__(self, maxsize: int) -> None:
        self._maxsize = maxsize
        self._plans: OrderedDict[int, tuple[Chosen, Plan | None]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, schema: GraphQLSchema, chosen: Chosen) -> Plan | None:
        key = id(chosen.operation)
        with self._lock:
            found = self._plans.get(key)
            if found is not None and found[0].operation is chosen.operation:
                self._plans.move_to_end(key)
                return found[1]
        try:
            plan: Plan | None = compile_operation(schema, chosen)
        except NotCompiledError:
            plan = None
        with self._lock:
            self._plans[key] = (chosen, plan)
            while len(self._plans) > self._maxsize:
                self._plans.popitem(last=False)
        return plan


async def run(
    plan: Plan, db: Database, variables: VariableValues, limits: Limits
) -> ExecutionResult:
    """Each root field's statement run and its rows shaped. When the database fails (it cannot
    be reached, the statement timed out) the answer is the general path's: the error at that
    root field, which is null, and so is ``data`` when the field may not be; the general path
    would only meet the same failure again, and a client would wait twice as long for it."""
    data: dict[str, Any] = {}
    errors: list[GraphQLError] = []
    admin = current_role() is Role.ADMIN
    for root in plan.roots:
        if root.statement is None:
            data[root.key] = root.constant
            continue
        params: dict[str, object] = {projection.ADMIN: admin, projection.MASK: MASK}
        for site in root.sites:
            site.fill(get_argument_values(site.definition, site.node, variables), params, limits)
        try:
            rows = await projection.values(db, root.statement, params)
        except GrowthGraphError as failure:
            errors.append(located_error(failure, list(root.nodes), [root.key]))
            if root.many:  # a page is never null: its null makes the whole answer null
                return ExecutionResult(data=None, errors=errors)
            data[root.key] = None
            continue
        data[root.key] = root.shape(rows)
    return ExecutionResult(data=data, errors=errors or None)


class CompiledReads(SchemaExtension):
    """Answers a compiled operation before graphql-core would execute it."""

    def __init__(self, plans: Plans, limits: Limits) -> None:
        self.plans = plans
        self.limits = limits

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        chosen = validated_operation(context) if context.result is None else None
        request = context.context
        if chosen is not None and isinstance(request, Context):
            # Strawberry offers no public accessor for the graphql-core schema it built.
            schema = context.schema._schema  # pyright: ignore[reportPrivateUsage]
            plan = self.plans.of(schema, chosen)
            if plan is not None:
                variables = get_variable_values(
                    schema, chosen.operation.variable_definitions or (), context.variables or {}
                )
                if not isinstance(variables, list):
                    try:
                        result = await run(plan, request.db, variables, self.limits)
                    except Exception:  # the general path answers, with its own errors
                        log.debug("compiled read fell back", exc_info=True)
                    else:
                        context.result = result
        yield


def compiled_reads(
    plans: Plans, default_page_size: int, max_page_size: int, *, counters: bool = True
) -> CompiledReads:
    return CompiledReads(
        plans, Limits(default=default_page_size, maximum=max_page_size, counters=counters)
    )
