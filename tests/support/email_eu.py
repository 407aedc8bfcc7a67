"""email-Eu-core (SNAP) as an undirected social graph with ground-truth departments.

For ``CONNECTED_TO`` and community detection: direction is dropped (an e-mail either way means the
two know each other), duplicate pairs merge and the 642 self-loops are removed, as
``tests/data/email-eu-core/README.md`` describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from tests.support.datasets import dataset_file

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

EDGES_FILE = ("email-eu-core", "email-Eu-core.txt")
LABELS_FILE = ("email-eu-core", "email-Eu-core-department-labels.txt")
_FIELDS = 2  # SRC DST, or NODE DEPT


@dataclass(frozen=True, slots=True)
class EmailEuCore:
    nodes: tuple[int, ...]  # every person, labelled or on an edge, ascending
    edges: tuple[tuple[int, int], ...]  # undirected (low, high), distinct, no self-loops, sorted
    departments: Mapping[int, int]  # person -> department id
    self_loops_dropped: int


def email_eu_user_id(node: int) -> str:
    return f"eu-{node}"


@cache
def load_email_eu() -> EmailEuCore:
    directed = _pairs(dataset_file(*EDGES_FILE))
    departments = dict(_pairs(dataset_file(*LABELS_FILE)))
    undirected = {(min(u, v), max(u, v)) for u, v in directed if u != v}
    endpoints = {node for pair in directed for node in pair}
    return EmailEuCore(
        nodes=tuple(sorted(endpoints | departments.keys())),
        edges=tuple(sorted(undirected)),
        departments=departments,
        self_loops_dropped=sum(1 for u, v in directed if u == v),
    )


def _pairs(path: Path) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for line in path.read_text(encoding="ascii").splitlines():
        fields = line.split()
        if len(fields) != _FIELDS:
            message = f"{path.name}: line is not two integers: {line!r}"
            raise ValueError(message)
        pairs.append((int(fields[0]), int(fields[1])))
    return pairs
