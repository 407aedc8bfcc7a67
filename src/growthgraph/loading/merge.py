"""Merge mode of ``growthgraph import``, for a target that holds anything: the files are read
whole, the ids they point at are looked up, and every write ``MERGE``s; the leaderboard counters
are then kept exact around each new referral edge."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, LiteralString

from growthgraph.graph import counters
from growthgraph.graph import loading as cypher
from growthgraph.graph.database import Database
from growthgraph.loading import files
from growthgraph.loading.dataset import node_props
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.parse import ImportInvite, ImportUser
from growthgraph.loading.plan import (
    Existing,
    Parsed,
    Plan,
    plan,
)
from growthgraph.loading.rows import (
    BY_REFERRER,
    BY_USER,
    LOOKUP_BATCH,
    FileProgress,
    Options,
    Outcome,
    Progress,
    read_kinds,
    without_nulls,
)


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


def _user(u: ImportUser) -> dict[str, Any]:
    return without_nulls(
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
    return {"referrerId": i.referrer_id, "props": without_nulls(props)}


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
    await counters.keep_exact(db, [r.user_id for r in todo.referrals if r.user_id not in stored])
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
    connections = (
        {"a": c.a, "b": c.b, "at": None if c.at is None else c.at.isoformat()}
        for c in sorted(todo.connections)
    )
    await write("connections", cypher.MERGE_CONNECTIONS, connections)
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
    loaded = await load_merge(db, todo, existing, options, progress)
    todo.rejects = sorted([*rejects, *todo.rejects], key=lambda r: (r.file, r.line))
    return Outcome(mode="merge", loaded=loaded, rejects=todo.rejects)
