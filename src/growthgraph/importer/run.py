"""``growthgraph import DIR``: read, validate, plan against the database, load, report."""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from growthgraph.dataset import UserRow
from growthgraph.graph import counters
from growthgraph.graph import importer as cypher
from growthgraph.graph.database import Database
from growthgraph.importer import files
from growthgraph.importer.files import Reject
from growthgraph.importer.parse import ImportInvite, ReferralRow, parse
from growthgraph.importer.plan import Existing, Located, Parsed, Plan, plan

Progress = Callable[[int], object]
LOOKUP_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class Options:
    batch_size: int = 10_000
    parallel: int = 2


@dataclass(slots=True)
class Outcome:
    mode: cypher.Mode
    loaded: dict[str, int] = field(default_factory=dict[str, int])
    rejects: list[Reject] = field(default_factory=list[Reject])


def read_directory(directory: Path) -> tuple[Parsed, list[Reject]]:
    """Parse every import file in ``directory``; bad rows become rejects."""
    parsed = Parsed()
    rejects: list[Reject] = []
    for kind, path in files.find_files(directory).items():
        target: list[Located[Any]] = getattr(parsed, kind)
        name = path.name
        for raw in files.read(kind, path, rejects):
            row = parse(kind, raw.values)
            if isinstance(row, str):
                rejects.append(Reject(name, raw.line, row))
            else:
                target.append(Located(name, raw.line, row))
    return parsed, rejects


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


def _props(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


_LABEL_OF_KIND = {"USER": "User", "INFLUENCER": "Influencer", "PARTNER": "Partner"}


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


def _with_counters(
    props: dict[str, Any], key: str, forest: counters.Stored | None
) -> dict[str, Any]:
    """``props`` plus the node's non-empty ``aboveK`` keys and non-zero ``belowK`` counts."""
    if forest is None:
        return props
    above = forest.above.get(key)
    if above is not None:
        for name, value in zip(counters.ABOVE, above, strict=True):
            if value is not None:
                props[name] = value
    below = forest.below.get(key)
    if below is not None:
        for name, count in zip(counters.BELOW, below, strict=True):
            if count:
                props[name] = count
    return props


def _user(u: UserRow) -> dict[str, Any]:
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


def _referral(r: ReferralRow) -> dict[str, Any]:
    return {
        "userId": r.user_id,
        "referrerId": r.referrer_id,
        "channel": r.channel,
        "campaignId": r.campaign_id,
    }


def _invite(i: ImportInvite) -> dict[str, Any]:
    props = {"id": i.id, "at": i.at.isoformat(), "channel": i.channel, "campaignId": i.campaign_id}
    return {"referrerId": i.referrer_id, "props": _props(props)}


async def load(
    db: Database,
    todo: Plan,
    mode: cypher.Mode,
    options: Options,
    progress: Progress | None,
    existing: Existing | None = None,
) -> dict[str, int]:
    """Write the planned rows, kind by kind, in batches; returns rows written per kind.

    The leaderboard counters stay exact: in create mode they are computed from the planned
    forest and written with the nodes; in merge mode they are refreshed around every user that
    got a new referral edge once the edges are written."""
    loaded: dict[str, int] = {}
    forest = forest_counters(todo.referrals) if mode == "create" else None

    async def write(kind: str, query: LiteralString, rows: list[dict[str, Any]]) -> None:
        await cypher.write_batches(
            db,
            query,
            rows,
            batch=options.batch_size,
            parallel=options.parallel,
            progress=progress,
        )
        loaded[kind] = loaded.get(kind, 0) + len(rows)

    nodes = cypher.WRITE_NODES[mode]
    await write(
        "influencers",
        nodes["Influencer"],
        [
            _with_counters(
                _props(
                    {
                        "id": i.id,
                        "handle": i.handle,
                        "platform": i.platform,
                        "followers": i.followers,
                        "engagementRate": i.engagement_rate,
                        "costCents": i.cost_cents,
                    }
                ),
                counters.node_key("Influencer", i.id),
                forest,
            )
            for i in todo.influencers
        ],
    )
    await write(
        "partners",
        nodes["Partner"],
        [
            _with_counters(
                _props({"id": p.id, "name": p.name, "kind": p.kind, "costCents": p.cost_cents}),
                counters.node_key("Partner", p.id),
                forest,
            )
            for p in todo.partners
        ],
    )
    await write(
        "campaigns",
        nodes["Campaign"],
        [
            _props(
                {
                    "id": c.id,
                    "name": c.name,
                    "utmSource": c.utm_source,
                    "utmMedium": c.utm_medium,
                    "utmCampaign": c.utm_campaign,
                }
            )
            for c in todo.campaigns
        ],
    )
    await write(
        "users",
        nodes["User"],
        [_with_counters(_user(u), counters.node_key("User", u.id), forest) for u in todo.users],
    )
    del forest
    for kind, query in cypher.WRITE_REFERRALS[mode].items():
        rows = [_referral(r) for r in todo.referrals if r.referrer_kind == kind]
        await write("referrals", query, rows)
    if mode == "merge":
        stored = existing.referred_by if existing is not None else {}
        await counters.refresh(db, [r.user_id for r in todo.referrals if r.user_id not in stored])
    for kind, query in cypher.WRITE_INVITES[mode].items():
        await write("invites", query, [_invite(i) for i in todo.invites if i.referrer_kind == kind])
    accepted = [{"inviteId": i.id, "userId": i.accepted_by} for i in todo.invites if i.accepted_by]
    await write("acceptances", cypher.WRITE_ACCEPTED[mode], accepted)
    conversions = [
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
        for c in todo.conversions
    ]
    await write("conversions", cypher.WRITE_CONVERSIONS[mode], conversions)
    connections = [
        {"a": c.a, "b": c.b, "at": None if c.at is None else c.at.isoformat()}
        for c in todo.connections
    ]
    await write("connections", cypher.WRITE_CONNECTIONS[mode], connections)
    return loaded


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
    empty = await cypher.is_empty(db)
    with _gc_paused():
        parsed, rejects = read_directory(directory)
    existing = Existing() if empty else await look_up(db, parsed)
    with _gc_paused():
        todo = plan(parsed, existing)
    del parsed
    # Millions of long-lived rows, none in a cycle: without this, every collection while loading
    # walks all of them again.
    gc.collect()
    gc.freeze()
    todo.rejects = sorted([*rejects, *todo.rejects], key=lambda r: (r.file, r.line))
    mode: cypher.Mode = "create" if empty else "merge"
    progress = progress_factory(todo.size()) if progress_factory is not None else None
    try:
        loaded = await load(db, todo, mode, options, progress, existing)
    finally:
        gc.unfreeze()
    return Outcome(mode=mode, loaded=loaded, rejects=todo.rejects)


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
