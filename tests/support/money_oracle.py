"""Independent answers for the money questions, computed with pandas from the rows that were
loaded (users, conversions, cost entries) and the rewards the test paid: return per source and
lifetime value. Nothing here reads the database or imports the code under test's queries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from growthgraph.loading.dataset import Dataset


@dataclass(frozen=True)
class PaidReward:
    beneficiary_label: str  # User, Influencer or Partner
    beneficiary_id: str
    conversion_id: str
    amount_cents: int
    paid_at: datetime


def users_frame(data: Dataset) -> pd.DataFrame:
    """One row per user with its referrer, its campaign, and the root of its referral chain."""
    parent = {u.id: (u.referrer_kind, u.referrer_id) for u in data.users}
    roots: list[str] = []
    for u in data.users:
        kind, rid = parent[u.id]
        if kind is None:
            roots.append("organic")
            continue
        while kind == "USER" and rid is not None and parent[rid][0] is not None:
            kind, rid = parent[rid]
        roots.append("user" if kind == "USER" else f"{str(kind).lower()}:{rid}")
    return pd.DataFrame(
        {
            "user": [u.id for u in data.users],
            "signed_up_at": [u.signed_up_at for u in data.users],
            "campaign": [u.campaign_id for u in data.users],
            "direct": [
                None
                if u.referrer_kind in (None, "USER")
                else f"{u.referrer_kind.lower()}:{u.referrer_id}"
                for u in data.users
            ],
            "referred": [u.referrer_kind is not None for u in data.users],
            "root": roots,
        }
    )


def conversions_frame(data: Dataset) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "conversion": [c.id for c in data.conversions],
            "user": [c.user_id for c in data.conversions],
            "at": [c.at for c in data.conversions],
            "revenue": [c.revenue_cents for c in data.conversions],
        }
    )


@dataclass(frozen=True)
class Return:
    direct: int
    sign_ups: int
    conversions: int
    payers: int
    revenue: int
    cost: int | None
    rewards: int


def source_returns(
    data: Dataset,
    kind: str,
    paid: list[PaidReward],
    start: datetime,
    end: datetime,
    all_time: bool,
) -> dict[str, Return]:
    """Per source id of ``kind`` (INFLUENCER, PARTNER or CAMPAIGN)."""
    users = users_frame(data)
    conv = conversions_frame(data).merge(users, on="user")
    in_window = conv[(conv["at"] >= start) & (conv["at"] < end)]
    signed = users[(users["signed_up_at"] >= start) & (users["signed_up_at"] < end)]
    rewards = pd.DataFrame(
        {
            "label": [p.beneficiary_label for p in paid],
            "bid": [p.beneficiary_id for p in paid],
            "conversion": [p.conversion_id for p in paid],
            "amount": [p.amount_cents for p in paid],
            "paid_at": [p.paid_at for p in paid],
        }
    )
    rewards = rewards[(rewards["paid_at"] >= start) & (rewards["paid_at"] < end)]
    costs = pd.DataFrame(
        {
            "kind": [c.source_kind for c in data.costs],
            "sid": [c.source_id for c in data.costs],
            "at": [c.at for c in data.costs],
            "amount": [c.amount_cents for c in data.costs],
        }
    )
    if kind == "CAMPAIGN":
        ids = [c.id for c in data.campaigns]
        undated: dict[str, int | None] = {}
        member_col, direct_col = "campaign", "campaign"
        keys = {i: i for i in ids}
        rewards = rewards.merge(conv[["conversion", "campaign"]], on="conversion")
        paid_by = rewards.groupby("campaign")["amount"].sum()
    else:
        rows = data.influencers if kind == "INFLUENCER" else data.partners
        ids = [r.id for r in rows]
        undated = {r.id: r.cost_cents for r in rows}
        member_col, direct_col = "root", "direct"
        keys = {i: f"{kind.lower()}:{i}" for i in ids}
        label = "Influencer" if kind == "INFLUENCER" else "Partner"
        paid_by = rewards[rewards["label"] == label].groupby("bid")["amount"].sum()
        paid_by.index = [f"{kind.lower()}:{i}" for i in paid_by.index]
    revenue = in_window.groupby(member_col)["revenue"].sum()
    count = in_window.groupby(member_col)["conversion"].count()
    payers = in_window.groupby(member_col)["user"].nunique()
    sign_ups = signed.groupby(member_col)["user"].count()
    direct = signed.groupby(direct_col)["user"].count()
    mine = costs[costs["kind"] == kind]
    dated = mine[(mine["at"] >= start) & (mine["at"] < end)].groupby("sid")["amount"].sum()
    has_entries = set(mine["sid"])
    out: dict[str, Return] = {}
    for i in ids:
        key = keys[i]
        base = undated.get(i) if all_time else None
        cost: int | None = None
        if i in has_entries or base is not None:
            cost = int(dated.get(i, 0)) + (base or 0)
        out[i] = Return(
            direct=int(direct.get(key, 0)),
            sign_ups=int(sign_ups.get(key, 0)),
            conversions=int(count.get(key, 0)),
            payers=int(payers.get(key, 0)),
            revenue=int(revenue.get(key, 0)),
            cost=cost,
            rewards=int(paid_by.get(key, 0)),
        )
    return out


@dataclass(frozen=True)
class Ltv:
    users: int
    paying: int
    to_date: int
    mature: int
    within: int


def lifetime_value(
    data: Dataset, start: datetime, end: datetime, as_of: datetime, days: int, group_by: str
) -> dict[tuple[str | None, bool], Ltv]:
    """Per (group key, referred): the figures of the cohort signed up in [start, end)."""
    users = users_frame(data)
    users = users[
        (users["signed_up_at"] >= start)
        & (users["signed_up_at"] < end)
        & (users["signed_up_at"] <= as_of)
    ].copy()
    conv = conversions_frame(data)
    conv = conv[conv["at"] <= as_of].merge(users[["user", "signed_up_at"]], on="user")
    span = timedelta(days=days)
    conv["within"] = conv["revenue"].where(conv["at"] < conv["signed_up_at"] + span, 0)
    per_user = conv.groupby("user").agg(
        to_date=("revenue", "sum"), within=("within", "sum"), pays=("revenue", "size")
    )
    users = users.merge(per_user, left_on="user", right_index=True, how="left").fillna(
        {"to_date": 0, "within": 0, "pays": 0}
    )
    users["mature"] = users["signed_up_at"] + span <= as_of
    if group_by == "NONE":
        users["key"] = None
    elif group_by == "SOURCE":
        users["key"] = users["root"]
    elif group_by == "CAMPAIGN":
        users["key"] = users["campaign"]
    else:
        frequency = "W-SUN" if group_by == "COHORT_WEEK" else "M"
        stamps = pd.to_datetime(users["signed_up_at"], utc=True).dt.tz_localize(None)
        users["key"] = stamps.dt.to_period(frequency).dt.start_time.dt.strftime("%Y-%m-%d")
    out: dict[tuple[str | None, bool], Ltv] = {}
    for (key, referred), g in users.groupby(["key", "referred"], dropna=False):
        mature = g[g["mature"]]
        missing = key is None or (isinstance(key, float) and math.isnan(key))
        out[(None if missing else str(key), bool(referred))] = Ltv(
            users=len(g),
            paying=int((g["pays"] > 0).sum()),
            to_date=int(g["to_date"].sum()),
            mature=len(mature),
            within=int(mature["within"].sum()),
        )
    return out
