"""Reading import files: one file per kind, CSV (with a header) or JSON Lines, as raw rows that
carry their line number for the rejects report."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

from growthgraph.rules import Code, Refusal

KindName = Literal[
    "influencers",
    "partners",
    "campaigns",
    "users",
    "referrals",
    "invites",
    "conversions",
    "activities",
    "connections",
    "costs",
]
# Load order (the order of KindName): everything a row points at is loaded before it.
KINDS: tuple[KindName, ...] = get_args(KindName)
REQUIRED: dict[KindName, tuple[str, ...]] = {
    "influencers": ("id", "handle", "platform", "followers", "engagementRate"),
    "partners": ("id", "name", "kind"),
    "campaigns": ("id", "name"),
    "users": ("id", "name", "email", "signedUpAt"),
    "referrals": ("userId", "referrerKind", "referrerId"),
    "invites": ("id", "referrerKind", "referrerId", "at"),
    "conversions": ("id", "userId", "at", "revenueCents"),
    "activities": ("userId", "at", "kind"),
    "connections": ("a", "b"),
    "costs": ("id", "sourceKind", "sourceId", "at", "amountCents"),
}
OPTIONAL: dict[KindName, tuple[str, ...]] = {
    "influencers": ("costCents",),
    "partners": ("costCents",),
    "campaigns": ("utmSource", "utmMedium", "utmCampaign"),
    "users": (
        "country",
        "plan",
        "channel",
        "campaignId",
        "ipHash",
        "deviceHash",
        "consentMarketing",
        "consentAnalytics",
        "consentUpdatedAt",
        "erasedAt",
    ),
    "referrals": ("channel", "campaignId"),
    "invites": ("channel", "campaignId", "acceptedBy"),
    "conversions": ("plan",),
    "activities": (),
    "connections": ("at",),
    "costs": ("note",),
}
SUFFIXES = (".csv", ".jsonl")


@dataclass(frozen=True, slots=True)
class Reject:
    """A row (or a whole file, at line 1) that was not loaded, and why."""

    file: str
    line: int
    reason: str


def invalid(text: str) -> str:
    """The reason of a row (or file) that cannot be read as rows: INVALID_INPUT."""
    return str(Refusal(Code.INVALID_INPUT, text))


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    values: dict[str, Any]


def find_files(directory: Path) -> dict[KindName, Path]:
    """The import files in ``directory``: ``<kind>.csv`` or ``<kind>.jsonl`` (not both)."""
    found: dict[KindName, Path] = {}
    for kind in KINDS:
        paths = [directory / f"{kind}{suffix}" for suffix in SUFFIXES]
        present = [p for p in paths if p.is_file()]
        if len(present) > 1:
            raise ValueError(f"both {present[0].name} and {present[1].name} exist; keep one")
        if present:
            found[kind] = present[0]
    return found


def _unknown_columns(kind: KindName, names: list[str]) -> str | None:
    allowed = set(REQUIRED[kind]) | set(OPTIONAL[kind])
    unknown = [n for n in names if n not in allowed]
    if unknown:
        return f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
    missing = [n for n in REQUIRED[kind] if n not in names]
    if missing:
        return f"missing required column(s) {', '.join(missing)}"
    if len(set(names)) != len(names):
        return "a column name appears twice"
    return None


def read_csv_cells(
    kind: KindName, path: Path, rejects: list[Reject]
) -> Iterator[tuple[int, list[str], list[str]]]:
    """``(line, names, cells)`` for every record of a CSV file with a header line whose cell
    count matches the header; blank lines are skipped, and every other problem is a reject."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, strict=True)
        header = next(reader, None)
        if header is None:
            return
        names = [h.strip() for h in header]
        problem = _unknown_columns(kind, names)
        if problem is not None:
            rejects.append(Reject(path.name, 1, invalid(f"file skipped: {problem}")))
            return
        width = len(names)
        line = reader.line_num + 1
        try:
            for cells in reader:
                if len(cells) == width:
                    yield line, names, cells
                elif cells:
                    text = f"has {len(cells)} cells, expected {width}"
                    rejects.append(Reject(path.name, line, invalid(text)))
                line = reader.line_num + 1
        except csv.Error as exc:
            text = f"file stops here: unreadable CSV ({exc})"
            rejects.append(Reject(path.name, line, invalid(text)))


def read_csv(kind: KindName, path: Path, rejects: list[Reject]) -> Iterator[RawRow]:
    """Rows of a CSV file with a header line; an empty cell is a missing value."""
    for line, names, cells in read_csv_cells(kind, path, rejects):
        yield RawRow(line, {n: c or None for n, c in zip(names, cells, strict=True)})


def count_lines(path: Path) -> int:
    """Newlines in a file (a cheap upper bound of its rows, for the progress bar)."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def read_jsonl(kind: KindName, path: Path, rejects: list[Reject]) -> Iterator[RawRow]:
    """Rows of a JSON Lines file, one object per line; blank lines are skipped."""
    allowed = set(REQUIRED[kind]) | set(OPTIONAL[kind])
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value: object = json.loads(text)
            except json.JSONDecodeError as exc:
                rejects.append(Reject(path.name, line, invalid(f"is not valid JSON ({exc.msg})")))
                continue
            if not isinstance(value, dict):
                rejects.append(Reject(path.name, line, invalid("is not a JSON object")))
                continue
            values = cast("dict[str, Any]", value)
            unknown = sorted(k for k in values if k not in allowed)
            if unknown:
                problem = f"unknown field(s) {', '.join(unknown)}"
                rejects.append(Reject(path.name, line, invalid(problem)))
                continue
            yield RawRow(line, values)


def read(kind: KindName, path: Path, rejects: list[Reject]) -> Iterator[RawRow]:
    if path.suffix == ".csv":
        return read_csv(kind, path, rejects)
    return read_jsonl(kind, path, rejects)
