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
from dataclasses import dataclass
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


# --- the walk, once per document -------------------------------------------------------------
# The cost depends on the request's variables only through the size arguments that name one, so
# the document is walked once into a small expression (:class:`Cost`) that a request evaluates
# with its variables: a sum of terms, each a multiplier (a chain of :data:`Step`) times one plus
# the cost of its selection, fragments shared by name and evaluated once per request.

Step = tuple[int | None, str | None]
"""One place a multiplier may come from: a constant (``(n, None)``) or a variable (``(None,
name)``, used when the request gives it an integer)."""


@dataclass(frozen=True, slots=True)
class Term:
    steps: tuple[Step, ...]
    fallback: int
    inner: Selection


@dataclass(frozen=True, slots=True)
class Selection:
    constant: int  # the terms that depend on no variable, summed (fragments excluded)
    terms: tuple[Term, ...]  # the ones that do
    spreads: tuple[str, ...]  # fragments spread here, added by name


@dataclass(frozen=True, slots=True)
class Cost:
    """An operation's cost as a function of its variables."""

    root: Selection
    fragments: dict[str, Selection]

    def evaluate(self, variables: Mapping[str, Any]) -> int:
        known: dict[str, int] = {}
        for name, selection in self.fragments.items():  # dependencies first
            known[name] = _evaluate(selection, variables, known)
        return _evaluate(self.root, variables, known)


def _evaluate(selection: Selection, variables: Mapping[str, Any], known: Mapping[str, int]) -> int:
    total = selection.constant
    for term in selection.terms:
        total += _multiplier(term, variables) * (1 + _evaluate(term.inner, variables, known))
    for name in selection.spreads:
        total += known.get(name, 0)
    return total


def _multiplier(term: Term, variables: Mapping[str, Any]) -> int:
    for constant, variable in term.steps:
        if constant is not None:
            return max(constant, 0)
        given = variables.get(variable or "")
        if isinstance(given, int) and not isinstance(given, bool):
            return max(given, 0)
    return term.fallback


class CostCompiler(Coster):
    """Walks an operation once into a :class:`Cost`, with the same rules as :class:`Coster`."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        default_page_size: int,
    ) -> None:
        super().__init__(schema, fragments, {}, default_page_size)

    def compile(self, operation: OperationDefinitionNode) -> Cost:
        compiled: dict[str, Selection] = {}
        for name in fragment_order([operation.selection_set], self.fragments):
            fragment = self.fragments[name]
            target = self.schema.get_type(fragment.type_condition.name.value)
            compiled[name] = self.compile_selection(target, fragment.selection_set)
        root = self.schema.get_root_type(operation.operation)
        return Cost(self.compile_selection(root, operation.selection_set), compiled)

    def compile_selection(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode | None
    ) -> Selection:
        constant = 0
        terms: list[Term] = []
        spreads: list[str] = []
        pending = [] if selection_set is None else [(parent, selection_set)]
        while pending:
            current, nodes = pending.pop()
            for node in nodes.selections:
                if isinstance(node, FieldNode):
                    term = self.compile_field(current, node)
                    if _is_constant(term):
                        constant += term.fallback * (1 + term.inner.constant)
                    else:
                        terms.append(term)
                elif isinstance(node, InlineFragmentNode):
                    target = current
                    if node.type_condition is not None:
                        target = self.schema.get_type(node.type_condition.name.value)
                    pending.append((target, node.selection_set))
                elif isinstance(node, FragmentSpreadNode):
                    spreads.append(node.name.value)
        return Selection(constant, tuple(terms), tuple(spreads))

    def compile_field(self, parent: GraphQLNamedType | None, node: FieldNode) -> Term:
        definition = field_of(parent, node.name.value)
        child: GraphQLNamedType | None = None
        if definition is not None:
            child = get_named_type(definition.type)  # pyright: ignore[reportUnknownArgumentType]  graphql-core types GraphQLList generically
        inner = self.compile_selection(child, node.selection_set)
        steps: list[Step] = []
        for name in SIZE_ARGUMENTS:
            steps += self.steps(node, definition, name)
            if steps and steps[-1][0] is not None:
                break
        fallback = 1
        if child is not None and child.name.endswith(CONNECTION_SUFFIX):
            fallback = self.default_page_size
        if not any(variable is not None for _, variable in steps):
            # No variable decides the multiplier: fold it into the fallback.
            fallback = max(steps[-1][0] or 0, 0) if steps else fallback
            steps = []
        return Term(tuple(steps), fallback, inner)

    def steps(self, node: FieldNode, definition: GraphQLField | None, name: str) -> list[Step]:
        found: list[Step] = []
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                found.append((int(value.value), None))
                return found
            if isinstance(value, VariableNode):
                found.append((None, value.name.value))
        if definition is not None and name in definition.args:
            default = definition.args[name].default_value
            if isinstance(default, int) and not isinstance(default, bool):
                found.append((default, None))
        return found


def _is_constant(term: Term) -> bool:
    inner = term.inner
    return not term.steps and not inner.terms and not inner.spreads


def compile_cost(schema: GraphQLSchema, chosen: Chosen, default_page_size: int) -> Cost:
    """The operation's cost as a function of its variables, from one walk of the document."""
    return CostCompiler(schema, chosen.fragments, default_page_size).compile(chosen.operation)


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    default_page_size: int,
) -> int:
    return Coster(schema, fragments, variables, default_page_size).operation(operation)


def refuse_cost(cost: int, max_cost: int) -> None:
    """Refuse the operation with ``QUERY_TOO_COMPLEX`` when its cost exceeds ``max_cost``."""
    if cost > max_cost:
        shown = str(cost) if cost < 10**15 else f"about 10^{len(str(cost)) - 1}"
        raise QueryTooComplexError(
            f"The query's estimated cost is {shown}, above the limit of {max_cost}. "
            "Ask for smaller pages (`first`, `limit`) or fewer nested lists."
        )


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
    refuse_cost(cost, max_cost)
