"""How the values a compiled statement returns become the answer: one small converter per
object (keys zipped onto the statement's list of items), per page and per value that the
statement cannot give in its final form (instants, enums, 32-bit integers). Anything the general
path would answer with an error (a missing value the schema says is never null, an integer
outside 32 bits, an unknown enum value) raises :class:`FallbackError`: the request is then
answered by the general path, with that error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.schema.types.base_scalars import DateTimeDefinition

from growthgraph.api.enums import PartnerKind
from growthgraph.api.pagination import encode_cursor
from growthgraph.graph.records import to_datetime

Convert = Callable[[Any], Any]
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
_PARTNER_KINDS: dict[str, str] = {kind.value: kind.name for kind in PartnerKind}
_serialize_datetime = DateTimeDefinition.serialize
assert _serialize_datetime is not None


class FallbackError(Exception):
    """The compiled answer would differ from the general path's: use the general path."""


def instant(value: Any) -> Any:
    """A stored DateTime (as text) as the ``DateTime`` scalar writes it."""
    if value is None:
        return None
    assert _serialize_datetime is not None
    return _serialize_datetime(to_datetime(value))


def int32(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not INT32_MIN <= value <= INT32_MAX:
        raise FallbackError("not a 32-bit integer")
    return value


def partner_kind(value: Any) -> Any:
    if value is None:
        return None
    found = _PARTNER_KINDS.get(value) if isinstance(value, str) else None
    if found is None:
        raise FallbackError("not a partner kind")
    return found


@dataclass(frozen=True, slots=True)
class ObjectShape:
    """An object from the list of its selected items, in the order of the selection."""

    keys: tuple[str, ...]
    convert: tuple[tuple[int, str, Convert], ...]  # items that need converting
    required: tuple[int, ...]  # items the schema says are never null
    nullable: bool

    def __call__(self, row: Any) -> Any:
        if row is None:
            if self.nullable:
                return None
            raise FallbackError("null where the schema says never")
        for index in self.required:
            if row[index] is None:
                raise FallbackError("null where the schema says never")
        answer = dict(zip(self.keys, row, strict=True))
        for index, key, convert in self.convert:
            answer[key] = convert(row[index])
        return answer


@dataclass(frozen=True, slots=True)
class ReferrerShape:
    """A referrer, ``[label, items]``, with the shape of its label's selection."""

    by_label: Mapping[str, ObjectShape]
    nullable: bool

    def __call__(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise FallbackError("null where the schema says never")
        label, row = value
        return self.by_label[label](row)


# What a connection's selection asks for, part by part.
EDGES, NODES, PAGE_INFO, TOTAL_COUNT, CONSTANT = "edges", "nodes", "pageInfo", "totalCount", "c"
CURSOR, NODE, HAS_NEXT, END_CURSOR = "cursor", "node", "hasNextPage", "endCursor"


@dataclass(frozen=True, slots=True)
class Part:
    """One selected field of a connection, an edge or a page info: ``kind`` says which; ``node``
    is the index of its node's items in a row, ``parts`` its own selection."""

    key: str
    kind: str
    constant: str | None = None
    node: int = 0
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectionShape:
    """A page, ``[rows, hasNext(, count)]`` with rows ``[id, [items, ...]]``."""

    parts: tuple[Part, ...]
    nodes: tuple[ObjectShape, ...]  # one per distinct node selection
    list_name: str  # whose cursors these are
    cursors: bool  # whether an edge's cursor is selected
    end_cursor: bool  # whether the page's end cursor is

    def __call__(self, value: Any) -> Any:
        rows: list[Any] = value[0]
        cursors: list[str] = []
        if self.cursors:
            cursors = [encode_cursor(row[0], self.list_name) for row in rows]
        elif self.end_cursor and rows:
            cursors = [encode_cursor(rows[-1][0], self.list_name)]  # the only one asked for
        answer: dict[str, Any] = {}
        for part in self.parts:
            kind = part.kind
            if kind == EDGES:
                answer[part.key] = [
                    self._edge(part.parts, row, cursors[i] if self.cursors else None)
                    for i, row in enumerate(rows)
                ]
            elif kind == NODES:
                shape = self.nodes[part.node]
                answer[part.key] = [shape(row[1][part.node]) for row in rows]
            elif kind == PAGE_INFO:
                answer[part.key] = self._page_info(part.parts, value[1], cursors)
            elif kind == TOTAL_COUNT:
                answer[part.key] = int32(value[2])
            else:
                answer[part.key] = part.constant
        return answer

    def _edge(self, parts: tuple[Part, ...], row: Any, cursor: str | None) -> dict[str, Any]:
        edge: dict[str, Any] = {}
        for part in parts:
            if part.kind == CURSOR:
                edge[part.key] = cursor
            elif part.kind == NODE:
                edge[part.key] = self.nodes[part.node](row[1][part.node])
            else:
                edge[part.key] = part.constant
        return edge

    @staticmethod
    def _page_info(parts: tuple[Part, ...], has_next: bool, cursors: list[str]) -> dict[str, Any]:
        info: dict[str, Any] = {}
        for part in parts:
            if part.kind == HAS_NEXT:
                info[part.key] = has_next
            elif part.kind == END_CURSOR:
                info[part.key] = cursors[-1] if cursors else None
            else:
                info[part.key] = part.constant
        return info
