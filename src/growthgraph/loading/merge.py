"""Merge mode of ``growthgraph import``, for a target that holds anything: the files are read
whole, the ids they point at are looked up, and every write ``MERGE``s; the leaderboard counters
are then kept exact around each new referral edge."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, LiteralString, TypeVar, cast

from growthgraph.graph import counters
from growthgraph.graph import loading as cypher
from growthgraph.graph import loading_lookups as lookups
from growthgraph.graph.database import Database
from growthgraph.graph.entities import same_values
from growthgraph.graph.loading import USER_TIME_PROPS
from growthgraph.graph.users import UNREADABLE
from growthgraph.loading import files
from growthgraph.loading.dataset import CostRow, load_costs, node_props
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.parse import ImportConversion, ImportInvite, ImportUser
from growthgraph.loading.plan import Existing, Located, Parsed, Plan, plan
from growthgraph.loading.rows import (
    BY_REFERRER,
    BY_USER,
    LOOKUP_BATCH,
    FileProgress,
    Options,
    Outcome,
    Progress,
    read_kinds,
    user_props,
    without_nulls,
)

R = TypeVar("R")


def _first(rows: Iterable[Located[R]], key: Callable[[R], str]) -> dict[str, R]:
    """The first row per id: the one the plan loads (later ones are rejected)."""
    first: dict[str, R] = {}
    for item in rows:
        first.setdefault(key(item.row), item.row)
    return first


def _values(names: tuple[str, ...], row: object) -> dict[str, Any]:
    """A row's values under their stored names (the row's fields are in the same order)."""
    if isinstance(row, tuple):
        items: tuple[Any, ...] = row  # pyright: ignore[reportUnknownVariableType]
        values: list[Any] = list(items)
    else:
        values = [getattr(row, f.name) for f in fields(cast("Any", row))]
    return dict(zip(names, values, strict=True))


# A user row without consent or erasure values says nothing about them: consent recorded (or an
# erasure made) since the file was written is not a conflict, and the stored user is kept.
NOT_SAID_WHEN_MISSING = frozenset({"consentMarketing", "consentAnalytics", *USER_TIME_PROPS})


def _compared(values: dict[str, Any]) -> dict[str, Any]:
    """A user row's values compared as the API compares an admin's repeated sign-up
    (``graph.users.compared_props``): never the keyed IP and device hashes; consent and erasure
    values only when the row gives them."""
    return {
        k: v
        for k, v in values.items()
        if k not in UNREADABLE and not (v is None and k in NOT_SAID_WHEN_MISSING)
    }


async def _differing_nodes(
    db: Database, label: cypher.NodeLabel, rows: Mapping[str, object]
) -> tuple[set[str], set[str]]:
    """(stored ids, ids stored with other values) among the ids the files define, decided as
    the mutations decide a repeat: ``graph.entities.same_values``."""
    names = lookups.NODE_PROPS[label]
    stored = await lookups.stored_nodes(db, label, sorted(rows), LOOKUP_BATCH)
    differing = {
        i for i, props in stored.items() if not same_values(props, _values(names, rows[i]))
    }
    return set(stored), differing


async def look_up(db: Database, parsed: Parsed) -> Existing:
    """What the database holds for every id the files mention, what is stored under the ids
    they define, and the referral and invite edges already attached to the users they name."""
    users = _first(parsed.users, attrgetter("id"))
    invites = _first(parsed.invites, attrgetter("id"))
    conversions = _first(parsed.conversions, attrgetter("id"))
    costs = _first(parsed.costs, attrgetter("id"))
    user_refs: set[str] = set()
    for r in parsed.referrals:
        user_refs.add(r.row.user_id)
        if r.row.referrer_kind == "USER":
            user_refs.add(r.row.referrer_id)
    accepting = sorted({i.accepted_by for i in invites.values() if i.accepted_by is not None})
    user_refs.update(accepting)
    user_refs.update(i.referrer_id for i in invites.values() if i.referrer_kind == "USER")
    user_refs.update(c.user_id for c in conversions.values())
    user_refs.update(a.row.user_id for a in parsed.activities)
    for c in parsed.connections:
        user_refs.update((c.row.a, c.row.b))

    def referenced(kind: str) -> list[str]:
        ids = {r.row.referrer_id for r in parsed.referrals if r.row.referrer_kind == kind}
        ids.update(i.referrer_id for i in invites.values() if i.referrer_kind == kind)
        ids.update(c.source_id for c in costs.values() if c.source_kind == kind)
        return sorted(ids)

    campaigns = {u.campaign_id for u in users.values() if u.campaign_id}
    campaigns.update(r.row.campaign_id for r in parsed.referrals if r.row.campaign_id)
    campaigns.update(i.campaign_id for i in invites.values() if i.campaign_id)
    campaigns.update(c.source_id for c in costs.values() if c.source_kind == "CAMPAIGN")
    existing = Existing(
        users=await lookups.existing_users(db, sorted(user_refs - users.keys()), LOOKUP_BATCH),
        influencers=await lookups.existing_ids(
            db, "Influencer", referenced("INFLUENCER"), LOOKUP_BATCH
        ),
        partners=await lookups.existing_ids(db, "Partner", referenced("PARTNER"), LOOKUP_BATCH),
        campaigns=await lookups.existing_ids(db, "Campaign", sorted(campaigns), LOOKUP_BATCH),
        referred_by=await lookups.existing_referrers(
            db, sorted({r.row.user_id for r in parsed.referrals}.union(accepting)), LOOKUP_BATCH
        ),
        invite_of_user=await lookups.accepted_invites(db, accepting, LOOKUP_BATCH),
    )
    stored_users = await lookups.stored_nodes(db, "User", sorted(users), LOOKUP_BATCH)
    existing.users.update((uid, props["signedUpAt"]) for uid, props in stored_users.items())
    names = lookups.NODE_PROPS["User"]
    existing.differing["users"] = {
        uid
        for uid, props in stored_users.items()
        if not same_values(props, _compared(_values(names, users[uid])))
    }
    sources: tuple[tuple[KindName, cypher.NodeLabel, set[str]], ...] = (
        ("influencers", "Influencer", existing.influencers),
        ("partners", "Partner", existing.partners),
        ("campaigns", "Campaign", existing.campaigns),
    )
    for kind, label, known in sources:
        defined: dict[str, object] = _first(getattr(parsed, kind), attrgetter("id"))
        stored, existing.differing[kind] = await _differing_nodes(db, label, defined)
        known.update(stored)
    await _stored_events(db, existing, invites, conversions)
    await _stored_costs(db, existing, costs)
    return existing


async def _stored_costs(db: Database, existing: Existing, costs: Mapping[str, CostRow]) -> None:
    """Cost entries stored under the ids the files define: on another source, or with other
    values, they are ID_CONFLICT (as ``recordCost`` answers)."""
    stored = await lookups.stored_costs(db, sorted(costs), LOOKUP_BATCH)
    existing.differing["costs"] = set()
    for kid, found in stored.items():
        row = costs[kid]
        wanted = {"id": kid, "at": row.at, "amountCents": row.amount_cents, "note": row.note}
        same_source = (found["sourceKind"], found["sourceId"]) == (row.source_kind, row.source_id)
        if not (same_source and same_values(found, wanted)):
            existing.differing["costs"].add(kid)


async def _stored_events(
    db: Database,
    existing: Existing,
    invites: Mapping[str, ImportInvite],
    conversions: Mapping[str, ImportConversion],
) -> None:
    """Invites and conversions stored under the ids the files define: another sender or user, or
    other values, is ID_CONFLICT (as ``recordInvite`` and ``recordConversion`` answer); who
    accepted a stored invite, for INVITE_ALREADY_ACCEPTED."""
    stored = await lookups.stored_invites(db, sorted(invites), LOOKUP_BATCH)
    existing.differing["invites"] = set()
    for iid, found in stored.items():
        row = invites[iid]
        if found["acceptedBy"] is not None:
            existing.user_of_invite[iid] = found["acceptedBy"]
        same_sender = (found["senderKind"], found["senderId"]) == (
            row.referrer_kind,
            row.referrer_id,
        )
        wanted = {"id": iid, "at": row.at, "channel": row.channel, "campaignId": row.campaign_id}
        if not (same_sender and same_values(found, wanted)):
            existing.differing["invites"].add(iid)
    paid = await lookups.stored_conversions(db, sorted(conversions), LOOKUP_BATCH)
    existing.differing["conversions"] = set()
    for cid, found in paid.items():
        paying = conversions[cid]
        wanted = {
            "id": cid,
            "at": paying.at,
            "revenueCents": paying.revenue_cents,
            "plan": paying.plan,
        }
        if found["userId"] != paying.user_id or not same_values(found, wanted):
            existing.differing["conversions"].add(cid)


def _user(u: ImportUser) -> dict[str, Any]:
    return without_nulls(user_props(u, datetime.isoformat))


def _invite(i: ImportInvite) -> dict[str, Any]:
    props = {"id": i.id, "at": i.at.isoformat(), "channel": i.channel, "campaignId": i.campaign_id}
    return {"referrerId": i.referrer_id, "props": without_nulls(props)}


async def load_merge(
    db: Database,
    todo: Plan,
    existing: Existing,
    options: Options,
    progress: Progress | None,
    recount: counters.ProgressFactory | None = None,
) -> dict[str, int]:
    """Write the planned rows with ``MERGE`` on ids, kind by kind, in batches; returns rows
    written per kind. Then the leaderboard counters are made exact again around every user that
    got a new referral edge (``recount`` follows that work)."""
    loaded: dict[str, int] = {}

    async def write(kind: str, query: LiteralString, rows: Iterable[dict[str, Any]]) -> None:
        written = await cypher.write_rows(
            db, query, rows, batch=options.batch_size, parallel=options.parallel, progress=progress
        )
        loaded[kind] = loaded.get(kind, 0) + written

    nodes = cypher.MERGE_NODES
    await write("influencers", nodes["Influencer"], map(node_props, todo.influencers))
    await write("partners", nodes["Partner"], map(node_props, todo.partners))
    await write("campaigns", nodes["Campaign"], map(node_props, todo.campaigns))
    await write("users", nodes["User"], (_user(u) for u in todo.users))
    for kind, query in cypher.MERGE_REFERRALS.items():
        rows = (
            {
                "userId": r.user_id,
                "referrerId": r.referrer_id,
                "channel": r.channel,
                "campaignId": r.campaign_id,
            }
            for r in sorted(todo.referrals, key=BY_REFERRER)
            if r.referrer_kind == kind
        )
        await write("referrals", query, rows)
    stored = existing.referred_by
    new_edges = [r.user_id for r in todo.referrals if r.user_id not in stored]
    await counters.keep_exact(db, new_edges, progress=recount)
    for kind, query in cypher.MERGE_INVITES.items():
        invites = sorted(todo.invites, key=BY_REFERRER)
        await write("invites", query, (_invite(i) for i in invites if i.referrer_kind == kind))
    accepted = ({"inviteId": i.id, "userId": i.accepted_by} for i in todo.invites if i.accepted_by)
    await write("acceptances", cypher.MERGE_ACCEPTED, accepted)
    conversions = (
        {
            "userId": c.user_id,
            "props": without_nulls(
                {
                    "id": c.id,
                    "at": c.at.isoformat(),
                    "revenueCents": c.revenue_cents,
                    "plan": c.plan,
                }
            ),
        }
        for c in sorted(todo.conversions, key=BY_USER)
    )
    await write("conversions", cypher.MERGE_CONVERSIONS, conversions)
    activities = (
        {"userId": a.user_id, "key": a.key, "at": a.at.isoformat(), "kind": a.kind}
        for a in sorted(todo.activities, key=BY_USER)
    )
    await write("activities", cypher.MERGE_ACTIVITIES, activities)
    connections = (
        {"a": c.a, "b": c.b, "at": None if c.at is None else c.at.isoformat()}
        for c in sorted(todo.connections)
    )
    await write("connections", cypher.MERGE_CONNECTIONS, connections)
    loaded["costs"] = await load_costs(db, todo.costs, options.batch_size, progress)
    return loaded


async def merge(
    db: Database, paths: dict[KindName, Path], options: Options, progress: FileProgress
) -> Outcome:
    parsed = Parsed()
    rejects: list[Reject] = []
    read_kinds(paths, files.KINDS, parsed, rejects)
    existing = await look_up(db, parsed)
    todo = plan(parsed, existing)
    del parsed
    loaded = await load_merge(db, todo, existing, options, progress, progress.recount)
    todo.rejects = sorted([*rejects, *todo.rejects], key=lambda r: (r.file, r.line))
    return Outcome(mode="merge", loaded=loaded, rejects=todo.rejects)
