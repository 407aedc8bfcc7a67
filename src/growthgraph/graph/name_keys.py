"""The stored sort key of a name (``nameSortKey`` on partners and campaigns): the ``NAME`` order
of their root lists (``graph.lists``) sorts, seeks and continues on it instead of on the name.

Neo4j 5 does not order strings one way. A range index and a sort of stored values order them by
Unicode code point, but a comparison with a parameter (``n.name > $after``, how a page continues
after its last item) goes by UTF-16 code unit. The two disagree when a character outside the Basic
Multilingual Plane (a surrogate pair, code units D800-DFFF) meets one from U+E000-U+FFFF: by code
point U+FF38 (a fullwidth X) comes before U+1F680 (a rocket), by code unit after it. A page read
in one order and continued by the other skips or repeats items, whichever plan the planner picks.

The key is the lower-case hex of the name's UTF-8 bytes. It is ASCII, so every way Neo4j compares
it agrees; UTF-8 byte order is code point order, and two hex digits per byte keep byte order (a
shorter name that is a prefix of a longer one gives a prefix of its key), so the key orders as
the names do by code point: Python's ``str`` order. Every write that sets a name sets its key
(``graph.sources``, the importer's create and merge statements, the initial load's files, and so
the demo and seeds, which load through them); :func:`backfill` keys names stored without one
(a database written before the key existed), at start-up with the schema."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, LiteralString

from growthgraph.graph.database import Database

PROPERTY: LiteralString = "nameSortKey"
# The labels whose root lists sort by name.
LABELS: tuple[LiteralString, ...] = ("Partner", "Campaign")
_KEY = re.compile(r"(?:[0-9a-f]{2})*")


def name_sort_key(name: str) -> str:
    """The key of a name: the hex of its UTF-8 bytes (a lone surrogate, which no stored name
    holds, is encoded at its own code point rather than refused)."""
    return name.encode("utf-8", "surrogatepass").hex()


def is_sort_key(text: str) -> bool:
    """Is ``text`` a key :func:`name_sort_key` writes (a cursor's value checked before use)?"""
    return _KEY.fullmatch(text) is not None


def keyed(props: Mapping[str, Any]) -> dict[str, Any]:
    """A node's properties with the key of its name added (none when it has no name)."""
    name = props.get("name")
    if not isinstance(name, str):
        return dict(props)
    return {**props, PROPERTY: name_sort_key(name)}


# Names stored without a key, a batch at a time, and their keys written back; a name changed
# in between is left for the next round (the key always belongs to the name it was made from).
_UNKEYED: dict[LiteralString, LiteralString] = {
    label: f"MATCH (n:{label}) WHERE n.name IS NOT NULL AND n.{PROPERTY} IS NULL "
    "RETURN n.id AS id, n.name AS name LIMIT $batch"
    for label in LABELS
}
_SET_KEYS: dict[LiteralString, LiteralString] = {
    label: f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) WHERE n.name = row.name "
    f"SET n.{PROPERTY} = row.key RETURN count(n) AS keyed"
    for label in LABELS
}
BACKFILL_BATCH = 5_000


async def backfill(db: Database, batch: int = BACKFILL_BATCH) -> int:
    """Key every name stored without a key; how many were keyed (none once all are)."""
    total = 0
    for label in LABELS:
        while True:
            rows = await db.read(_UNKEYED[label], {"batch": batch})
            if not rows:
                break
            keys = [
                {"id": r["id"], "name": r["name"], "key": name_sort_key(str(r["name"]))}
                for r in rows
            ]
            written = await db.write(_SET_KEYS[label], {"rows": keys})
            keyed_now = int(written[0]["keyed"])
            total += keyed_now
            if keyed_now == 0:
                break  # every name read was changed meanwhile; the next start-up keys them
    return total
