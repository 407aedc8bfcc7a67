"""Independent answers for the growth questions, computed in plain Python and networkx from the
rows that were loaded: cohorts, invites, K per generation, sign-ups per calendar bucket."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import pandas as pd

from growthgraph.loading.dataset import Dataset, UserRow
from tests.support.oracle import Node

SOURCE = {None: "ORGANIC", "USER": "USER", "INFLUENCER": "INFLUENCER", "PARTNER": "PARTNER"}


@dataclass(frozen=True)
class Viral:
    members: int
    sent: int
    accepted: int
    referees: int
    cycle_median_s: float | None


def _key(user: UserRow, group_by: str) -> str | None:
    if group_by == "CAMPAIGN":
        return user.campaign_id
    if group_by == "CHANNEL":
        return user.channel
    if group_by == "SOURCE_KIND":
        return SOURCE[user.referrer_kind]
    return None


def viral(
    data: Dataset, graph: nx.DiGraph[Node], start: datetime, end: datetime, group_by: str
) -> dict[str | None, Viral]:
    signed_up = {u.id: u.signed_up_at for u in data.users}
    accepted_ids = {u.invite_id for u in data.users if u.invite_id is not None}
    sent: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    for inv in data.invites:
        if inv.referrer_kind == "USER":
            sent[inv.referrer_id] += 1
            accepted[inv.referrer_id] += inv.id in accepted_ids
    groups: dict[str | None, list[UserRow]] = defaultdict(list)
    for user in data.users:
        if start <= user.signed_up_at < end:
            groups[_key(user, group_by)].append(user)
    out: dict[str | None, Viral] = {}
    for key, members in groups.items():
        gaps = [
            (signed_up[child[1]] - m.signed_up_at).total_seconds()
            for m in members
            for child in graph.successors(("User", m.id))
        ]
        out[key] = Viral(
            members=len(members),
            sent=sum(sent[m.id] for m in members),
            accepted=sum(accepted[m.id] for m in members),
            referees=len(gaps),
            cycle_median_s=statistics.median(gaps) if gaps else None,
        )
    return out


def generation_sizes(graph: nx.DiGraph[Node], root: Node, last: int) -> list[int]:
    distances: dict[Node, int] = nx.single_source_shortest_path_length(graph, root, cutoff=last)
    sizes = Counter(distances.values())
    return [sizes.get(g, 0) for g in range(last + 1)]


def calendar_key(at: datetime, interval: str) -> tuple[int, ...]:
    """Day, ISO week or month of ``at`` (which is in UTC), as a tuple."""
    if interval == "DAY":
        return (at.year, at.month, at.day)
    if interval == "WEEK":
        iso = at.isocalendar()
        return (iso.year, iso.week)
    return (at.year, at.month)


def growth(
    data: Dataset, start: datetime, end: datetime, interval: str
) -> tuple[dict[tuple[int, ...], Counter[str]], Counter[tuple[tuple[int, ...], str]]]:
    by_source: dict[tuple[int, ...], Counter[str]] = defaultdict(Counter)
    by_campaign: Counter[tuple[tuple[int, ...], str]] = Counter()
    for user in data.users:
        if start <= user.signed_up_at < end:
            key = calendar_key(user.signed_up_at, interval)
            by_source[key][SOURCE[user.referrer_kind]] += 1
            if user.campaign_id is not None:
                by_campaign[(key, user.campaign_id)] += 1
    return by_source, by_campaign


def viral_within_pandas(
    data: Dataset, start: datetime, end: datetime, group_by: str, within_days: int
) -> dict[str | None, Viral]:
    """The viral figures with a conversion window, computed with pandas from the loaded rows:
    an invite counts as accepted when its sign-up came less than ``within_days`` days after it
    was sent; a referee when it signed up less than ``within_days`` after its referrer."""
    window = pd.Timedelta(days=within_days)
    users = pd.DataFrame(
        {
            "id": [u.id for u in data.users],
            "at": pd.to_datetime([u.signed_up_at for u in data.users], utc=True),
            "key": [_key(u, group_by) for u in data.users],
            "referrer": [u.referrer_id if u.referrer_kind == "USER" else None for u in data.users],
            "invite": [u.invite_id for u in data.users],
        }
    )
    invites = pd.DataFrame(
        {
            "invite": [i.id for i in data.invites if i.referrer_kind == "USER"],
            "sender": [i.referrer_id for i in data.invites if i.referrer_kind == "USER"],
            "sent": pd.to_datetime(
                [i.at for i in data.invites if i.referrer_kind == "USER"], utc=True
            ),
        }
    )
    accepted = invites.merge(users[["invite", "at"]], on="invite", how="left")
    accepted["ok"] = accepted["at"].notna() & (accepted["at"] - accepted["sent"] < window)
    members = users[(users["at"] >= pd.Timestamp(start)) & (users["at"] < pd.Timestamp(end))]
    referees = users.dropna(subset=["referrer"]).merge(
        users[["id", "at"]].rename(columns={"id": "referrer", "at": "referrer_at"}), on="referrer"
    )
    referees["gap"] = (referees["at"] - referees["referrer_at"]).dt.total_seconds()
    referees = referees[referees["at"] - referees["referrer_at"] < window]
    out: dict[str | None, Viral] = {}
    for key, group in members.groupby("key", dropna=False):
        ids = set(group["id"])
        mine = accepted[accepted["sender"].isin(ids)]
        gaps = referees[referees["referrer"].isin(ids)]["gap"]
        out[None if pd.isna(key) else str(key)] = Viral(
            members=len(group),
            sent=len(mine),
            accepted=int(mine["ok"].sum()),
            referees=len(gaps),
            cycle_median_s=float(gaps.median()) if len(gaps) else None,
        )
    return out
