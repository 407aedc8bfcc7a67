"""Validation results are kept per document: a repeated document is answered from the cache (the
same result, known without validating again), a new one validated, the oldest evicted."""

from __future__ import annotations

from graphql import parse, specified_rules
from pydantic import SecretStr

from growthgraph.api.schema import CachedValidation, ValidationKey, build_schema
from growthgraph.config import Settings


def keys(count: int) -> list[ValidationKey]:
    schema = build_schema(Settings(neo4j_password=SecretStr("x")))
    graphql_schema = schema._schema  # pyright: ignore[reportPrivateUsage]
    documents = [parse(f'{{ u{i}: user(id: "{i}") {{ id }} }}') for i in range(count)]
    return [(graphql_schema, document, tuple(specified_rules)) for document in documents]


def test_a_repeated_document_is_known() -> None:
    cache = CachedValidation(maxsize=4)
    key = keys(1)[0]
    assert cache.known(key) is None
    first = cache.validate(key)
    assert first == []
    assert cache.known(key) is first
    assert cache.validate(key) is first


def test_errors_are_kept_too() -> None:
    cache = CachedValidation(maxsize=4)
    schema, _, rules = keys(1)[0]
    key = (schema, parse("{ nope }"), rules)
    errors = cache.validate(key)
    assert [e.message for e in errors] == ["Cannot query field 'nope' on type 'Query'."]
    assert cache.known(key) is errors


def test_the_least_recently_used_is_evicted() -> None:
    cache = CachedValidation(maxsize=2)
    a, b, c = keys(3)
    cache.validate(a)
    cache.validate(b)
    assert cache.known(a) is not None  # a is now the most recently used
    cache.validate(c)
    assert cache.known(b) is None
    assert cache.known(a) is not None
    assert cache.known(c) is not None
