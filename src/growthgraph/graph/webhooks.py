"""Webhooks: ``(:Webhook {id, url, kinds, secret, cursor, createdAt})`` registrations and
``(:WebhookDelivery {id, webhookId, seq, kind, body, status, attempts, nextAt, ...})`` records.

Deliveries are made from the change feed, never by the write itself: ``fan_out`` reads the feed
after each webhook's ``cursor`` (under the webhook's lock, so two processes never fan out the
same change twice; ``MERGE`` on the delivery id makes a retry harmless), and ``claim`` hands each
due delivery to one sender at a time under a lease (the delivery is locked and re-checked before
it is taken). ``record`` stores an attempt's outcome only for the claim that made it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from growthgraph.graph import changes
from growthgraph.graph.database import Database
from growthgraph.graph.entities import same_values, write_retrying
from growthgraph.graph.outcomes import IdConflict, Written
from growthgraph.graph.records import to_datetime

PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
FAN_OUT_BATCH = 200

FIND: LiteralString = "MATCH (w:Webhook {id: $id}) RETURN w {.*} AS w"
CREATE: LiteralString = """
OPTIONAL MATCH (feed:ChangeFeed {id: $feed})
CREATE (w:Webhook) SET w = $props, w.cursor = coalesce(feed.seq, 0), w.createdAt = datetime()
RETURN w {.*} AS w
"""
DELETE: LiteralString = """
MATCH (w:Webhook {id: $id}) DELETE w RETURN true AS deleted
"""
LIST: LiteralString = "MATCH (w:Webhook) RETURN w {.*} AS w ORDER BY w.id LIMIT $limit"
# What the sender has to do, in one read: the webhooks whose cursor is behind the feed's head,
# and whether any delivery is due. An idle service (no webhook, nothing due) writes nothing.
WORK: LiteralString = """
OPTIONAL MATCH (feed:ChangeFeed {id: $feed})
WITH coalesce(feed.seq, 0) AS head
OPTIONAL MATCH (w:Webhook) WHERE w.cursor < head
WITH collect(w.id) AS behind
RETURN behind, EXISTS {
  MATCH (d:WebhookDelivery)
  WHERE d.status = 'PENDING' AND d.nextAt <= datetime()
    AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime())
} AS due
"""
# Lock the webhook (a second fan-out of it waits here, then reads the cursor this one moved).
LOCK_CURSOR: LiteralString = """
MATCH (w:Webhook {id: $id})
SET w._lock = true REMOVE w._lock
RETURN w.cursor AS cursor, w.kinds AS kinds
"""
ADD_DELIVERIES: LiteralString = """
MATCH (w:Webhook {id: $id})
SET w.cursor = $cursor
WITH w
UNWIND $rows AS row
MERGE (d:WebhookDelivery {id: row.id})
ON CREATE SET d += row, d.webhookId = w.id, d.status = 'PENDING', d.attempts = 0,
              d.nextAt = datetime(), d.createdAt = datetime()
"""
CLAIM: LiteralString = """
MATCH (d:WebhookDelivery)
WHERE d.status = 'PENDING' AND d.nextAt <= datetime()
  AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime())
WITH d ORDER BY d.nextAt, d.seq LIMIT $limit
CALL (d) {
  SET d._lock = true REMOVE d._lock
  WITH d
  WHERE d.status = 'PENDING' AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime())
  SET d.leaseUntil = datetime() + duration({milliseconds: $leaseMs}), d.claim = $claim
  RETURN true AS mine
}
MATCH (w:Webhook {id: d.webhookId})
RETURN d.id AS id, d.kind AS kind, d.body AS body, d.attempts AS attempts,
       w.url AS url, w.secret AS secret
"""
RECORD: LiteralString = """
MATCH (d:WebhookDelivery {id: $id}) WHERE d.claim = $claim
SET d.attempts = d.attempts + 1, d.status = $status, d.lastStatusCode = $code,
    d.lastError = $error, d.lastAttemptAt = datetime(),
    d.nextAt = CASE WHEN $status = 'PENDING'
                    THEN datetime() + duration({milliseconds: $retryMs}) ELSE d.nextAt END,
    d.deliveredAt = CASE WHEN $status = 'DELIVERED' THEN datetime() ELSE d.deliveredAt END
REMOVE d.leaseUntil, d.claim
"""
DELIVERIES: LiteralString = """
MATCH (d:WebhookDelivery {webhookId: $id})
WHERE $status IS NULL OR d.status = $status
RETURN d {.*, body: null} AS d ORDER BY d.seq DESC LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    id: str
    url: str
    kinds: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: str
    webhook_id: str
    seq: int
    kind: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    kind: str
    body: str
    attempts: int
    url: str
    secret: str


def webhook_from(props: dict[str, Any]) -> WebhookRecord:
    return WebhookRecord(
        id=str(props["id"]),
        url=str(props["url"]),
        kinds=tuple(str(k) for k in props["kinds"]),
        created_at=to_datetime(props["createdAt"]),
    )


def _maybe_time(value: object) -> datetime | None:
    return None if value is None else to_datetime(value)


def delivery_from(props: dict[str, Any]) -> DeliveryRecord:
    code = props.get("lastStatusCode")
    return DeliveryRecord(
        id=str(props["id"]),
        webhook_id=str(props["webhookId"]),
        seq=int(props["seq"]),
        kind=str(props["kind"]),
        status=str(props["status"]),
        attempts=int(props["attempts"]),
        last_status_code=None if code is None else int(code),
        last_error=props.get("lastError"),
        next_at=_maybe_time(props.get("nextAt")) if props["status"] == PENDING else None,
        delivered_at=_maybe_time(props.get("deliveredAt")),
    )


async def create(
    db: Database, *, id: str, url: str, kinds: Sequence[str], secret: str
) -> Written[WebhookRecord] | IdConflict:
    """Register a webhook; it receives the changes committed after it. A repeat with the same
    url, kinds and secret answers the stored one."""
    props = {"id": id, "url": url, "kinds": list(kinds), "secret": secret}

    async def work(tx: AsyncManagedTransaction) -> Written[WebhookRecord] | IdConflict:
        found = await (await tx.run(FIND, id=id)).single()
        if found is not None:
            if same_values(found["w"], props):
                return Written(webhook_from(found["w"]), created=False)
            return IdConflict("Webhook", id)
        row = await (await tx.run(CREATE, props=props, feed=changes.FEED_ID)).single(strict=True)
        return Written(webhook_from(row["w"]), created=True)

    return await write_retrying(db, work)


async def delete(db: Database, id: str) -> bool:
    """Remove a registration (its delivery records stay); whether it existed."""
    return bool(await db.write(DELETE, {"id": id}))


async def list_all(db: Database, limit: int) -> list[WebhookRecord]:
    return [webhook_from(r["w"]) for r in await db.read(LIST, {"limit": limit})]


async def deliveries(
    db: Database, webhook_id: str, *, status: str | None, limit: int
) -> list[DeliveryRecord]:
    rows = await db.read(DELIVERIES, {"id": webhook_id, "status": status, "limit": limit})
    return [delivery_from(r["d"]) for r in rows]


def body_of(change: changes.Change) -> str:
    """The JSON a delivery posts: the change's seq, kind, time and ids."""
    return json.dumps(
        {"seq": change.seq, "kind": change.kind.value, "at": change.at.isoformat(),
         "data": dict(change.data)},
        separators=(",", ":"),
        sort_keys=True,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Work:
    behind: tuple[str, ...]  # webhooks with changes after their cursor
    due: bool  # a delivery waits to be sent


async def pending_work(db: Database) -> Work:
    """What fan-out and sending have to do now, in one read round trip."""
    row = (await db.read(WORK, {"feed": changes.FEED_ID}))[0]
    return Work(behind=tuple(str(i) for i in sorted(row["behind"])), due=bool(row["due"]))


async def fan_out(db: Database, webhook_ids: Sequence[str]) -> int:
    """Turn the changes after each webhook's cursor into delivery records; how many."""
    made = 0
    for webhook_id in webhook_ids:

        async def work(tx: AsyncManagedTransaction, wid: str = webhook_id) -> int:
            return await _fan_out_one(tx, wid)

        made += await db.write_tx(work)
    return made


async def _fan_out_one(tx: AsyncManagedTransaction, webhook_id: str) -> int:
    state = await (await tx.run(LOCK_CURSOR, id=webhook_id)).single()
    if state is None:
        return 0
    cursor, kinds = int(state["cursor"]), set(state["kinds"])
    result = await tx.run(changes.READ_AFTER, after=cursor, limit=FAN_OUT_BATCH)
    found = [changes.change_from(r["c"]) async for r in result]
    ready: list[changes.Change] = []
    for change in found:  # up to the first hole only (see graph.changes)
        if change.seq != cursor + len(ready) + 1:
            break
        ready.append(change)
    if not ready:
        return 0
    rows = [
        {"id": f"{webhook_id}:{c.seq}", "seq": c.seq, "kind": c.kind.value, "body": body_of(c)}
        for c in ready
        if c.kind.value in kinds
    ]
    await (await tx.run(ADD_DELIVERIES, id=webhook_id, cursor=ready[-1].seq, rows=rows)).consume()
    return len(rows)


async def claim(db: Database, *, claim_id: str, lease_s: float, limit: int) -> list[Claimed]:
    rows = await db.write(
        CLAIM, {"claim": claim_id, "leaseMs": int(lease_s * 1000), "limit": limit}
    )
    return [
        Claimed(
            id=str(r["id"]),
            kind=str(r["kind"]),
            body=str(r["body"]),
            attempts=int(r["attempts"]),
            url=str(r["url"]),
            secret=str(r["secret"]),
        )
        for r in rows
    ]


async def record(
    db: Database,
    *,
    id: str,
    claim_id: str,
    status: str,
    code: int | None,
    error: str | None,
    retry_s: float,
) -> None:
    await db.write(
        RECORD,
        {
            "id": id,
            "claim": claim_id,
            "status": status,
            "code": code,
            "error": error,
            "retryMs": int(retry_s * 1000),
        },
    )
