"""Every mutation answers with its own result union: exactly one ``...Success`` type, and error
types that implement ``Error``."""

from __future__ import annotations

from typing import cast

from graphql import GraphQLNonNull, GraphQLObjectType, GraphQLUnionType, build_schema

from growthgraph.api import schema as api_schema
from tests.unit.api.support import make_settings


def test_every_mutation_answers_success_or_error() -> None:
    schema = build_schema(api_schema.build_schema(make_settings()).as_str())
    mutation = schema.mutation_type
    assert mutation is not None
    assert len(mutation.fields) >= 15
    for name, field in mutation.fields.items():
        answer: object = field.type
        assert isinstance(answer, GraphQLNonNull), name
        union = cast("GraphQLNonNull[GraphQLUnionType]", answer).of_type
        assert isinstance(union, GraphQLUnionType), name
        assert union.name == name[0].upper() + name[1:] + "Result", name
        members: list[GraphQLObjectType] = list(union.types)
        successes = [t.name for t in members if t.name.endswith("Success")]
        assert successes == [union.name.removesuffix("Result") + "Success"], name
        errors = [t for t in members if not t.name.endswith("Success")]
        assert errors, name
        for error in errors:
            assert [i.name for i in error.interfaces] == ["Error"], (name, error.name)
