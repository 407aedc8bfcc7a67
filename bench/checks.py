"""Before measuring: do both servers and the direct baseline give the same answers, and does the
baseline make as many round trips as growthgraph? A benchmark of different work means nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx

from benchenv import BenchSettings
from growthgraph.graph import entities, referrals
from growthgraph.graph.database import Database
from growthgraph.graph.labels import Kind
from servers import round_trips
from workloads import (
    ALL_KINDS,
    NESTED,
    OPERATIONS,
    PAGE,
    TOP,
    Sequences,
    direct_call,
    growthgraph_body,
    neo4j_graphql_body,
)

SAMPLES = 5
_KIND = {"User": "USER", "Influencer": "INFLUENCER", "Partner": "PARTNER"}


def _gg_answer(op: str, data: dict[str, Any]) -> Any:
    if op == "a":
        user = data["user"]
        return [
            (e["node"]["id"], [c["node"]["id"] for c in e["node"]["referrals"]["edges"]])
            for e in user["referrals"]["edges"]
        ]
    if op == "b":
        return [
            (e["node"]["id"], (e["node"]["referredBy"] or {}).get("id"))
            for e in data["users"]["edges"]
        ]
    return [
        (r["referrer"]["kind"], r["referrer"]["id"], r["signUps"]) for r in data["topReferrers"]
    ]


def _ng_answer(op: str, data: dict[str, Any]) -> Any:
    if op == "a":
        user = data["users"][0]
        return [(c["id"], [g["id"] for g in c["referrals"]]) for c in user["referrals"]]
    if op == "b":
        return [
            (u["id"], u["referredBy"][0]["id"] if u["referredBy"] else None) for u in data["users"]
        ]
    rows = [
        (kind, n["id"], n["secondDegreeSignUps"])
        for field, kind in (
            ("users", "USER"),
            ("influencers", "INFLUENCER"),
            ("partners", "PARTNER"),
        )
        for n in data[field]
    ]
    # growthgraph's order: most sign-ups first, ties by id, then by kind.
    rows.sort(key=lambda r: (-r[2], r[1], r[0]))
    return [r for r in rows if r[2] > 0][:TOP]


async def _direct_answer(op: str, db: Database, seq: Sequences, index: int) -> Any:
    if op == "a":
        uid = seq.referrer(index)
        pages = await referrals.referrals_of(db, Kind.USER, [uid], first=NESTED, after=None)
        children = [u.id for u in pages[uid].items] if uid in pages else []
        below = await referrals.referrals_of(db, Kind.USER, children, first=NESTED, after=None)
        return [(c, [u.id for u in below[c].items] if c in below else []) for c in children]
    if op == "b":
        page = await entities.page(db, entities.USERS, PAGE, seq.page_start(index))
        found = await referrals.referred_by(db, [u.id for u in page.items])
        return [(u.id, found[u.id].referrer.id if u.id in found else None) for u in page.items]
    rows = await referrals.top_referrers(
        db, degree=2, limit=TOP, since=None, until=None, kinds=ALL_KINDS
    )
    return [(r.referrer.kind.name, r.referrer.id, r.sign_ups) for r in rows]


async def check_equivalence(
    settings: BenchSettings,
    db: Database,
    seq: Sequences,
    gg_url: str,
    ng_url: str,
    gg_headers: dict[str, str],
) -> dict[str, Any]:
    """For a few requests of each operation: the same answer from all three, and the round trips
    growthgraph made (from its /metrics) against the baseline's."""
    out: dict[str, Any] = {}
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(timeout=settings.timeout_s) as client:
        for op in OPERATIONS:
            mismatches: list[str] = []
            trips_gg: list[int] = []
            trips_direct: list[int] = []
            for index in range(SAMPLES if op != "c" else 1):
                before = round_trips(settings)
                answer = await client.post(
                    gg_url,
                    content=growthgraph_body(op, seq)(index),
                    headers={**headers, **gg_headers},
                )
                trips_gg.append(round_trips(settings) - before)
                gg = _gg_answer(op, json.loads(answer.content)["data"])
                answer = await client.post(
                    ng_url, content=neo4j_graphql_body(op, seq)(index), headers=headers
                )
                ng = _ng_answer(op, json.loads(answer.content)["data"])
                direct = await _direct_answer(op, db, seq, index)
                before = db.round_trips
                await direct_call(op, db, seq)(index)
                trips_direct.append(db.round_trips - before)
                gg_norm = json.loads(json.dumps(gg))
                if gg_norm != json.loads(json.dumps(ng)):
                    mismatches.append(f"request {index}: neo4j-graphql answered differently")
                if gg_norm != json.loads(json.dumps(direct)):
                    mismatches.append(f"request {index}: the direct baseline answered differently")
            out[op] = {
                "same_answers": not mismatches,
                "mismatches": mismatches[:5],
                "round_trips_growthgraph": trips_gg,
                "round_trips_direct": trips_direct,
            }
    return out
