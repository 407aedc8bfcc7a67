"""Pre-execution analyses stay linear in the document however fragments fan out (issue 15.1):
each fragment is analysed once, by depth and alias limits, cost, root fields and argument checks,
and the numbers they give for a fan-out document are exact."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, GraphQLSchema, parse, validate
from graphql.execution.values import VariableValues

from growthgraph.api import arguments, cost
from growthgraph.api.arguments import Pages, check_arguments
from growthgraph.api.cost import Coster, operation_cost
from growthgraph.api.documents import (
    Chosen,
    alias_count,
    alias_limit,
    chosen_operation,
    depth_limit,
    fragment_order,
    fragments_of,
    operation_depths,
    operation_named,
)
from growthgraph.api.permissions import root_fields
from growthgraph.api.schema import build_schema
from growthgraph.config import Settings
from growthgraph.errors import BadUserInputError, QueryTooComplexError


def fan_out(levels: int, leaf: str = "__typename") -> str:
    """Each of ``levels`` fragments spreads the next one twice: 2^levels leaves."""
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Query {{ {leaf} }}")
    return "query Fan { ...F0 } " + " ".join(fragments)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    built = build_schema(Settings(demo_data=False))
    return built._schema  # pyright: ignore[reportPrivateUsage]


def chosen(document: str, name: str | None = None) -> Chosen:
    found = chosen_operation(parse(document), name)
    assert found is not None
    return found


def test_fragment_order_lists_each_reachable_fragment_once_dependencies_first() -> None:
    document = parse(fan_out(190))
    order = fragment_order([chosen(fan_out(190)).operation.selection_set], fragments_of(document))
    assert order == [f"F{i}" for i in range(190, -1, -1)]
    cyclic = parse("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A __typename }")
    assert sorted(
        fragment_order([chosen("{ ...A }").operation.selection_set], fragments_of(cyclic))
    ) == [
        "A",
        "B",
    ]


def test_the_coster_costs_each_fragment_once(
    monkeypatch: pytest.MonkeyPatch, schema: GraphQLSchema
) -> None:
    visits: Counter[str] = Counter()
    original = Coster.fragment

    def counted(self: Coster, fragment: FragmentDefinitionNode) -> int:
        visits[fragment.name.value] += 1
        return original(self, fragment)

    monkeypatch.setattr(Coster, "fragment", counted)
    found = chosen(fan_out(190))
    assert operation_cost(schema, found.operation, found.fragments, {}, 20) == 2**190
    assert visits == Counter({f"F{i}": 1 for i in range(191)})


def test_cost_of_a_fan_out_of_lists_is_exact(schema: GraphQLSchema) -> None:
    found = chosen(fan_out(30, "users(first: 2) { edges { cursor } }"))
    assert operation_cost(schema, found.operation, found.fragments, {}, 20) == 2**30 * 2 * 3
    with pytest.raises(QueryTooComplexError, match="about 10\\^"):
        cost.check_cost(schema, chosen(fan_out(190)), {}, max_cost=20_000, default_page_size=20)


def test_depth_and_alias_limits_count_each_fragment_once() -> None:
    document = parse(fan_out(190, "a: __typename"))
    assert alias_count(document) == 2**190
    assert list(operation_depths(document).values()) == [0]
    deep = parse(
        'query D { ...U } fragment U on Query { user(id: "x") { ...R } } '
        "fragment R on User { referral { referrer { ... on User { id } } } }"
    )
    assert list(operation_depths(deep).values()) == [3]


def test_the_limit_rules_refuse_with_the_coded_messages(schema: GraphQLSchema) -> None:
    rules = [depth_limit(2), alias_limit(30)]
    errors = validate(schema, parse(fan_out(190, "a: __typename")), rules)
    assert [e.message for e in errors] == [f"{2**190} aliases found. Allowed: 30"]
    deep = '{ user(id: "x") { referral { referrer { id } } } }'
    assert [e.message for e in validate(schema, parse(deep), rules)] == [
        "'anonymous' exceeds maximum operation depth of 2"
    ]
    # Introspection fields do not count, as before.
    assert validate(schema, parse("{ __schema { types { fields { name } } } }"), rules) == []


def test_root_fields_look_into_each_fragment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    found = chosen(fan_out(190))
    spread_lookups: Counter[str] = Counter()

    class Counting(dict[str, FragmentDefinitionNode]):
        def get(self, key: str, default: Any = None) -> Any:
            spread_lookups[key] += 1
            return super().get(key, default)

    counted = Chosen(operation=found.operation, fragments=Counting(found.fragments))
    assert root_fields(counted) == {"__typename"}
    assert set(spread_lookups.values()) == {1}


def test_argument_checks_look_at_each_fragment_once(
    monkeypatch: pytest.MonkeyPatch, schema: GraphQLSchema
) -> None:
    checked: Counter[str] = Counter()
    original = arguments._check_field  # pyright: ignore[reportPrivateUsage]

    def counted(node: Any, definition: Any, variables: Any, pages: Pages) -> None:
        checked[node.name.value] += 1
        original(node, definition, variables, pages)

    monkeypatch.setattr(arguments, "_check_field", counted)
    found = chosen(fan_out(190, "topReferrers(degree: 2) { signUps }"))
    check_arguments(schema, found, VariableValues({}, {}), Pages(default=20, maximum=100))
    assert checked == Counter({"topReferrers": 1})
    refused = chosen(fan_out(190, "topReferrers(degree: 9) { signUps }"))
    with pytest.raises(BadUserInputError, match="`degree` must be between 1 and 5"):
        check_arguments(schema, refused, VariableValues({}, {}), Pages(default=20, maximum=100))


def test_the_operation_to_run_is_never_guessed() -> None:
    two = parse("query A { __typename } query B { __typename }")
    assert operation_named(two, None) is None
    assert operation_named(two, "C") is None
    b = operation_named(two, "B")
    assert b is not None
    assert b.name is not None
    assert b.name.value == "B"
    assert operation_named(parse("{ __typename }"), None) is not None
