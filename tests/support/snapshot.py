"""Whole-graph snapshots for the "nothing was written" and "a re-run changes nothing" checks.

A snapshot counts. Every node is a row of its labels and properties, every relationship a row of
its type, its two ends and its properties, and the rows are kept in multisets: a second node or
relationship identical to one already there makes the snapshot differ, as does any added,
removed or changed property. Beside the rows it keeps the number of nodes per label and of
relationships per type, read with their own queries, and checks that the rows add up to them (so
a read that missed rows fails at once instead of comparing two partial pictures).

An end of a relationship is named by its labels and its ``id`` property, or by all its
properties when it has no ``id`` (an ``Erasure``, an ``IdempotencyKey``). Element ids are not
part of a row: deleting a relationship and creating an identical one changes nothing here.

This is test support only: the product never imports it, so the code under test cannot share a
blind spot with the check that judges it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, LiteralString, NamedTuple

from growthgraph.graph.database import Database

NODES: LiteralString = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
RELATIONSHIPS: LiteralString = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS props,
       labels(a) AS fromLabels, a.id AS fromId,
       CASE WHEN a.id IS NULL THEN properties(a) END AS fromProps,
       labels(b) AS toLabels, b.id AS toId,
       CASE WHEN b.id IS NULL THEN properties(b) END AS toProps
"""
LABEL_COUNTS: LiteralString = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n"
UNLABELLED: LiteralString = "MATCH (n) WHERE size(labels(n)) = 0 RETURN count(n) AS n"
TYPE_COUNTS: LiteralString = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n"
NO_LABEL = ""  # the key under which ``labels`` counts nodes that carry no label

Properties = tuple[tuple[str, str], ...]


def canonical(props: dict[str, Any]) -> Properties:
    """Properties as sorted (name, repr of value) pairs: equal maps give equal tuples."""
    return tuple(sorted((str(name), repr(value)) for name, value in props.items()))


class NodeRow(NamedTuple):
    labels: tuple[str, ...]
    properties: Properties

    def get(self, name: str) -> str | None:
        """The repr of one property's value, if the node has it."""
        return dict(self.properties).get(name)


class End(NamedTuple):
    """One end of a relationship: its labels and id, or its properties when it has no id."""

    labels: tuple[str, ...]
    id: str | None
    properties: Properties


class RelationshipRow(NamedTuple):
    type: str
    start: End
    end: End
    properties: Properties


@dataclass
class Snapshot:
    nodes: Counter[NodeRow]
    relationships: Counter[RelationshipRow]
    labels: dict[str, int]  # nodes per label (a node counts once under each of its labels)
    types: dict[str, int]  # relationships per type

    def nodes_with(self, label: str, **props: object) -> int:
        """How many nodes carry ``label`` and these property values (compared by repr)."""
        wanted = {name: repr(value) for name, value in props.items()}
        return sum(
            n
            for row, n in self.nodes.items()
            if label in row.labels and all(row.get(k) == v for k, v in wanted.items())
        )

    def relationships_of(
        self, rel_type: str, *, start: str | None = None, end: str | None = None
    ) -> int:
        """How many relationships of ``rel_type`` there are, optionally from or to the node with
        that id."""
        return sum(
            n
            for row, n in self.relationships.items()
            if row.type == rel_type
            and (start is None or row.start.id == start)
            and (end is None or row.end.id == end)
        )


def _end(labels: list[str], node_id: object, props: dict[str, Any] | None) -> End:
    return End(
        labels=tuple(sorted(labels)),
        id=None if node_id is None else str(node_id),
        properties=() if props is None else canonical(props),
    )


async def snapshot(db: Database) -> Snapshot:
    """Every node and relationship of the database, counted (see the module's docstring)."""
    nodes: Counter[NodeRow] = Counter(
        NodeRow(tuple(sorted(row["labels"])), canonical(row["props"]))
        for row in await db.read(NODES)
    )
    relationships: Counter[RelationshipRow] = Counter(
        RelationshipRow(
            type=str(row["type"]),
            start=_end(row["fromLabels"], row["fromId"], row["fromProps"]),
            end=_end(row["toLabels"], row["toId"], row["toProps"]),
            properties=canonical(row["props"]),
        )
        for row in await db.read(RELATIONSHIPS)
    )
    labels = {str(row["label"]): int(row["n"]) for row in await db.read(LABEL_COUNTS)}
    unlabelled = int((await db.read(UNLABELLED))[0]["n"])
    if unlabelled:
        labels[NO_LABEL] = unlabelled
    types = {str(row["type"]): int(row["n"]) for row in await db.read(TYPE_COUNTS)}
    found = Snapshot(nodes, relationships, labels, types)
    # The rows must add up to the counts: a read that missed or doubled rows is not a snapshot.
    per_label: Counter[str] = Counter()
    for row, n in nodes.items():
        for label in row.labels or (NO_LABEL,):
            per_label[label] += n
    per_type: Counter[str] = Counter()
    for rel, n in relationships.items():
        per_type[rel.type] += n
    if dict(per_label) != labels or dict(per_type) != types:
        raise AssertionError(
            f"snapshot rows do not add up: {dict(per_label)} / {labels}, {dict(per_type)} / {types}"
        )
    return found
