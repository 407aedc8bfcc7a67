"""The parts of a GraphQL document that checks before execution need: the one operation that
will run and the fragments of the document, and the order in which to analyse fragments so that
every analysis is linear in the size of the document.

A fragment can be spread many times, and each spread fragment can spread others: a document of
a few hundred tokens can stand for 2^190 fields. Every analysis here therefore computes a value
per fragment once, dependencies first (:func:`fragment_order`), and reads that value at each
spread; none of them expands a fragment where it is spread.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.types import ExecutionContext

MISSING_OPERATION_NAME = (
    "No operation to run: a document of several operations needs `operationName` to name one "
    "(and a document needs at least one)."
)


@dataclass(frozen=True, slots=True)
class Chosen:
    """The operation that runs and every fragment definition of its document."""

    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]


def operations_of(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def operation_named(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation ``operation_name`` selects, as the spec's GetOperation does: the named one,
    or the only one when no name is given. None when there is no such operation, or when the
    document holds several and no name says which (never "the first")."""
    operations = operations_of(document)
    if operation_name is None:
        return operations[0] if len(operations) == 1 else None
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    return None


def chosen_operation(document: DocumentNode, operation_name: str | None) -> Chosen | None:
    operation = operation_named(document, operation_name)
    if operation is None:
        return None
    return Chosen(operation=operation, fragments=fragments_of(document))


def validated_operation(context: ExecutionContext) -> Chosen | None:
    """The operation of a document that parsed and validated; None otherwise (the errors
    already found are the answer, and no later check needs to run)."""
    document = context.graphql_document
    if document is None or context.pre_execution_errors:
        return None
    return chosen_operation(document, context.operation_name)


def spreads_in(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """The names of the fragments spread directly in a selection set (inline fragments and
    fields looked into, spread fragments not)."""
    pending = [selection_set]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        for node in current.selections:
            if isinstance(node, FragmentSpreadNode):
                yield node.name.value
            elif isinstance(node, FieldNode | InlineFragmentNode):
                pending.append(node.selection_set)


def fragment_order(
    roots: Iterable[SelectionSetNode | None], fragments: Mapping[str, FragmentDefinitionNode]
) -> list[str]:
    """Every fragment reachable from ``roots``, each once, a fragment after every fragment it
    spreads (post-order). Unknown fragments are left out; a cycle (refused by validation) is
    broken where it closes, so the analyses still end."""
    order: list[str] = []
    state: dict[str, bool] = {}  # False: being visited, True: done
    for root in roots:
        for start in spreads_in(root):
            if start in state or start not in fragments:
                continue
            state[start] = False
            stack: list[tuple[str, Iterator[str]]] = [
                (start, spreads_in(fragments[start].selection_set))
            ]
            while stack:
                name, children = stack[-1]
                child = next(children, None)
                if child is None:
                    stack.pop()
                    state[name] = True
                    order.append(name)
                elif child not in state and child in fragments:
                    state[child] = False
                    stack.append((child, spreads_in(fragments[child].selection_set)))
    return order


# --- depth and aliases: validation rules, each linear in the document ------------------------


def selection_depth(
    selection_set: SelectionSetNode | None, fragment_depths: Mapping[str, int]
) -> int:
    """How many fields with a selection of their own nest in ``selection_set``: a leaf counts 0,
    a field with a selection 1 + the depth of its selection; introspection fields (``__...``)
    are not counted. A spread counts its fragment's depth, looked up, never re-walked."""
    if selection_set is None:
        return 0
    deepest = 0
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            if node.selection_set is None or node.name.value.startswith("__"):
                continue
            depth = 1 + selection_depth(node.selection_set, fragment_depths)
        elif isinstance(node, InlineFragmentNode):
            depth = selection_depth(node.selection_set, fragment_depths)
        elif isinstance(node, FragmentSpreadNode):
            depth = fragment_depths.get(node.name.value, 0)
        else:
            continue
        deepest = max(deepest, depth)
    return deepest


def selection_aliases(
    selection_set: SelectionSetNode | None, fragment_aliases: Mapping[str, int]
) -> int:
    """How many aliased fields ``selection_set`` stands for, a fragment counted at every spread
    (by its looked-up count: a fragment spread twice counts twice)."""
    if selection_set is None:
        return 0
    total = 0
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            total += (node.alias is not None) + selection_aliases(
                node.selection_set, fragment_aliases
            )
        elif isinstance(node, InlineFragmentNode):
            total += selection_aliases(node.selection_set, fragment_aliases)
        elif isinstance(node, FragmentSpreadNode):
            total += fragment_aliases.get(node.name.value, 0)
    return total


def operation_depths(document: DocumentNode) -> dict[OperationDefinitionNode, int]:
    """The depth of every operation of the document; each fragment's depth computed once."""
    fragments = fragments_of(document)
    operations = operations_of(document)
    depths: dict[str, int] = {}
    for name in fragment_order((op.selection_set for op in operations), fragments):
        depths[name] = selection_depth(fragments[name].selection_set, depths)
    return {op: selection_depth(op.selection_set, depths) for op in operations}


def alias_count(document: DocumentNode) -> int:
    """Aliased fields of every operation of the document, fragments expanded (by arithmetic:
    each fragment's count is computed once)."""
    fragments = fragments_of(document)
    operations = operations_of(document)
    counts: dict[str, int] = {}
    for name in fragment_order((op.selection_set for op in operations), fragments):
        counts[name] = selection_aliases(fragments[name].selection_set, counts)
    return sum(selection_aliases(op.selection_set, counts) for op in operations)


def depth_limit(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing an operation nested deeper than ``max_depth`` (the message is
    the one ``extensions.LIMIT_CODES`` codes ``QUERY_TOO_DEEP``)."""

    class DepthLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for operation, depth in operation_depths(context.document).items():
                if depth > max_depth:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {max_depth}", operation
                        )
                    )

    return DepthLimit


def alias_limit(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing a document with more than ``max_aliases`` aliased fields."""

    class AliasLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            total = alias_count(context.document)
            if total > max_aliases:
                context.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}"))

    return AliasLimit


def field_of(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    """The definition of field ``name`` on an object or interface type; None elsewhere."""
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None
