"""What the import's two modes share: reading the files into parsed rows, the progress count,
and the rows shaped as query parameters."""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any

from growthgraph.graph import counters
from growthgraph.graph import loading as cypher
from growthgraph.graph.labels import NAME_LABELS
from growthgraph.loading import files
from growthgraph.loading.fast import fast_parser
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.parse import ImportUser, ReferralRow, parse
from growthgraph.loading.plan import Located, Parsed

Progress = Callable[[int], object]
LOOKUP_BATCH = 10_000
NODE_KINDS: tuple[KindName, ...] = ("influencers", "partners", "campaigns", "users", "referrals")
EDGE_KINDS: tuple[KindName, ...] = ("invites", "conversions", "activities", "connections", "costs")


@dataclass(frozen=True, slots=True)
class Options:
    batch_size: int = 10_000
    parallel: int = 2


@dataclass(slots=True)
class Outcome:
    mode: cypher.Mode
    loaded: dict[str, int] = field(default_factory=dict[str, int])
    rejects: list[Reject] = field(default_factory=list[Reject])


# --- reading -----------------------------------------------------------------------------------


def read_file(kind: KindName, path: Path, rejects: list[Reject]) -> list[Located[Any]]:
    """Every valid row of one import file; bad rows become rejects. CSV records go through the
    fast path first (``parse.fast_parser``); what it does not accept is decided by ``parse``."""
    name = path.name
    rows: list[Located[Any]] = []
    append = rows.append
    if path.suffix != ".csv":
        for raw in files.read(kind, path, rejects):
            result = parse(kind, raw.values)
            if isinstance(result, str):
                rejects.append(Reject(name, raw.line, result))
            else:
                append(Located(name, raw.line, result))
        return rows
    fast = None
    for line, names, cells in files.read_csv_cells(kind, path, rejects):
        if fast is None:
            fast = fast_parser(kind, names) or _no_fast_path
        cells.append("")
        row = fast(cells)
        if row is None:
            result = parse(kind, {n: c or None for n, c in zip(names, cells, strict=False)})
            if isinstance(result, str):
                rejects.append(Reject(name, line, result))
                continue
            row = result
        append(Located(name, line, row))
    return rows


def _no_fast_path(cells: list[str]) -> None:
    return None


def read_kinds(
    paths: dict[KindName, Path], kinds: Iterable[KindName], parsed: Parsed, rejects: list[Reject]
) -> None:
    for kind in kinds:
        path = paths.get(kind)
        if path is not None:
            setattr(parsed, kind, read_file(kind, path, rejects))


def read_directory(directory: Path) -> tuple[Parsed, list[Reject]]:
    """Parse every import file in ``directory``; bad rows become rejects."""
    parsed = Parsed()
    rejects: list[Reject] = []
    read_kinds(files.find_files(directory), files.KINDS, parsed, rejects)
    return parsed, rejects


# --- progress ----------------------------------------------------------------------------------


class FileProgress:
    """Rows of the files, counted as their batch is written; the total is counted up front from
    the files' lines, and what was not written (rejects, blank lines) is added at the end."""

    def __init__(
        self,
        paths: dict[KindName, Path],
        factory: Callable[[int], Progress] | None,
        recount: Callable[[int], Progress] | None = None,
    ):
        self.recount = recount
        """Given the size of the counters' recount after a merge, what to call as it is done."""
        self.total = sum(
            max(files.count_lines(p) + 1 - (p.suffix == ".csv"), 0) for p in paths.values()
        )
        self.done = 0
        self._update = factory(self.total) if factory is not None else None

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self._update is not None:
            self._update(rows)

    def finish(self) -> None:
        if self._update is not None and self.done < self.total:
            self._update(self.total - self.done)
        self.done = self.total


# --- rows as query parameters ------------------------------------------------------------------


def forest_counters(referrals: list[ReferralRow]) -> counters.Stored:
    """The leaderboard counters (``graph.counters``) of a forest made of these referrals only:
    exact for a create-mode load, where the files hold every edge."""
    return counters.from_forest(
        {
            counters.node_key("User", r.user_id): counters.node_key(
                NAME_LABELS[r.referrer_kind], r.referrer_id
            )
            for r in referrals
        }
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch(at: datetime) -> tuple[int, int]:
    """[seconds, nanoseconds] since the epoch, for ``datetime.fromepoch`` in Cypher (cheaper to
    send than ISO text or a driver DateTime)."""
    seconds, micros = divmod((at - _EPOCH) // _MICROSECOND, 1_000_000)
    return seconds, micros * 1000


def user_props(u: ImportUser, time: Callable[[datetime], object], **more: object) -> dict[str, Any]:
    """A user row as the parameters of its node; its times as ``time`` makes them (each mode
    sends them its own way)."""
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "signedUpAt": time(u.signed_up_at),
        "country": u.country,
        "plan": u.plan,
        "channel": u.channel,
        "campaignId": u.campaign_id,
        "ipHash": u.ip_hash,
        "deviceHash": u.device_hash,
        "consentMarketing": u.consent_marketing,
        "consentAnalytics": u.consent_analytics,
        "consentUpdatedAt": None if u.consent_updated_at is None else time(u.consent_updated_at),
        "erasedAt": None if u.erased_at is None else time(u.erased_at),
        **more,
    }


def without_nulls(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# Edges are written grouped by the node they share most (rows sorted by referrer, or by user):
# concurrent batches then rarely lock the same popular referrer, which is what deadlocks them.
BY_REFERRER = attrgetter("referrer_kind", "referrer_id")
BY_USER = attrgetter("user_id")


@contextmanager
def gc_paused() -> Generator[None]:
    """Pause the cyclic collector while millions of rows are allocated (none forms a cycle)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
