"""``growthgraph import DIR``: read, validate, plan against the database, load, report.

Two modes, chosen by whether the database holds any node when the import starts:

- **create** (empty target): the files hold the whole graph. Nodes are created with ``CREATE``,
  and each batch returns the element ids of the nodes it made, so every edge finds its ends by
  element id instead of an index seek. The leaderboard counters (``graph.counters``) are computed
  in memory from the planned referral forest and written with the nodes. Loading overlaps
  reading: once users and referrals are planned, a worker thread reads the invites, conversions
  and connections while the nodes and referral edges load.
- **merge** (anything stored): the files are read whole, the ids they point at are looked up,
  and every write ``MERGE``s; the counters are then refreshed around each new referral edge.
"""

from __future__ import annotations

import asyncio
import csv
import gc
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import Any, LiteralString

from growthgraph.graph import counters
from growthgraph.graph import importer as cypher
from growthgraph.graph.database import Database
from growthgraph.importer import files
from growthgraph.importer.files import KindName, Reject
from growthgraph.importer.parse import ImportInvite, ImportUser, ReferralRow, fast_parser, parse
from growthgraph.importer.plan import (
    Existing,
    Located,
    Parsed,
    Plan,
    plan,
    plan_nodes,
    plan_referrals,
    plan_rest,
)

Progress = Callable[[int], object]
LOOKUP_BATCH = 10_000
_LABEL_OF_KIND = {"USER": "User", "INFLUENCER": "Influencer", "PARTNER": "Partner"}
_NODE_KINDS: tuple[KindName, ...] = ("influencers", "partners", "campaigns", "users", "referrals")
_EDGE_KINDS: tuple[KindName, ...] = ("invites", "conversions", "connections")


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


def _read_kinds(
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
    _read_kinds(files.find_files(directory), files.KINDS, parsed, rejects)
    return parsed, rejects


# --- progress ----------------------------------------------------------------------------------


class _Progress:
    """Rows of the files, counted as their batch is written; the total is counted up front from
    the files' lines, and what was not written (rejects, blank lines) is added at the end."""

    def __init__(self, paths: dict[KindName, Path], factory: Callable[[int], Progress] | None):
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
                _LABEL_OF_KIND[r.referrer_kind], r.referrer_id
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


def _props(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# Edges are written grouped by the node they share most (rows sorted by referrer, or by user):
# concurrent batches then rarely lock the same popular referrer, which is what deadlocks them.
_by_referrer = attrgetter("referrer_kind", "referrer_id")
_by_user = attrgetter("user_id")


# --- create mode -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Ids:
    """Element ids of the nodes this import created, by label and id."""

    by_label: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"User": {}, "Influencer": {}, "Partner": {}}
    )

    def of(self, kind: str, node_id: str) -> str:
        return self.by_label[_LABEL_OF_KIND[kind]][node_id]


async def _create(
    db: Database, paths: dict[KindName, Path], options: Options, progress: _Progress
) -> Outcome:
    parsed = Parsed()
    rejects: list[Reject] = []
    todo = Plan()
    _read_kinds(paths, _NODE_KINDS, parsed, rejects)
    known = plan_nodes(parsed, Existing(), todo)
    plan_referrals(parsed, todo, known)
    parsed.users, parsed.referrals = [], []
    # The rest of the files is read by a worker thread while the nodes load.
    rest_rejects: list[Reject] = []
    rest = asyncio.create_task(
        asyncio.to_thread(_read_kinds, paths, _EDGE_KINDS, parsed, rest_rejects)
    )
    ids = _Ids()
    try:
        loaded = await _create_nodes(db, todo, ids, options, progress)
    except BaseException:
        await asyncio.wait([rest])
        raise
    await rest
    plan_rest(parsed, todo, known)
    del parsed
    loaded.update(await _create_edges(db, todo, ids, options, progress))
    todo.rejects += rejects + rest_rejects
    todo.rejects.sort(key=lambda r: (r.file, r.line))
    return Outcome(mode="create", loaded=loaded, rejects=todo.rejects)


async def _create_nodes(
    db: Database, todo: Plan, element_ids: _Ids, options: Options, progress: _Progress
) -> dict[str, int]:
    """Nodes with their counters, then the referral edges between them."""
    forest = forest_counters(todo.referrals)
    above, below = forest.above.get, forest.below.get
    ids = element_ids.by_label
    counts: dict[str, int] = {}

    async def write(
        kind: str, query: LiteralString, rows: Iterable[dict[str, Any]], into: str | None = None
    ) -> None:
        counts[kind] = await cypher.write_rows(
            db,
            query,
            rows,
            batch=options.batch_size,
            parallel=options.parallel,
            progress=progress,
            collect=None if into is None else cypher.collect_ids(ids[into]),
        )

    await write(
        "influencers",
        cypher.CREATE_INFLUENCERS,
        (
            {
                "id": i.id,
                "handle": i.handle,
                "platform": i.platform,
                "followers": i.followers,
                "engagementRate": i.engagement_rate,
                "costCents": i.cost_cents,
                "below": below(counters.node_key("Influencer", i.id)),
            }
            for i in todo.influencers
        ),
        "Influencer",
    )
    await write(
        "partners",
        cypher.CREATE_PARTNERS,
        (
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "costCents": p.cost_cents,
                "below": below(counters.node_key("Partner", p.id)),
            }
            for p in todo.partners
        ),
        "Partner",
    )
    await write("campaigns", cypher.CREATE_CAMPAIGNS, _campaigns(todo))
    await write(
        "users",
        cypher.CREATE_USERS,
        (
            {
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "signedUpAt": epoch(u.signed_up_at),
                "country": u.country,
                "plan": u.plan,
                "channel": u.channel,
                "campaignId": u.campaign_id,
                "ipHash": u.ip_hash,
                "deviceHash": u.device_hash,
                "above": above(key := counters.node_key("User", u.id)),
                "below": below(key),
            }
            for u in todo.users
        ),
        "User",
    )
    del forest, above, below
    of = element_ids.of
    user_ids = ids["User"]
    await write(
        "referrals",
        cypher.CREATE_REFERRALS_BY_ID,
        (
            {
                "ref": of(r.referrer_kind, r.referrer_id),
                "user": user_ids[r.user_id],
                "channel": r.channel,
                "campaignId": r.campaign_id,
            }
            for r in sorted(todo.referrals, key=_by_referrer)
        ),
    )
    return counts


async def _create_edges(
    db: Database, todo: Plan, ids: _Ids, options: Options, progress: _Progress
) -> dict[str, int]:
    """Invites with their acceptance, conversions and connections, each end by element id."""
    counts: dict[str, int] = {}
    of = ids.of
    user_ids = ids.by_label["User"]

    async def write(kind: str, query: LiteralString, rows: Iterable[dict[str, Any]]) -> None:
        written = await cypher.write_rows(
            db, query, rows, batch=options.batch_size, parallel=options.parallel, progress=progress
        )
        counts[kind] = counts.get(kind, 0) + written

    invites = sorted(todo.invites, key=_by_referrer)
    for kind, query in cypher.CREATE_INVITES_BY_ID.items():
        await write(
            "invites",
            query,
            (
                {
                    "ref": of(i.referrer_kind, i.referrer_id),
                    "id": i.id,
                    "at": epoch(i.at),
                    "channel": i.channel,
                    "campaignId": i.campaign_id,
                    "acceptedBy": None if i.accepted_by is None else user_ids[i.accepted_by],
                }
                for i in invites
                if i.referrer_kind == kind
            ),
        )
    counts["acceptances"] = sum(1 for i in todo.invites if i.accepted_by is not None)
    await write(
        "conversions",
        cypher.CREATE_CONVERSIONS_BY_ID,
        (
            {
                "user": user_ids[c.user_id],
                "id": c.id,
                "at": epoch(c.at),
                "revenueCents": c.revenue_cents,
                "plan": c.plan,
            }
            for c in sorted(todo.conversions, key=_by_user)
        ),
    )
    await write(
        "connections",
        cypher.CREATE_CONNECTIONS_BY_ID,
        (
            {
                "a": user_ids[c.a],
                "b": user_ids[c.b],
                "at": None if c.at is None else epoch(c.at),
            }
            for c in sorted(todo.connections)
        ),
    )
    return counts


def _campaigns(todo: Plan) -> Iterator[dict[str, Any]]:
    for c in todo.campaigns:
        yield _props(
            {
                "id": c.id,
                "name": c.name,
                "utmSource": c.utm_source,
                "utmMedium": c.utm_medium,
                "utmCampaign": c.utm_campaign,
            }
        )


# --- merge mode --------------------------------------------------------------------------------


async def look_up(db: Database, parsed: Parsed) -> Existing:
    """What the database holds for every id the files mention but do not define, plus the
    referral and invite edges already attached to the users and invites in the files."""
    defined_users = {u.row.id for u in parsed.users}
    user_refs: set[str] = set()
    for r in parsed.referrals:
        user_refs.add(r.row.user_id)
        if r.row.referrer_kind == "USER":
            user_refs.add(r.row.referrer_id)
    for i in parsed.invites:
        if i.row.referrer_kind == "USER":
            user_refs.add(i.row.referrer_id)
        if i.row.accepted_by is not None:
            user_refs.add(i.row.accepted_by)
    user_refs.update(c.row.user_id for c in parsed.conversions)
    for c in parsed.connections:
        user_refs.update((c.row.a, c.row.b))

    def referenced(kind: str) -> list[str]:
        ids = {r.row.referrer_id for r in parsed.referrals if r.row.referrer_kind == kind}
        ids.update(i.row.referrer_id for i in parsed.invites if i.row.referrer_kind == kind)
        return sorted(ids)

    campaigns = {u.row.campaign_id for u in parsed.users if u.row.campaign_id}
    campaigns.update(r.row.campaign_id for r in parsed.referrals if r.row.campaign_id)
    campaigns.update(i.row.campaign_id for i in parsed.invites if i.row.campaign_id)
    campaigns -= {c.row.id for c in parsed.campaigns}
    existing = Existing(
        users=await cypher.existing_users(db, sorted(user_refs - defined_users), LOOKUP_BATCH),
        influencers=await cypher.existing_ids(
            db, "Influencer", referenced("INFLUENCER"), LOOKUP_BATCH
        ),
        partners=await cypher.existing_ids(db, "Partner", referenced("PARTNER"), LOOKUP_BATCH),
        campaigns=await cypher.existing_ids(db, "Campaign", sorted(campaigns), LOOKUP_BATCH),
        referred_by=await cypher.existing_referrers(
            db, [r.row.user_id for r in parsed.referrals], LOOKUP_BATCH
        ),
    )
    accepted = [i.row for i in parsed.invites if i.row.accepted_by is not None]
    existing.invite_of_user, existing.user_of_invite = await cypher.existing_acceptances(
        db, [str(i.accepted_by) for i in accepted], [i.id for i in accepted], LOOKUP_BATCH
    )
    return existing


# Up to this many new referral edges in a merge, the leaderboard counters are refreshed around
# them (``counters.refresh``: cost grows with the edges and the downlines above them); beyond it,
# every counter is recomputed in memory and only those that changed are written
# (``counters.rebuild``: cost grows with the whole graph). Measured on the 100k-user set, 69,877
# new edges into 100k stored users: refresh 87 s, rebuild 32 s. The same bound as graph.bulk.
REFRESH_AT_MOST = 20_000


async def keep_counters(db: Database, new_edges_into: list[str]) -> None:
    """Make the leaderboard counters exact again after a merge added REFERRED edges into these
    users."""
    if len(new_edges_into) > REFRESH_AT_MOST:
        await counters.rebuild(db)
    elif new_edges_into:
        await counters.refresh(db, new_edges_into)


def _user(u: ImportUser) -> dict[str, Any]:
    return _props(
        {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "signedUpAt": u.signed_up_at.isoformat(),
            "country": u.country,
            "plan": u.plan,
            "channel": u.channel,
            "campaignId": u.campaign_id,
            "ipHash": u.ip_hash,
            "deviceHash": u.device_hash,
        }
    )


def _invite(i: ImportInvite) -> dict[str, Any]:
    props = {"id": i.id, "at": i.at.isoformat(), "channel": i.channel, "campaignId": i.campaign_id}
    return {"referrerId": i.referrer_id, "props": _props(props)}


async def load_merge(
    db: Database, todo: Plan, existing: Existing, options: Options, progress: Progress | None
) -> dict[str, int]:
    """Write the planned rows with ``MERGE`` on ids, kind by kind, in batches; returns rows
    written per kind. Then the leaderboard counters are refreshed around every user that got a
    new referral edge."""
    loaded: dict[str, int] = {}

    async def write(kind: str, query: LiteralString, rows: Iterable[dict[str, Any]]) -> None:
        written = await cypher.write_rows(
            db, query, rows, batch=options.batch_size, parallel=options.parallel, progress=progress
        )
        loaded[kind] = loaded.get(kind, 0) + written

    nodes = cypher.MERGE_NODES
    influencers = (
        _props(
            {
                "id": i.id,
                "handle": i.handle,
                "platform": i.platform,
                "followers": i.followers,
                "engagementRate": i.engagement_rate,
                "costCents": i.cost_cents,
            }
        )
        for i in todo.influencers
    )
    await write("influencers", nodes["Influencer"], influencers)
    partners = (
        _props({"id": p.id, "name": p.name, "kind": p.kind, "costCents": p.cost_cents})
        for p in todo.partners
    )
    await write("partners", nodes["Partner"], partners)
    await write("campaigns", nodes["Campaign"], _campaigns(todo))
    await write("users", nodes["User"], (_user(u) for u in todo.users))
    for kind, query in cypher.MERGE_REFERRALS.items():
        rows = (
            {
                "userId": r.user_id,
                "referrerId": r.referrer_id,
                "channel": r.channel,
                "campaignId": r.campaign_id,
            }
            for r in sorted(todo.referrals, key=_by_referrer)
            if r.referrer_kind == kind
        )
        await write("referrals", query, rows)
    stored = existing.referred_by
    await keep_counters(db, [r.user_id for r in todo.referrals if r.user_id not in stored])
    for kind, query in cypher.MERGE_INVITES.items():
        invites = sorted(todo.invites, key=_by_referrer)
        await write("invites", query, (_invite(i) for i in invites if i.referrer_kind == kind))
    accepted = ({"inviteId": i.id, "userId": i.accepted_by} for i in todo.invites if i.accepted_by)
    await write("acceptances", cypher.MERGE_ACCEPTED, accepted)
    conversions = (
        {
            "userId": c.user_id,
            "props": _props(
                {
                    "id": c.id,
                    "at": c.at.isoformat(),
                    "revenueCents": c.revenue_cents,
                    "plan": c.plan,
                }
            ),
        }
        for c in sorted(todo.conversions, key=_by_user)
    )
    await write("conversions", cypher.MERGE_CONVERSIONS, conversions)
    connections = (
        {"a": c.a, "b": c.b, "at": None if c.at is None else c.at.isoformat()}
        for c in sorted(todo.connections)
    )
    await write("connections", cypher.MERGE_CONNECTIONS, connections)
    return loaded


async def _merge(
    db: Database, paths: dict[KindName, Path], options: Options, progress: _Progress
) -> Outcome:
    parsed = Parsed()
    rejects: list[Reject] = []
    _read_kinds(paths, files.KINDS, parsed, rejects)
    existing = await look_up(db, parsed)
    todo = plan(parsed, existing)
    del parsed
    loaded = await load_merge(db, todo, existing, options, progress)
    todo.rejects = sorted([*rejects, *todo.rejects], key=lambda r: (r.file, r.line))
    return Outcome(mode="merge", loaded=loaded, rejects=todo.rejects)


# --- the whole import --------------------------------------------------------------------------


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    """The rejects report: one CSV line per rejected row (file, line, reason)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["file", "line", "reason"])
        out.writerows([r.file, r.line, r.reason] for r in rejects)


async def run_import(
    db: Database,
    directory: Path,
    *,
    options: Options | None = None,
    progress_factory: Callable[[int], Progress] | None = None,
) -> Outcome:
    """Import every file in ``directory``. Rows already in the database are left as they are,
    so running the same import again writes nothing new."""
    options = options or Options()
    paths = files.find_files(directory)
    empty = await cypher.is_empty(db)
    progress = _Progress(paths, progress_factory)
    # Millions of long-lived rows, none in a cycle: the cyclic collector would walk all of them
    # again and again while they are read and loaded, for nothing.
    with _gc_paused():
        if empty:
            outcome = await _create(db, paths, options, progress)
        else:
            outcome = await _merge(db, paths, options, progress)
    progress.finish()
    return outcome


@contextmanager
def _gc_paused() -> Generator[None]:
    """Pause the cyclic collector while millions of rows are allocated (none forms a cycle)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
