"""Query cost analysis, run after validation and before anything touches the database.

The cost of a selection is the sum over its fields of ``multiplier * (1 + cost of the field's own
selection)``. The multiplier is the field's list size: the value of its ``first`` or ``limit``
argument, whether written inline or passed as a variable (``first: $n`` costs the variable's
value), else the argument's schema default, else the default page size for a connection, else 1.
Fragments are costed where they are spread, and all type conditions are added (an upper bound).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from growthgraph.api.documents import validated_operations
from growthgraph.errors import QueryTooComplexError

SIZE_ARGUMENTS = ("first", "limit")
CONNECTION_SUFFIX = "Connection"
# Deeper fragment chains than this are refused by validation anyway; this guards the recursion.
MAX_NESTING = 64


class _Coster:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        default_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page_size = default_page_size

    def selection(
        self,
        parent: GraphQLNamedType | None,
        selection_set: SelectionSetNode | None,
        spreads: frozenset[str] = frozenset(),
        nesting: int = 0,
    ) -> int:
        if selection_set is None or nesting > MAX_NESTING:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node, spreads, nesting)
            elif isinstance(node, InlineFragmentNode):
                target = parent
                if node.type_condition is not None:
                    target = self.schema.get_type(node.type_condition.name.value)
                total += self.selection(target, node.selection_set, spreads, nesting + 1)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spreads:  # cycles are refused by validation
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selection(
                    target, fragment.selection_set, spreads | {name}, nesting + 1
                )
        return total

    def field(
        self,
        parent: GraphQLNamedType | None,
        node: FieldNode,
        spreads: frozenset[str],
        nesting: int,
    ) -> int:
        definition = _field_of(parent, node.name.value)
        child: GraphQLNamedType | None = None
        if definition is not None:
            child = get_named_type(definition.type)  # pyright: ignore[reportUnknownArgumentType]  graphql-core types GraphQLList generically
        inner = self.selection(child, node.selection_set, spreads, nesting + 1)
        return self.multiplier(node, definition, child) * (1 + inner)

    def multiplier(
        self, node: FieldNode, definition: GraphQLField | None, child: GraphQLNamedType | None
    ) -> int:
        for name in SIZE_ARGUMENTS:
            value = self.argument(node, definition, name)
            if value is not None:
                return max(value, 0)
        if child is not None and child.name.endswith(CONNECTION_SUFFIX):
            return self.default_page_size
        return 1

    def argument(self, node: FieldNode, definition: GraphQLField | None, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return given
        if definition is not None and name in definition.args:
            default = definition.args[name].default_value
            if isinstance(default, int) and not isinstance(default, bool):
                return default
        return None


def _field_of(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    default_page_size: int,
) -> int:
    root = schema.get_root_type(operation.operation)
    coster = _Coster(schema, fragments, variables, default_page_size)
    return coster.selection(root, operation.selection_set)


class CostLimiter(SchemaExtension):
    """Refuses an operation whose cost exceeds ``max_cost`` with ``QUERY_TOO_COMPLEX``."""

    def __init__(self, max_cost: int, default_page_size: int) -> None:
        self.max_cost = max_cost
        self.default_page_size = default_page_size

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        chosen = validated_operations(context)
        if chosen is None:
            return
        fragments = chosen.fragments
        # Strawberry offers no public accessor for the graphql-core schema it built.
        schema = context.schema._schema  # pyright: ignore[reportPrivateUsage]
        variables = context.variables or {}
        for operation in chosen.operations[:1]:
            cost = operation_cost(schema, operation, fragments, variables, self.default_page_size)
            if cost > self.max_cost:
                raise QueryTooComplexError(
                    f"The query's estimated cost is {cost}, above the limit of {self.max_cost}. "
                    "Ask for smaller pages (`first`, `limit`) or fewer nested lists."
                )
