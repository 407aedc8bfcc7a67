"""Cost analysis on the real schema, against costs worked out by hand from the rule
``cost = sum over fields of multiplier * (1 + cost of the field's selection)``."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from growthgraph.api.cost import compile_cost, operation_cost
from growthgraph.api.documents import Chosen
from growthgraph.api.schema import build_schema
from growthgraph.config import Settings
from growthgraph.http.guards import RateLimiter

PAGE = 20  # the default page size, used when a connection gets no `first`
NESTED = "query($n: Int, $m: Int) { users(first: $n) { edges { node { referrals(first: $m) { edges { cursor } } } } } }"


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema(Settings(demo_data=False))._schema  # pyright: ignore[reportPrivateUsage]
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walked = operation_cost(schema, operation, fragments, variables or {}, PAGE)
    # The walk compiled once per document, evaluated with the variables, gives the same cost.
    compiled = compile_cost(schema, Chosen(operation, fragments), PAGE)
    assert compiled.evaluate(variables or {}) == walked
    return walked


@pytest.mark.parametrize(
    ("document", "variables", "expected"),
    [
        # users: 5 * (1 + edges: 1 * (1 + cursor: 1)) = 5 * 3 ... plus the users field itself
        ("{ users(first: 5) { edges { cursor } } }", None, 5 * (1 + 2)),
        ("query($n: Int) { users(first: $n) { edges { cursor } } }", {"n": 50}, 50 * 3),
        ("query($n: Int) { users(first: $n) { edges { cursor } } }", {}, PAGE * 3),
        ("{ users { edges { cursor } } }", None, PAGE * 3),
        ("{ users(first: null) { edges { cursor } } }", None, PAGE * 3),
        # topReferrers' `limit` defaults to 10 in the schema: 10 * (1 + signUps)
        ("{ topReferrers(degree: 1) { signUps } }", None, 10 * 2),
        ("query($k: Int!) { topReferrers(degree: 1, limit: $k) { signUps } }", {"k": 77}, 77 * 2),
        # referrals: m * 3; node: 1 + 3m; edges: 2 + 3m; users: n * (3 + 3m)
        (NESTED, {"n": 10, "m": 100}, 10 * (3 + 3 * 100)),
        (NESTED, {"n": 10}, 10 * (3 + 3 * PAGE)),
        (NESTED, {}, PAGE * (3 + 3 * PAGE)),
        (
            "fragment F on UserConnection { edges { cursor } } { users(first: 5) { ...F } }",
            None,
            15,
        ),
        ("{ users(first: 5) { ... on UserConnection { edges { cursor } } } }", None, 15),
        (
            '{ a: users(first: 2) { pageInfo { hasNextPage } } b: user(id: "x") { id } }',
            None,
            2 * 3 + 2,
        ),
        ("{ __typename }", None, 1),
        # a fragment spread twice, with a variable inside, and one spreading another
        (
            "query($n: Int) { a: users(first: 2) { ...E } b: users(first: 3) { ...E } } "
            "fragment E on UserConnection { edges { node { referrals(first: $n) { ...C } } } } "
            "fragment C on UserConnection { edges { cursor } }",
            {"n": 7},
            (2 + 3) * (1 + (1 + (1 + 7 * (1 + 2)))),
        ),
        # a variable that is not an integer falls back as the walk does; a negative size is 0
        (NESTED, {"n": 10, "m": None}, 10 * (3 + 3 * PAGE)),
        (NESTED, {"n": -4, "m": 3}, 0),
    ],
)
def test_cost_by_hand(document: str, variables: dict[str, Any] | None, expected: int) -> None:
    assert cost(document, variables) == expected


def test_a_variable_is_not_costed_as_one() -> None:
    assert cost(NESTED, {"n": 100, "m": 100}) > 20_000


def test_rate_limiter_refills_over_time() -> None:
    limiter = RateLimiter(per_minute=3)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=0.0) == pytest.approx(20.0)  # one token per 20 s
    assert limiter.take("b", now=0.0) == 0.0  # another client has its own bucket
    assert limiter.take("a", now=19.0) > 0
    assert limiter.take("a", now=40.0) == 0.0
