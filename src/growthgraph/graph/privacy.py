"""Privacy: consent flags on users (marketing and analytics, false until recorded, with the time
of the last change), and GDPR erasure: a user's personal data goes, the anonymous node and its
edges stay (so every count, cascade and attribution still adds up), and the erasure itself is
recorded."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString, cast

from neo4j import AsyncManagedTransaction

from growthgraph.graph.database import Database
from growthgraph.graph.records import to_datetime

# An erased user's flags stay cleared: the call is refused and nothing is written. Otherwise a
# flag left null keeps its value, and the time moves only when a flag changes.
SET_CONSENT: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.erasedAt AS erasedAt, coalesce($marketing, u.consentMarketing, false) AS m,
     coalesce($analytics, u.consentAnalytics, false) AS a
WITH u, erasedAt, m, a,
     erasedAt IS NULL AND (u.consentUpdatedAt IS NULL OR u.consentMarketing <> m
                           OR u.consentAnalytics <> a) AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END |
  SET u.consentMarketing = m, u.consentAnalytics = a, u.consentUpdatedAt = datetime()
)
RETURN u.id AS id, coalesce(u.consentMarketing, false) AS marketing,
       coalesce(u.consentAnalytics, false) AS analytics, u.consentUpdatedAt AS updatedAt,
       changed, erasedAt
"""
GET_CONSENT: LiteralString = """
MATCH (u:User {id: $id})
RETURN u.id AS id, coalesce(u.consentMarketing, false) AS marketing,
       coalesce(u.consentAnalytics, false) AS analytics, u.consentUpdatedAt AS updatedAt
"""


@dataclass(frozen=True)
class ConsentRecord:
    user_id: str
    marketing: bool
    analytics: bool
    updated_at: datetime | None


def _record(row: dict[str, Any]) -> ConsentRecord:
    at = row["updatedAt"]
    return ConsentRecord(
        user_id=str(row["id"]),
        marketing=bool(row["marketing"]),
        analytics=bool(row["analytics"]),
        updated_at=None if at is None else to_datetime(at),
    )


@dataclass(frozen=True, slots=True)
class ConsentSet:
    consent: ConsentRecord
    changed: bool  # False: the flags already had these values and nothing was written


@dataclass(frozen=True, slots=True)
class NoSuchUser:
    id: str


@dataclass(frozen=True, slots=True)
class UserErased:
    id: str
    erased_at: datetime


async def set_consent(
    db: Database, user_id: str, *, marketing: bool | None, analytics: bool | None
) -> ConsentSet | NoSuchUser | UserErased:
    """Flags left as None keep their value; the time changes only when a flag does. An erased
    user's flags stay cleared: nothing is written."""
    rows = await db.write(
        SET_CONSENT, {"id": user_id, "marketing": marketing, "analytics": analytics}
    )
    if not rows:
        return NoSuchUser(user_id)
    row = rows[0]
    if row["erasedAt"] is not None:
        return UserErased(str(row["id"]), to_datetime(row["erasedAt"]))
    return ConsentSet(_record(row), changed=bool(row["changed"]))


async def get_consent(db: Database, user_id: str) -> ConsentRecord | None:
    rows = await db.read(GET_CONSENT, {"id": user_id})
    return _record(rows[0]) if rows else None


ERASED = "[erased]"
MASK_TEXT = "[masked]"  # what a non-admin reads instead of a personal value
# Personal properties: name and email are replaced (the schema keeps them non-null), the others
# removed: country, and the keyed IP and device hashes (pseudonymous, so still personal data; the
# user simply drops out of shared-hash fraud clusters). Ids, sign-up time, plan, channel and
# campaign stay: analytics need them, and they do not identify a person once the rest is gone.
#
# Copies of the name and email elsewhere are redacted in the same transaction (see
# ``_redact_copies``): in any text property of the user, its relationships and its own events
# (invites, conversions), and in the stores of free text: idempotency records' stored answers
# (JSON, read as such), fraud-flag reasons, reward rule names and analysis job messages. The
# erasure needs the values it erases, so it redacts copies only on the first call: ERASE returns
# the values it replaced.
#
# The consent flags are cleared: both become false (no consent, which ``setConsent`` then refuses
# to change), dated by the erasure when they changed, so the erased user takes no part in what
# consent governs (``peopleYouMayKnow``, marketing).
ERASE: LiteralString = """
MATCH (u:User {id: $id})
WITH u, u.erasedAt IS NOT NULL AS already, u.name AS name, u.email AS email
SET u.name = $erased, u.email = $erased, u.erasedAt = coalesce(u.erasedAt, datetime())
WITH u, already, name, email,
     u.consentUpdatedAt IS NULL OR coalesce(u.consentMarketing, true)
     OR coalesce(u.consentAnalytics, true) AS consentChanges
SET u.consentMarketing = false, u.consentAnalytics = false,
    u.consentUpdatedAt = CASE WHEN consentChanges THEN u.erasedAt ELSE u.consentUpdatedAt END
REMOVE u.country, u.ipHash, u.deviceHash
MERGE (e:Erasure {userId: u.id})
ON CREATE SET e.at = u.erasedAt
RETURN u.id AS id, u.erasedAt AS erasedAt, already, name, email
"""
# The user itself, every relationship it has, and the event nodes it links to.
USER_TEXT: LiteralString = """
MATCH (u:User {id: $id})
CALL (u) {
  RETURN elementId(u) AS eid, false AS rel, properties(u) AS props
  UNION
  MATCH (u)-[r]-()
  RETURN elementId(r) AS eid, true AS rel, properties(r) AS props
  UNION
  MATCH (u)--(m) WHERE NOT (m:User OR m:Influencer OR m:Partner OR m:Campaign)
  RETURN elementId(m) AS eid, false AS rel, properties(m) AS props
}
RETURN eid, rel, props
"""
# Where free text is stored: label -> properties. Every store of text a caller or an operator
# writes (other than the entities' own fields) belongs here.
FREE_TEXT: tuple[tuple[LiteralString, LiteralString], ...] = (
    ("IdempotencyKey", "response"),
    ("User", "flagReason"),
    ("RewardRule", "name"),
    ("NetworkAnalysis", "message"),
)
_FIND_TEXT_TEMPLATE: LiteralString = """
UNWIND $needles AS needle
MATCH (n:$LABEL) WHERE n.$PROP CONTAINS needle
WITH DISTINCT n
RETURN elementId(n) AS eid, false AS rel, {$PROP: n.$PROP} AS props
"""
FIND_TEXT: dict[str, LiteralString] = {
    f"{label}.{prop}": _FIND_TEXT_TEMPLATE.replace("$LABEL", label).replace("$PROP", prop)
    for label, prop in FREE_TEXT
}
SET_NODE_TEXT: LiteralString = """
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.eid
SET n += row.props
"""
SET_REL_TEXT: LiteralString = """
UNWIND $rows AS row
MATCH ()-[r]->() WHERE elementId(r) = row.eid
SET r += row.props
"""
# Stored answers are JSON: their strings are redacted as values, keys left alone.
JSON_TEXT = frozenset({"response"})


@dataclass(frozen=True)
class Erased:
    id: str
    erased_at: datetime
    already: bool


async def erase_user(db: Database, user_id: str) -> Erased | None:
    """Idempotent: erasing twice changes nothing and keeps the first erasure time."""

    async def work(tx: AsyncManagedTransaction) -> Erased | None:
        row = await (await tx.run(ERASE, id=user_id, erased=ERASED)).single()
        if row is None:
            return None
        values = personal_values(row.get("name"), row.get("email"))
        if values:
            await _redact_copies(tx, user_id, values)
        at = row["erasedAt"]
        return Erased(
            id=str(row["id"]),
            erased_at=to_datetime(at),
            already=bool(row["already"]),
        )

    return await db.write_tx(work)


def personal_values(*values: object) -> tuple[str, ...]:
    """The values to erase: non-blank text other than the placeholders."""
    return tuple(
        v for v in values if isinstance(v, str) and v.strip() and v not in {ERASED, MASK_TEXT}
    )


def needles(values: Sequence[str]) -> list[str]:
    """What to look for in stored text: each value as it is and as JSON writes it (escaped)."""
    found: list[str] = []
    for value in values:
        for form in (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
            if form not in found:
                found.append(form)
    return found


def redact_text(text: str, values: Sequence[str]) -> str:
    """Each whole occurrence of a value (not a part of a longer word) becomes ``[erased]``."""
    for value in sorted(values, key=len, reverse=True):
        before = r"(?<!\w)" if re.match(r"\w", value[0]) else ""
        after = r"(?!\w)" if re.match(r"\w", value[-1]) else ""
        text = re.sub(before + re.escape(value) + after, ERASED, text)
    return text


def redact_json(text: str, values: Sequence[str]) -> str:
    """Redact the string values of a JSON document (its keys are field names); text that is not
    JSON is redacted as text."""
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return redact_text(text, values)

    def walk(node: object) -> object:
        if isinstance(node, str):
            return redact_text(node, values)
        if isinstance(node, list):
            return [walk(item) for item in cast("list[object]", node)]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in cast("dict[str, object]", node).items()}
        return node

    return json.dumps(walk(parsed), ensure_ascii=False, separators=(",", ":"))


def _redacted(props: dict[str, Any], values: Sequence[str]) -> dict[str, Any]:
    """The changed properties: text and lists of text in which a value occurs."""
    changed: dict[str, Any] = {}
    for key, value in props.items():
        if isinstance(value, str):
            new = redact_json(value, values) if key in JSON_TEXT else redact_text(value, values)
            if new != value:
                changed[key] = new
        elif isinstance(value, list):
            items = cast("list[object]", value)
            if all(isinstance(v, str) for v in items):
                texts = cast("list[str]", items)
                redacted = [redact_text(v, values) for v in texts]
                if redacted != texts:
                    changed[key] = redacted
    return changed


async def _redact_copies(tx: AsyncManagedTransaction, user_id: str, values: Sequence[str]) -> None:
    rows = [r.data() async for r in await tx.run(USER_TEXT, id=user_id)]
    looking_for = needles(values)
    for statement in FIND_TEXT.values():
        rows += [r.data() async for r in await tx.run(statement, needles=looking_for)]
    nodes: dict[str, dict[str, Any]] = {}
    rels: dict[str, dict[str, Any]] = {}
    for row in rows:
        changed = _redacted(row["props"], values)
        if changed:
            (rels if row["rel"] else nodes).setdefault(row["eid"], {}).update(changed)
    if nodes:
        rows_out = [{"eid": eid, "props": props} for eid, props in nodes.items()]
        await (await tx.run(SET_NODE_TEXT, rows=rows_out)).consume()
    if rels:
        rows_out = [{"eid": eid, "props": props} for eid, props in rels.items()]
        await (await tx.run(SET_REL_TEXT, rows=rows_out)).consume()
