"""The parts of a validated GraphQL document that checks before execution need: the operations
that will run (the named one, or all when no name is given) and the fragments they spread."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode


@dataclass(frozen=True, slots=True)
class Chosen:
    operations: list[OperationDefinitionNode]
    fragments: dict[str, FragmentDefinitionNode]


def chosen_operations(document: DocumentNode, operation_name: str | None) -> Chosen:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    return Chosen(operations=operations, fragments=fragments)
