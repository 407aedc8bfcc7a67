"""Create mode of ``growthgraph import``, for an empty target: the files hold the whole graph.
Nodes are created with ``CREATE``, and each batch returns the element ids of the nodes it made,
so every edge finds its ends by element id instead of an index seek. The leaderboard counters
(``graph.counters``) are computed in memory from the planned referral forest and written with
the nodes. Loading overlaps reading: once users and referrals are planned, a worker thread reads
the invites, conversions and connections while the nodes and referral edges load."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from growthgraph.graph import counters
from growthgraph.graph import loading as cypher
from growthgraph.graph.database import Database
from growthgraph.graph.labels import NAME_LABELS, REFERRER_LABEL_LIST, ReferrerKindName
from growthgraph.loading.dataset import load_costs, node_props
from growthgraph.loading.files import KindName, Reject
from growthgraph.loading.plan import (
    Existing,
    Parsed,
    Plan,
    plan_nodes,
    plan_referrals,
    plan_rest,
)
from growthgraph.loading.rows import (
    BY_REFERRER,
    BY_USER,
    EDGE_KINDS,
    NODE_KINDS,
    FileProgress,
    Options,
    Outcome,
    epoch,
    forest_counters,
    read_kinds,
    user_props,
)


@dataclass(slots=True)
class _Ids:
    """Element ids of the nodes this import created, by label and id."""

    by_label: dict[str, dict[str, str]] = field(
        default_factory=lambda: {label: {} for label in REFERRER_LABEL_LIST}
    )

    def of(self, kind: ReferrerKindName, node_id: str) -> str:
        return self.by_label[NAME_LABELS[kind]][node_id]


async def create(
    db: Database, paths: dict[KindName, Path], options: Options, progress: FileProgress
) -> Outcome:
    parsed = Parsed()
    rejects: list[Reject] = []
    todo = Plan()
    read_kinds(paths, NODE_KINDS, parsed, rejects)
    known = plan_nodes(parsed, Existing(), todo)
    plan_referrals(parsed, todo, known)
    parsed.users, parsed.referrals = [], []
    # The rest of the files is read by a worker thread while the nodes load.
    rest_rejects: list[Reject] = []
    rest = asyncio.create_task(
        asyncio.to_thread(read_kinds, paths, EDGE_KINDS, parsed, rest_rejects)
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
    # Cost entries are few: merged as the merge mode writes them.
    loaded["costs"] = await load_costs(db, todo.costs, options.batch_size, progress)
    todo.rejects += rejects + rest_rejects
    todo.rejects.sort(key=lambda r: (r.file, r.line))
    return Outcome(mode="create", loaded=loaded, rejects=todo.rejects)


async def _create_nodes(
    db: Database, todo: Plan, element_ids: _Ids, options: Options, progress: FileProgress
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
            {**node_props(i), "below": below(counters.node_key("Influencer", i.id))}
            for i in todo.influencers
        ),
        "Influencer",
    )
    await write(
        "partners",
        cypher.CREATE_PARTNERS,
        (
            {**node_props(p), "below": below(counters.node_key("Partner", p.id))}
            for p in todo.partners
        ),
        "Partner",
    )
    await write("campaigns", cypher.CREATE_CAMPAIGNS, map(node_props, todo.campaigns))
    await write(
        "users",
        cypher.CREATE_USERS,
        (
            user_props(
                u,
                epoch,
                above=above(key := counters.node_key("User", u.id)),
                below=below(key),
            )
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
            for r in sorted(todo.referrals, key=BY_REFERRER)
        ),
    )
    return counts


async def _create_edges(
    db: Database, todo: Plan, ids: _Ids, options: Options, progress: FileProgress
) -> dict[str, int]:
    """Invites with their acceptance, conversions, activities and connections, each end by
    element id."""
    counts: dict[str, int] = {}
    of = ids.of
    user_ids = ids.by_label["User"]

    async def write(kind: str, query: LiteralString, rows: Iterable[dict[str, Any]]) -> None:
        written = await cypher.write_rows(
            db, query, rows, batch=options.batch_size, parallel=options.parallel, progress=progress
        )
        counts[kind] = counts.get(kind, 0) + written

    invites = sorted(todo.invites, key=BY_REFERRER)
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
            for c in sorted(todo.conversions, key=BY_USER)
        ),
    )
    await write(
        "activities",
        cypher.CREATE_ACTIVITIES_BY_ID,
        (
            {"user": user_ids[a.user_id], "key": a.key, "at": epoch(a.at), "kind": a.kind}
            for a in sorted(todo.activities, key=BY_USER)
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
