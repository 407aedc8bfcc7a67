"""Query cost analysis, run after validation and before anything touches the database.

The cost of a selection is the sum over its fields of ``multiplier * (1 + cost of the field's own
selection)``. The multiplier is the field's list size: the value of its ``first`` or ``limit``
argument, whether written inline or passed as a variable (``first: $n`` costs the variable's
value), else the argument's schema default, else the default page size for a connection, else 1.
Fragments are costed where they are spread, and all type conditions are added (an upper bound).

A fragment's cost does not depend on where it is spread, so each fragment is costed once,
fragments it spreads first (``documents.fragment_order``), and every spread adds that number:
the analysis is linear in the document however often fragments spread each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from growthgraph.api.documents import Chosen, field_of, fragment_order
from growthgraph.errors import QueryTooComplexError

SIZE_ARGUMENTS = ("first", "limit")
CONNECTION_SUFFIX = "Connection"


class Coster:
    """Costs selections; each fragment once (:meth:`fragment`), read at every spread."""

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
        self.fragment_costs: dict[str, int] = {}

    def operation(self, operation: OperationDefinitionNode) -> int:
        for name in fragment_order([operation.selection_set], self.fragments):
            self.fragment_costs[name] = self.fragment(self.fragments[name])
        return self.selection(
            self.schema.get_root_type(operation.operation), operation.selection_set
        )

    def fragment(self, fragment: FragmentDefinitionNode) -> int:
        """A fragment's cost; the fragments it spreads are costed already."""
        target = self.schema.get_type(fragment.type_condition.name.value)
        return self.selection(target, fragment.selection_set)

    def selection(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode | None
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node)
            elif isinstance(node, InlineFragmentNode):
                target = parent
                if node.type_condition is not None:
                    target = self.schema.get_type(node.type_condition.name.value)
                total += self.selection(target, node.selection_set)
            elif isinstance(node, FragmentSpreadNode):  # unknown or cyclic: refused by validation
                total += self.fragment_costs.get(node.name.value, 0)
        return total

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> int:
        definition = field_of(parent, node.name.value)
        child: GraphQLNamedType | None = None
        if definition is not None:
            child = get_named_type(definition.type)  # pyright: ignore[reportUnknownArgumentType]  graphql-core types GraphQLList generically
        inner = self.selection(child, node.selection_set)
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


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    default_page_size: int,
) -> int:
    return Coster(schema, fragments, variables, default_page_size).operation(operation)


def check_cost(
    schema: GraphQLSchema,
    chosen: Chosen,
    variables: Mapping[str, Any],
    *,
    max_cost: int,
    default_page_size: int,
) -> None:
    """Refuse the operation with ``QUERY_TOO_COMPLEX`` when its cost exceeds ``max_cost``."""
    cost = operation_cost(schema, chosen.operation, chosen.fragments, variables, default_page_size)
    if cost > max_cost:
        shown = str(cost) if cost < 10**15 else f"about 10^{len(str(cost)) - 1}"
        raise QueryTooComplexError(
            f"The query's estimated cost is {shown}, above the limit of {max_cost}. "
            "Ask for smaller pages (`first`, `limit`) or fewer nested lists."
        )
