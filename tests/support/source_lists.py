"""Generated influencers, partners and campaigns for the root lists' filters and sorts, and the
same lists computed by pandas from the rows (the referral counters counted from the users'
referrers, never read from the graph).

The generated network has few sources, so many are added: drawn from small sets of followers,
engagement rates and names (ties that only the id breaks), kinds and UTM values (some absent),
names beyond ASCII (fullwidth letters, and characters outside the Basic Multilingual Plane,
whose order by code point differs from their order by UTF-16 code unit). Organic users, with
their downlines, are handed to some of the new sources, so sources have direct and second-degree
sign-ups, tied counts, and none at all (a counter absent in the graph, zero here)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pandas as pd

from growthgraph.graph.labels import ReferrerKindName
from growthgraph.loading import seed
from growthgraph.loading.dataset import (
    PARTNER_KINDS,
    CampaignRow,
    Dataset,
    InfluencerRow,
    PartnerRow,
)

PLATFORMS = ("instagram", "tiktok", "youtube", "twitch")
# Beyond ASCII: a fullwidth letter (U+FF21, U+FF38) sorts before a character outside the Basic
# Multilingual Plane (U+1D538, U+1F680) by code point, after it by UTF-16 code unit (surrogates
# D835 and D83D); pandas and the NAME order sort by code point.
NAMES = (
    "Acme",
    "acme",
    "Zeta Labs",
    "\uff21cme",
    "\U0001d538cme",
    "Émile & Co",
    "Orbit \uff38",
    "Orbit 🚀",
    "Orbit 🚀 Labs",
    "Orbit \U0001f6f0",
    "Orbit",
    "Acme",
)
SOURCES = ("instagram", "newsletter", "tiktok")
MEDIUMS = ("influencer", "email", "cpc")
COUNTERS = ("DIRECT_SIGN_UPS", "SECOND_DEGREE_SIGN_UPS")  # the schema's sort fields


def sources_dataset() -> Dataset:
    rng = random.Random(13)
    data = seed.generate(users=300, seed=7)
    for n in range(60):
        data.influencers.append(
            InfluencerRow(
                id=f"inf-x{(n * 17) % 60:02d}",
                handle=f"@x{n}",
                platform=rng.choice(PLATFORMS),
                followers=rng.choice((0, 150, 1200, 1200, 98_000, 2_500_000)),
                engagement_rate=rng.choice((0.0, 0.07, 0.1, 0.1, 0.333, 1.0)),
            )
        )
    for n in range(40):
        data.partners.append(
            PartnerRow(
                id=f"ptn-x{(n * 7) % 40:02d}",
                name=rng.choice(NAMES),
                kind=rng.choice(PARTNER_KINDS),
            )
        )
    for n in range(30):
        data.campaigns.append(
            CampaignRow(
                id=f"cmp-x{(n * 11) % 30:02d}",
                name=rng.choice(NAMES),
                utm_source=rng.choice((*SOURCES, None)),
                utm_medium=rng.choice((*MEDIUMS, None)),
            )
        )
    # Organic users (and the downlines they head) go to 30 of the new influencers and 20 of
    # the new partners; the other new sources refer nobody.
    influencer: ReferrerKindName = "INFLUENCER"
    partner: ReferrerKindName = "PARTNER"
    takers = [(influencer, f"inf-x{n:02d}") for n in range(30)]
    takers += [(partner, f"ptn-x{n:02d}") for n in range(20)]
    for i, row in enumerate(data.users):
        if row.referrer_kind is None and rng.random() < 0.7:
            kind, source = rng.choice(takers)
            data.users[i] = replace(row, referrer_kind=kind, referrer_id=source, channel="link")
    return data


def _counters(data: Dataset) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, id) -> (sign-ups one hop below, two hops below), from the users' referrers."""
    users = pd.DataFrame(
        [(u.id, u.referrer_kind, u.referrer_id) for u in data.users], columns=["id", "kind", "ref"]
    )
    direct = users.dropna(subset=["ref"]).groupby(["kind", "ref"]).size()
    parents = users[users["kind"] == "USER"].merge(
        users, left_on="ref", right_on="id", suffixes=("", "_up")
    )
    second = parents.dropna(subset=["ref_up"]).groupby(["kind_up", "ref_up"]).size()
    keys = set(direct.index) | set(second.index)
    return {
        (str(k), str(r)): (int(direct.get((k, r), 0)), int(second.get((k, r), 0))) for k, r in keys
    }


def frames(data: Dataset) -> dict[str, pd.DataFrame]:
    """Each list's rows as pandas sees them, by the list's field name."""
    counts = _counters(data)

    def below(kind: str, source: str) -> tuple[int, int]:
        return counts.get((kind, source), (0, 0))

    influencers = pd.DataFrame(
        [
            (i.id, i.platform, i.followers, i.engagement_rate, *below("INFLUENCER", i.id))
            for i in data.influencers
        ],
        columns=["id", "platform", "FOLLOWERS", "ENGAGEMENT_RATE", *COUNTERS],
    )
    partners = pd.DataFrame(
        [(p.id, p.kind, p.name, *below("PARTNER", p.id)) for p in data.partners],
        columns=["id", "kind", "NAME", *COUNTERS],
    )
    campaigns = pd.DataFrame(
        [(c.id, c.utm_source, c.utm_medium, c.name) for c in data.campaigns],
        columns=["id", "utmSource", "utmMedium", "NAME"],
    )
    return {"influencers": influencers, "partners": partners, "campaigns": campaigns}


# How each filter field of the schema admits a row, by list.
FILTERS: dict[str, dict[str, tuple[str, str]]] = {
    "influencers": {
        "platform": ("platform", "=="),
        "minFollowers": ("FOLLOWERS", ">="),
        "maxFollowers": ("FOLLOWERS", "<="),
    },
    "partners": {"partnerKind": ("kind", "kind")},
    "campaigns": {"utmSource": ("utmSource", "=="), "utmMedium": ("utmMedium", "==")},
}


def expected(
    frame: pd.DataFrame, list_name: str, where: dict[str, Any], order: dict[str, str]
) -> list[str]:
    """The list pandas computes: the rows every filter admits, by the sort field, then id."""
    keep = pd.Series(True, index=frame.index)
    for name, value in where.items():
        column, test = FILTERS[list_name][name]
        if test == "kind":  # the schema's enum name of a stored kind
            keep &= frame[column].str.upper().str.replace("-", "_") == value
        elif test == ">=":
            keep &= frame[column] >= value
        elif test == "<=":
            keep &= frame[column] <= value
        else:
            keep &= frame[column] == value
    field = order.get("field", "ID")
    keys = ["id"] if field == "ID" else [field, "id"]
    ascending = order.get("direction", "ASC") == "ASC"
    ordered = frame.loc[keep].sort_values(keys, ascending=ascending, kind="stable")
    return [str(i) for i in ordered["id"].tolist()]
