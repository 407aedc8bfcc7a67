"""A stable ``extensions.code`` on every error, masking of the unexpected ones (with the request id
the client can quote), and per-operation metrics.

Codes are documented in ``docs/errors.md``; the tests hold each one to its trigger.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from growthgraph.api.telemetry import Metrics, current_request_id
from growthgraph.errors import GrowthGraphError

log = logging.getLogger("growthgraph.errors")

INTERNAL = "INTERNAL_SERVER_ERROR"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
MASKED_MESSAGE = "Internal error."

# Limits enforced by graphql-core and Strawberry's own rules, recognised by their messages.
LIMIT_CODES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"exceeds maximum operation depth"), "QUERY_TOO_DEEP"),
    (re.compile(r"aliases found\. Allowed"), "TOO_MANY_ALIASES"),
    (re.compile(r"Document contains more than \d+ tokens"), "QUERY_TOO_LARGE"),
    (re.compile(r"nested too deeply"), "QUERY_TOO_DEEP"),
    (re.compile(r"introspection has been disabled"), "INTROSPECTION_DISABLED"),
)


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    # graphql-core wraps its own coercion errors (a missing variable) in a GraphQLError.
    return original is not None and not isinstance(original, GrowthGraphError | GraphQLError)


def _code_for(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    for pattern, limit_code in LIMIT_CODES:
        if pattern.search(error.message):
            return limit_code
    return PARSE_FAILED if isinstance(error, GraphQLSyntaxError) else VALIDATION_FAILED


def code_errors(errors: list[GraphQLError], metrics: Metrics | None = None) -> list[GraphQLError]:
    """Mask unexpected errors (logged once, with the request id) and give every error a code."""
    processed = [_process(error) for error in errors]
    if metrics is not None:
        for error in processed:
            metrics.errors.labels(str((error.extensions or {}).get("code"))).inc()
    return processed


def _process(error: GraphQLError) -> GraphQLError:
    if _unexpected(error):
        log.error(
            "unexpected error at %s",
            error.path,
            exc_info=error.original_error,
            extra={"code": INTERNAL, "path": error.path},
        )
        extensions: dict[str, object] = {"code": INTERNAL}
        request_id = current_request_id()
        if request_id is not None:
            extensions["requestId"] = request_id
        return GraphQLError(
            MASKED_MESSAGE,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
    code = _code_for(error)
    if (error.extensions or {}).get("code") != code:
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


class OperationMetrics(SchemaExtension):
    """Times every operation by type and name."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except RuntimeError:  # unparsable or ambiguous document
            kind = "unknown"
        name = context.operation_name or "anonymous"
        label = self.metrics.operation_label(name) if kind != "unknown" else "other"
        self.metrics.operation_seconds.labels(kind, label).observe(time.perf_counter() - started)
