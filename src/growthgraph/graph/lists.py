"""The root lists (users, influencers, partners, campaigns) filtered and sorted, keyset-paginated.

One statement per (order, filters given, where the page starts): a filter not given adds no
clause, so the planner sees only the conditions that apply and can seek the matching index; a
sorted property is required to exist in the statement, so its range index can give the order.
A page continues after (sort value, id) of the last item in the order: ``p >= $v AND (p > $v OR
id > $id)`` ascending, the first conjunct an index range.

A referral counter (``belowK``) is absent when zero (its index holds only referrers with a
downline), and Cypher puts absent values last ascending and first descending, the opposite of
zero. Such a sort reads two segments in the order of their values: the referrers with the
counter (through its index) and those without it (through the id index), as one ``UNION ALL``,
each branch limited, the union sorted again (at most twice the page size).

A name is sorted and compared through its stored ASCII key (``graph.name_keys``): Neo4j orders
text beyond the Basic Multilingual Plane by code point in an index or a sort but compares it with
a parameter by UTF-16 code unit, and a page must continue in the order it was read in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from math import isfinite
from typing import Any, Generic, Literal, LiteralString, TypeVar

from growthgraph.graph import name_keys
from growthgraph.graph.database import Database
from growthgraph.graph.entities import Entity
from growthgraph.graph.records import Page, to_datetime

T = TypeVar("T")
ValueKind = Literal["text", "key", "int", "float", "instant"]
DIRECTIONS: tuple[LiteralString, ...] = ("ASC", "DESC")


@dataclass(frozen=True, slots=True)
class Sort:
    """What a list can be sorted by: a property (None: the id alone), the kind of its values,
    and whether an absent value counts as zero (the referral counters). Ties break by id.

    A ``key`` is ASCII text stored for the order (``graph.name_keys``): text that is not plain
    ASCII is compared by Neo4j in two orders, so no list sorts or seeks on it directly."""

    prop: LiteralString | None = None
    kind: ValueKind = "text"
    zero_when_absent: bool = False

    def cursor_text(self, value: object) -> str:
        """The sort value of a row as the text a cursor carries."""
        if self.kind == "float" and isinstance(value, float):
            return repr(value)  # the shortest text that reads back as the same double
        return str(value)

    def parse(self, text: str) -> object:
        """The value of a cursor's text, as the statement compares it; ``ValueError`` for text
        this sort never writes."""
        if self.kind == "int":
            number = int(text)
            if str(number) != text:
                raise ValueError(text)
            return number
        if self.kind == "float":
            real = float(text)
            if not isfinite(real) or repr(real) != text:
                raise ValueError(text)
            return real
        if self.kind == "instant":
            at: datetime = to_datetime(text)
            return at
        if self.kind == "key" and not name_keys.is_sort_key(text):
            raise ValueError(text)
        return text


@dataclass(frozen=True, slots=True)
class _Segment:
    members: LiteralString  # the condition that puts an item in this segment
    seek: LiteralString  # after (sort value, id), within the segment
    order_by: LiteralString


def _segments(sort: Sort, descending: bool) -> list[_Segment]:
    """The segments of a sort in the list's order."""
    d: LiteralString = " DESC" if descending else ""
    after: LiteralString = "<" if descending else ">"
    # ``IS NOT NULL``: no node lacks an id, but saying so lets the id index give the order.
    by_id = _Segment("n.id IS NOT NULL", "n.id " + after + " $afterId", "n.id" + d)
    if sort.prop is None:
        return [by_id]
    p: LiteralString = "n." + sort.prop
    valued = _Segment(
        p + " IS NOT NULL",
        f"{p} {after}= $afterValue AND ({p} {after} $afterValue OR n.id {after} $afterId)",
        f"{p}{d}, n.id{d}",
    )
    if not sort.zero_when_absent:
        return [valued]
    zero = _Segment(p + " IS NULL AND n.id IS NOT NULL", by_id.seek, by_id.order_by)
    return [valued, zero] if descending else [zero, valued]


def _where(conditions: list[LiteralString]) -> LiteralString:
    text: LiteralString = ""
    for i, condition in enumerate(conditions):
        text = text + ("WHERE " if i == 0 else " AND ") + condition
    return text


def _filter_sets(names: list[str]) -> list[tuple[str, ...]]:
    return [c for size in range(len(names) + 1) for c in combinations(names, size)]


def _join(filters: tuple[str, ...]) -> str:
    return "+".join(filters)


@dataclass(frozen=True)
class ListSpec(Generic[T]):
    """One root list: its entity, its sorts by name, its filters by parameter name (each a
    condition on ``n`` using that parameter), and the statements built from them."""

    entity: Entity[T]
    sorts: Mapping[str, Sort]
    filters: Mapping[str, LiteralString]
    pages: dict[str, LiteralString] = field(init=False)
    counts: dict[str, LiteralString] = field(init=False)

    def __post_init__(self) -> None:
        pages: dict[str, LiteralString] = {}
        for name, sort in self.sorts.items():
            for direction in DIRECTIONS:
                segments = _segments(sort, direction == "DESC")
                for filters in _filter_sets(list(self.filters)):
                    starts = ["first", *(f"seek{i}" for i in range(len(segments)))]
                    for start in starts:
                        key = f"{name}_{direction} {_join(filters)} {start}"
                        pages[key] = self._page(sort, direction, segments, filters, start)
        counts: dict[str, LiteralString] = {
            _join(filters): f"MATCH (n:{self.entity.label}) "
            + _where([self.filters[f] for f in filters])
            + " RETURN count(n) AS n"
            for filters in _filter_sets(list(self.filters))
        }
        object.__setattr__(self, "pages", pages)
        object.__setattr__(self, "counts", counts)

    def _page(
        self,
        sort: Sort,
        direction: LiteralString,
        segments: list[_Segment],
        filters: tuple[str, ...],
        start: str,
    ) -> LiteralString:
        given: list[LiteralString] = [self.filters[f] for f in filters]
        first = 0 if start == "first" else int(start.removeprefix("seek"))
        branches: list[LiteralString] = []
        for i, segment in enumerate(segments[first:], start=first):
            conditions: list[LiteralString] = [*given, segment.members]
            if start != "first" and i == first:
                conditions.append(segment.seek)
            branches.append(
                f"MATCH (n:{self.entity.label}) "
                + _where(conditions)
                + f" WITH n ORDER BY {segment.order_by} LIMIT $limit"
            )
        p: LiteralString = "n." + (sort.prop or "id")
        value: LiteralString = p
        if sort.kind == "instant":
            value = f"toString({p})"
        elif sort.zero_when_absent:
            value = f"coalesce({p}, 0)"
        returned: LiteralString = (
            " RETURN n {.*, signedUpAt: toString(n.signedUpAt)} AS n, " + value + " AS sortValue"
        )
        if len(branches) == 1:
            return branches[0] + returned
        d: LiteralString = " DESC" if direction == "DESC" else ""
        union: LiteralString = " UNION ALL ".join(b + " RETURN n" for b in branches)
        return (
            "CALL () { "
            + union
            + f" }} WITH n ORDER BY {value}{d}, n.id{d} LIMIT $limit"
            + returned
        )

    def segment_of(self, sort_name: str, descending: bool, value: object) -> int:
        """The segment of a cursor's value: the zero one for a counter's zero."""
        sort = self.sorts[sort_name]
        if sort.zero_when_absent and value == 0:
            return 1 if descending else 0
        return 0 if descending or not sort.zero_when_absent else 1


@dataclass(frozen=True, slots=True)
class Sorted(Generic[T]):
    item: T
    sort_value: str  # the text a cursor carries: the id, the sort value


def _given(spec: ListSpec[Any], where: Mapping[str, object]) -> tuple[str, dict[str, object]]:
    unknown = set(where) - set(spec.filters)
    if unknown:
        raise KeyError(f"not a filter of {spec.entity.label}: {sorted(unknown)}")
    given = {name: where[name] for name in spec.filters if where.get(name) is not None}
    return _join(tuple(given)), given


async def page(
    db: Database,
    spec: ListSpec[T],
    *,
    sort: str,
    descending: bool,
    where: Mapping[str, object],
    first: int,
    after: tuple[object, str] | None,
) -> Page[Sorted[T]]:
    """``first`` items in the order among those ``where`` admits, after ``(value, id)`` (the
    value as :meth:`Sort.parse` reads it)."""
    filters, given = _given(spec, where)
    direction = "DESC" if descending else "ASC"
    start = "first"
    params: dict[str, Any] = {**given, "limit": first + 1}
    if after is not None:
        params["afterValue"], params["afterId"] = after
        start = f"seek{spec.segment_of(sort, descending, after[0])}"
    rows = await db.read(spec.pages[f"{sort}_{direction} {filters} {start}"], params)
    how = spec.sorts[sort]
    items = tuple(
        Sorted(spec.entity.build(r["n"]), how.cursor_text(r["sortValue"])) for r in rows[:first]
    )
    return Page(items=items, has_next=len(rows) > first)


async def count(db: Database, spec: ListSpec[Any], where: Mapping[str, object]) -> int:
    """How many items ``where`` admits (from the count store when nothing is filtered)."""
    filters, given = _given(spec, where)
    rows = await db.read(spec.counts[filters], given)
    return int(rows[0]["n"])
