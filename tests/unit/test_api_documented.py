"""Every query, mutation and subscription of the schema is named in the README's API table (a
row's first cell), so a front end reading the README finds every entry point. The schema is read
from schema.graphql, which `make check` keeps equal to the code's."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLObjectType, build_schema

REPO = Path(__file__).resolve().parents[2]
# A name in backticks, alone or with its arguments: `user`, `users(filter: ...)`.
NAMED = re.compile(r"`(\w+)[`(]")


def _first_cells() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    named: set[str] = set()
    for line in readme.splitlines():
        if line.startswith("| `"):
            named.update(NAMED.findall(line.split(" | ")[0]))
    return named


def _root_fields() -> dict[str, list[str]]:
    graphql = build_schema((REPO / "schema.graphql").read_text(encoding="utf-8"))
    roots: dict[str, GraphQLObjectType | None] = {
        "Query": graphql.query_type,
        "Mutation": graphql.mutation_type,
        "Subscription": graphql.subscription_type,
    }
    return {name: sorted(root.fields) for name, root in roots.items() if root is not None}


def test_every_root_field_is_in_the_readme_api_table() -> None:
    named = _first_cells()
    missing = {
        root: [field for field in fields if field not in named]
        for root, fields in _root_fields().items()
    }
    assert not any(missing.values()), missing


def test_the_table_is_found() -> None:
    """The check reads the rows it means: the table names the everyday entry points."""
    named = _first_cells()
    assert {"user", "users", "topReferrers", "recordSignUp", "signUps"} <= named
