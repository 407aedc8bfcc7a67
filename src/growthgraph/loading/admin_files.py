"""The CSV files of ``neo4j-admin database import full`` for an initial load (``initial``).

One file per label and per relationship type (and per referrer label for the edges that start at
a referrer), each with its typed header on the first line and one id space per label, so ids stay
unique per kind as in the graph. The properties, their names and their types are those the online
create mode writes (``graph.loading``'s ``CREATE_*`` statements): times are ``datetime`` in UTC,
counts ``long``, rates ``double``, the leaderboard counters as ``graph.counters`` stores them
(``aboveK`` keys, ``belowK`` counts absent when zero), a partner's and a campaign's name with its
sort key (``graph.name_keys``), and a missing value is no property.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import LiteralString, TextIO

from growthgraph.graph import counters, name_keys
from growthgraph.graph.labels import NAME_LABELS
from growthgraph.graph.name_keys import name_sort_key
from growthgraph.loading.plan import Plan

_BELOW_HEADER = ",".join(f"{name}:long" for name in counters.BELOW)
_ABOVE_HEADER = ",".join(counters.ABOVE)
NODE_HEADERS: dict[LiteralString, str] = {
    "Influencer": "id:ID(Influencer),handle,platform,followers:long,engagementRate:double,"
    "costCents:long," + _BELOW_HEADER,
    # A partner's and a campaign's name come with its sort key (graph.name_keys).
    "Partner": f"id:ID(Partner),name,{name_keys.PROPERTY},kind,costCents:long," + _BELOW_HEADER,
    "Campaign": f"id:ID(Campaign),name,{name_keys.PROPERTY},utmSource,utmMedium,utmCampaign",
    "User": "id:ID(User),name,email,signedUpAt:datetime,country,plan,channel,campaignId,ipHash,"
    "deviceHash,consentMarketing:boolean,consentAnalytics:boolean,consentUpdatedAt:datetime,"
    "erasedAt:datetime," + _ABOVE_HEADER + "," + _BELOW_HEADER,
    "Invite": "id:ID(Invite),at:datetime,channel,campaignId",
    "Conversion": "id:ID(Conversion),at:datetime,revenueCents:long,plan",
    "Activity": "key:ID(Activity),at:datetime,kind",
}
NODE_LABELS: tuple[LiteralString, ...] = tuple(NODE_HEADERS)
RELATIONSHIP_TYPES: tuple[LiteralString, ...] = (
    "REFERRED",
    "SENT",
    "ACCEPTED",
    "CONVERTED",
    "DID",
    "CONNECTED_TO",
)


def relationship_header(kind: str, start: str, end: str) -> str:
    header = f":START_ID({start}),:END_ID({end})"
    if kind == "REFERRED":
        return header + ",at:datetime,channel,campaignId"
    if kind == "CONNECTED_TO":
        return header + ",at:datetime"
    return header


@dataclass(frozen=True, slots=True)
class AdminFile:
    """One file for the admin tool: a label (nodes) or a type (relationships), and its rows."""

    name: LiteralString
    path: Path
    rows: int


@dataclass(slots=True)
class AdminFiles:
    nodes: list[AdminFile] = field(default_factory=list[AdminFile])
    relationships: list[AdminFile] = field(default_factory=list[AdminFile])
    multiline: bool = False  # a text value holds a line break: the admin tool must be told

    def node_counts(self) -> dict[LiteralString, int]:
        return _totals(self.nodes, NODE_LABELS)

    def relationship_counts(self) -> dict[LiteralString, int]:
        return _totals(self.relationships, RELATIONSHIP_TYPES)


def _totals(written: list[AdminFile], names: tuple[LiteralString, ...]) -> dict[LiteralString, int]:
    totals = dict.fromkeys(names, 0)
    for item in written:
        totals[item.name] += item.rows
    return totals


class _Cells:
    """Values as CSV cells in the admin tool's dialect: every text quoted (so an empty text stays
    an empty string, and an unquoted empty cell is a missing value), quotes doubled."""

    def __init__(self) -> None:
        self.multiline = False

    def text(self, value: str | None) -> str:
        if value is None:
            return ""
        if "\n" in value or "\r" in value:
            self.multiline = True
        return '"' + value.replace('"', '""') + '"'


def _time(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def _flag(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


def _number(value: float | None) -> str:
    return "" if value is None else repr(value)


def _counts(values: tuple[int, ...] | None) -> list[str]:
    """``below1..5``: absent when zero, as online."""
    if values is None:
        return ["", "", "", "", ""]
    return [str(v) if v else "" for v in values]


def _write(path: Path, header: str, lines: Iterable[str]) -> int:
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header + "\n")
        rows = _write_lines(out, lines)
    return rows


def _write_lines(out: TextIO, lines: Iterable[str]) -> int:
    rows = 0
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == 10_000:
            out.write("\n".join(batch) + "\n")
            rows += len(batch)
            batch = []
    if batch:
        out.write("\n".join(batch) + "\n")
        rows += len(batch)
    return rows


def write_admin_files(todo: Plan, forest: counters.Stored, out: Path) -> AdminFiles:
    """Write the planned rows of ``todo``, with the counters of ``forest``, into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    cells = _Cells()
    text = cells.text
    below = forest.below.get
    above = forest.above.get
    written = AdminFiles()

    def nodes(label: LiteralString, lines: Iterable[str]) -> None:
        path = out / f"{label.lower()}.csv"
        written.nodes.append(AdminFile(label, path, _write(path, NODE_HEADERS[label], lines)))

    def edges(kind: LiteralString, start: str, end: str, lines: Iterable[str]) -> None:
        path = out / f"{kind.lower()}-{start.lower()}-{end.lower()}.csv"
        header = relationship_header(kind, start, end)
        written.relationships.append(AdminFile(kind, path, _write(path, header, lines)))

    def key(label: str) -> Callable[[str], str]:
        return lambda node_id: counters.node_key(label, node_id)

    influencer_key, partner_key, user_key = key("Influencer"), key("Partner"), key("User")
    nodes(
        "Influencer",
        (
            ",".join(
                [
                    i.id,
                    text(i.handle),
                    text(i.platform),
                    _number(i.followers),
                    _number(i.engagement_rate),
                    _number(i.cost_cents),
                    *_counts(below(influencer_key(i.id))),
                ]
            )
            for i in todo.influencers
        ),
    )
    nodes(
        "Partner",
        (
            ",".join(
                [
                    p.id,
                    text(p.name),
                    text(name_sort_key(p.name)),
                    text(p.kind),
                    _number(p.cost_cents),
                    *_counts(below(partner_key(p.id))),
                ]
            )
            for p in todo.partners
        ),
    )
    nodes(
        "Campaign",
        (
            ",".join(
                [
                    c.id,
                    text(c.name),
                    text(name_sort_key(c.name)),
                    text(c.utm_source),
                    text(c.utm_medium),
                    text(c.utm_campaign),
                ]
            )
            for c in todo.campaigns
        ),
    )
    signed_up: dict[str, str] = {}
    no_ups = ("", "", "", "", "")

    def users() -> Iterable[str]:
        for u in todo.users:
            at = signed_up[u.id] = u.signed_up_at.isoformat()
            k = user_key(u.id)
            ups = above(k)
            yield ",".join(
                [
                    u.id,
                    text(u.name),
                    text(u.email),
                    at,
                    text(u.country),
                    text(u.plan),
                    text(u.channel),
                    text(u.campaign_id),
                    text(u.ip_hash),
                    text(u.device_hash),
                    _flag(u.consent_marketing),
                    _flag(u.consent_analytics),
                    _time(u.consent_updated_at),
                    _time(u.erased_at),
                    *(no_ups if ups is None else (text(a) for a in ups)),
                    *_counts(below(k)),
                ]
            )

    nodes("User", users())
    nodes(
        "Invite",
        (",".join([i.id, _time(i.at), text(i.channel), text(i.campaign_id)]) for i in todo.invites),
    )
    nodes(
        "Conversion",
        (
            ",".join([c.id, _time(c.at), _number(c.revenue_cents), text(c.plan)])
            for c in todo.conversions
        ),
    )
    nodes(
        "Activity",
        (",".join([text(a.key), _time(a.at), text(a.kind)]) for a in todo.activities),
    )
    for kind, label in NAME_LABELS.items():
        edges(
            "REFERRED",
            label,
            "User",
            (
                ",".join(
                    [
                        r.referrer_id,
                        r.user_id,
                        signed_up[r.user_id],
                        text(r.channel),
                        text(r.campaign_id),
                    ]
                )
                for r in todo.referrals
                if r.referrer_kind == kind
            ),
        )
        edges(
            "SENT",
            label,
            "Invite",
            (f"{i.referrer_id},{i.id}" for i in todo.invites if i.referrer_kind == kind),
        )
    edges(
        "ACCEPTED",
        "Invite",
        "User",
        (f"{i.id},{i.accepted_by}" for i in todo.invites if i.accepted_by is not None),
    )
    edges("CONVERTED", "User", "Conversion", (f"{c.user_id},{c.id}" for c in todo.conversions))
    edges("DID", "User", "Activity", (f"{a.user_id},{text(a.key)}" for a in todo.activities))
    edges(
        "CONNECTED_TO",
        "User",
        "User",
        (f"{c.a},{c.b},{_time(c.at)}" for c in todo.connections),
    )
    written.multiline = cells.multiline
    return written
