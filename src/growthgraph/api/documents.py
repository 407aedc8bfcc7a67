"""The parts of a validated GraphQL document that checks before execution need: the operations
that will run (the named one, or all when no name is given) and the fragments they spread."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import DocumentNode, FragmentDefinitionNode, OperationDefinitionNode
from strawberry.types import ExecutionContext


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


def validated_operations(context: ExecutionContext) -> Chosen | None:
    """The chosen operations of a document that parsed and validated; None otherwise (the
    errors already found are the answer, and no later check needs to run)."""
    document = context.graphql_document
    if document is None or context.pre_execution_errors:
        return None
    return chosen_operations(document, context.operation_name)
