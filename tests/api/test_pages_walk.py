"""Every page, to the end, through the real API.

Nested ``referrals(first:, after:)`` is walked to its end for every user, influencer and partner
of a generated network, at several page sizes, and each parent's pages are compared with its
children computed independently (networkx, from the same rows). The root lists (users,
influencers, partners, campaigns) are compared with the data set's rows and a reward ledger with
the rewards read straight from Neo4j. Parents whose child count is an exact multiple of the page
size, lists that fill their last page exactly, and the same id under three kinds (whose lists
and leaderboard ties must stay apart) are part of the data by construction.

Every page is checked as it arrives: its items are the next ones expected (none repeated or
skipped), ``hasNextPage`` is true exactly when items remain, ``endCursor`` is the cursor of the
page's last edge, and only an empty list has an empty page. Cursors are used as returned."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import pytest

from growthgraph.config import Settings
from growthgraph.graph import rewards
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.outcomes import Written
from growthgraph.loading import seed
from growthgraph.loading.dataset import (
    ConversionRow,
    Dataset,
    InfluencerRow,
    PartnerRow,
    UserRow,
    load_dataset,
)
from tests.api.conftest import Api
from tests.support import oracle

ALIASES = 25  # parents asked for in one document (the document limit is 30 aliases)
BUDGET = 15_000  # of the query cost limit (20,000) one document of aliases may use
LATER = datetime(2030, 1, 1, tzinfo=UTC)  # the hand-made parents sign up after the generated ones
ROOT_OF = {"User": "user", "Influencer": "influencer", "Partner": "partner"}
KIND_OF = {"User": "USER", "Influencer": "INFLUENCER", "Partner": "PARTNER"}


def _network() -> Dataset:
    """A generated network plus parents of chosen sizes: the same id "tie" under three kinds,
    each with 4 children (whose ids interleave across the kinds) and 2 grandchildren; users with
    6, 20 (the default page size), 23 and 40 children, and an influencer with 100 (the largest
    page) whose child ids sort differently as text and as numbers. Organic users pad the user
    count to a multiple of 100."""
    data = seed.generate(users=300, seed=5)
    data.influencers += [
        InfluencerRow("tie", "@tie", "tiktok", 10, 0.1),
        InfluencerRow("hundred", "@hundred", "youtube", 10, 0.1),
    ]
    data.partners.append(PartnerRow("tie", "Tie", "affiliate"))
    clock = iter(LATER + timedelta(minutes=m) for m in range(100_000))

    def user(uid: str, kind: str | None = None, ref: str | None = None) -> None:
        data.users.append(
            UserRow(
                id=uid,
                name=f"User {uid}",
                email=f"{uid}@example.com",
                signed_up_at=next(clock),
                referrer_kind=kind,  # type: ignore[arg-type]
                referrer_id=ref,
            )
        )

    user("tie")
    for kind, letter in (("USER", "u"), ("INFLUENCER", "i"), ("PARTNER", "p")):
        for n in range(1, 5):
            user(f"tie-{n}{letter}", kind, "tie")
        user(f"tie-1{letter}-a", "USER", f"tie-1{letter}")
        user(f"tie-1{letter}-b", "USER", f"tie-1{letter}")
    for parent, children in (("six", 6), ("twenty", 20), ("odd", 23), ("forty", 40)):
        user(parent)
        for n in range(children):
            user(f"{parent}-{n}", "USER", parent)
    for n in range(100):
        user(f"h{n}", "INFLUENCER", "hundred")
    n = 0
    while len(data.users) % 100:
        user(f"pad-{n:02d}")
        n += 1
    # Conversions for the reward ledger: every third generated user pays once.
    data.conversions = [
        ConversionRow(f"cv-{u.id}", u.id, u.signed_up_at + timedelta(hours=1), 1_000 + i)
        for i, u in enumerate(data.users[:300:3])
    ]
    return data


@dataclass
class Network:
    data: Dataset
    graph: nx.DiGraph[oracle.Node]
    run_id: str


@pytest.fixture(scope="module")
async def network(db: Database) -> Network:
    await delete_everything(db)
    data = _network()
    await load_dataset(db, data, batch_size=2_000)
    # Some rewards are HELD: through a flagged user.
    flagged = [u.id for u in data.users[:300:7]]
    await db.write(
        "UNWIND $ids AS id MATCH (u:User {id: id}) SET u.flaggedAt = $at",
        {"ids": flagged, "at": LATER},
    )
    made = await rewards.create_rule(
        db,
        id="tiers",
        name="tiers",
        levels=tuple(rewards.Level(share_bps=100 * (3 - i), fixed_cents=0) for i in range(3)),
        referee_cents=50,
        cap_cents=None,
    )
    assert isinstance(made, Written)
    run = await rewards.run_rewards(
        db, rule_id="tiers", start=seed.DEFAULT_START, end=LATER, at=LATER
    )
    assert isinstance(run, Written)
    return Network(data, oracle.referral_graph(data), run.record.id)


# --- nested referrals ------------------------------------------------------------------------

PAGE = "edges { cursor node { id } } pageInfo { hasNextPage endCursor }"


def _first_arg(first: int | None) -> str:
    return "" if first is None else f"first: {first}"


def _alias(i: int, node: oracle.Node, first: int | None, after: str | None) -> str:
    args = [
        a for a in (_first_arg(first), "" if after is None else f"after: {json.dumps(after)}") if a
    ]
    count = "totalCount " if after is None else ""
    inner = f"referrals{'(' + ', '.join(args) + ')' if args else ''} {{ {count}{PAGE} }}"
    return f"p{i}: {ROOT_OF[node[0]]}(id: {json.dumps(node[1])}) {{ {inner} }}"


@dataclass
class Walk:
    expected: list[str]
    seen: list[str]
    pages: int = 0


def check_page(walk: Walk, edges: list[dict[str, Any]], info: dict[str, Any], what: object) -> None:
    """One page, as it arrives, against the whole list expected."""
    ids = [e["node"]["id"] for e in edges]
    start = len(walk.seen)
    assert ids == walk.expected[start : start + len(ids)], (what, walk.pages, ids)
    assert ids or (walk.pages == 0 and not walk.expected), (what, "an empty page", walk.pages)
    walk.seen += ids
    walk.pages += 1
    remaining = len(walk.seen) < len(walk.expected)
    assert info["hasNextPage"] is remaining, (what, walk.pages, len(walk.seen), info)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None), (what, info)


def walk_referrals(
    api: Api, expected: dict[oracle.Node, list[str]], first: int | None
) -> dict[oracle.Node, Walk]:
    walks = {node: Walk(children, []) for node, children in expected.items()}
    # Longest lists first, so their many pages are walked beside the short ones.
    order = sorted(expected, key=lambda node: -len(expected[node]))
    pending: dict[oracle.Node, str | None] = dict.fromkeys(order)
    # A page costs about 9 per item (edges, cursor, node, id, pageInfo): stay under the limit.
    aliases = min(ALIASES, BUDGET // (9 * (first or 20) + 10))
    while pending:
        batch = list(pending.items())[:aliases]
        document = (
            "{ "
            + " ".join(_alias(i, node, first, after) for i, (node, after) in enumerate(batch))
            + " }"
        )
        data = api.data(document)
        for i, (node, after) in enumerate(batch):
            connection = data[f"p{i}"]["referrals"]
            if after is None:
                assert connection["totalCount"] == len(expected[node]), node
            check_page(walks[node], connection["edges"], connection["pageInfo"], (node, first))
            if connection["pageInfo"]["hasNextPage"]:
                pending[node] = connection["pageInfo"]["endCursor"]
            else:
                del pending[node]
    return walks


def children(network: Network) -> dict[oracle.Node, list[str]]:
    graph = network.graph
    return {node: sorted(child[1] for child in graph.successors(node)) for node in graph.nodes}


@pytest.mark.parametrize("first", [None, 1, 2, 100], ids=lambda f: f"first={f}")
def test_referrals_of_every_parent_to_the_end(
    api: Api, settings: Settings, network: Network, first: int | None
) -> None:
    expected = children(network)
    size = settings.page_size if first is None else first
    counts = [len(c) for c in expected.values()]
    # The data holds the cases that matter at this page size.
    assert 0 in counts
    assert size in counts, "a parent with exactly one full page"
    if 1 < size <= 20:
        assert any(c > size and c % size == 0 for c in counts), "an exact multiple past one page"
        assert any(c > size and c % size for c in counts), "a partial last page"
    walks = walk_referrals(api, expected, first)
    for node, walk in walks.items():
        assert walk.seen == walk.expected, node
        full_pages = -(-len(walk.expected) // size)
        assert walk.pages == max(1, full_pages), (node, walk.pages)


def test_the_same_id_under_three_kinds_keeps_three_lists(api: Api, network: Network) -> None:
    """Asked for in one document (one batch per kind), each "tie" lists its own children."""
    ties = [(label, "tie") for label in ROOT_OF]
    expected = {node: sorted(c[1] for c in network.graph.successors(node)) for node in ties}
    assert expected[("User", "tie")] == ["tie-1u", "tie-2u", "tie-3u", "tie-4u"]
    for first in (1, 2, 3):
        walks = walk_referrals(api, expected, first)
        assert {node: w.seen for node, w in walks.items()} == expected


TOP = """
query($degree: Int!, $limit: Int!, $since: DateTime, $until: DateTime) {
  topReferrers(degree: $degree, limit: $limit, since: $since, until: $until) {
    signUps referrer { id kind }
  }
}
"""


@pytest.mark.parametrize("degree", [1, 2])
def test_ties_between_one_id_under_three_kinds_break_by_kind(
    api: Api, network: Network, degree: int
) -> None:
    """Equal counts under the same id: Influencer, then Partner, then User (label order), at
    every cut, in a window (the above-key index) and all time (the below-count indexes)."""
    want = [
        {"signUps": 4 if degree == 1 else 2, "referrer": {"id": "tie", "kind": kind}}
        for kind in ("INFLUENCER", "PARTNER", "USER")
    ]
    # The three "tie" referrers and their 18 users are the first sign-ups after LATER.
    window = {"since": "2030-01-01T00:00:00Z", "until": "2030-01-01T00:19:00Z"}
    for limit in (1, 2, 3):
        got = api.data(TOP, {"degree": degree, "limit": limit, **window})["topReferrers"]
        assert got == want[:limit], limit
    every = api.data(TOP, {"degree": degree, "limit": 100})["topReferrers"]
    ties = [r for r in every if r["referrer"]["id"] == "tie"]
    assert ties == want
    ranked = [(r["signUps"], r["referrer"]["id"], r["referrer"]["kind"]) for r in every]
    assert ranked == sorted(ranked, key=lambda r: (-r[0], r[1], r[2]))


# --- root lists ------------------------------------------------------------------------------

LIST = """
query($first: Int, $after: String) {
  %s(first: $first, after: $after) { totalCount %s }
}
"""


def walk_list(api: Api, name: str, expected: list[str], first: int | None) -> Walk:
    walk = Walk(expected, [])
    after: str | None = None
    while True:
        found = api.data(LIST % (name, PAGE), {"first": first, "after": after})[name]
        assert found["totalCount"] == len(expected)
        check_page(walk, found["edges"], found["pageInfo"], (name, first))
        if not found["pageInfo"]["hasNextPage"]:
            return walk
        after = found["pageInfo"]["endCursor"]


def test_root_lists_to_the_end(api: Api, settings: Settings, network: Network) -> None:
    data = network.data
    lists = {
        "users": sorted(u.id for u in data.users),
        "influencers": sorted(i.id for i in data.influencers),
        "partners": sorted(p.id for p in data.partners),
        "campaigns": sorted(c.id for c in data.campaigns),
    }
    most = settings.max_page_size
    users = len(lists["users"])
    assert users % most == 0  # the largest page ends the list exactly
    assert users % settings.page_size == 0  # so does the default page
    odd = next(p for p in (33, 37, 41) if users % p)
    plans: dict[str, list[int | None]] = {
        "users": [None, most, odd],
        **{
            name: [None, 1, 2, 3, len(ids) - 1, len(ids), most]
            for name, ids in lists.items()
            if name != "users"
        },
    }
    for name, sizes in plans.items():
        for first in sizes:
            walk = walk_list(api, name, lists[name], first)
            assert walk.seen == lists[name], (name, first)
    # A page of the largest size holds exactly that many items.
    page = api.data(LIST % ("users", PAGE), {"first": most})["users"]
    assert len(page["edges"]) == most


# --- reward ledger ---------------------------------------------------------------------------

LEDGER = """
query($run: ID!, $first: Int!, $after: String, $status: RewardStatus) {
  rewardLedger(runId: $run, first: $first, after: $after, status: $status) {
    rewards { id status } endCursor
  }
}
"""
STORED = """
MATCH (:RewardRun {id: $run})<-[:IN_RUN]-(w:Reward)
WHERE $status IS NULL OR w.status = $status
RETURN w.id AS id
"""


def walk_ledger(api: Api, run: str, first: int, status: str | None, expected: list[str]) -> None:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        variables = {"run": run, "first": first, "after": after, "status": status}
        found = api.data(LEDGER, variables)["rewardLedger"]
        ids = [r["id"] for r in found["rewards"]]
        assert ids == expected[len(seen) : len(seen) + len(ids)], (first, status, pages)
        assert ids or (pages == 0 and not expected), (first, status, "an empty page")
        assert all(status is None or r["status"] == status for r in found["rewards"])
        seen += ids
        pages += 1
        more = len(seen) < len(expected)
        # The ledger ends where endCursor is null; it is the last reward's cursor otherwise.
        assert (found["endCursor"] is not None) is more, (first, status, pages)
        if not more:
            break
        after = found["endCursor"]
    assert seen == expected
    assert pages == max(1, -(-len(expected) // first))


async def test_the_reward_ledger_to_the_end(api: Api, db: Database, network: Network) -> None:
    exact_multiples = 0
    for status in (None, "PENDING", "HELD", "APPROVED"):
        rows = await db.read(STORED, {"run": network.run_id, "status": status})
        expected = sorted(str(r["id"]) for r in rows)
        if status in (None, "PENDING", "HELD"):
            assert len(expected) > 3, status
        else:
            assert expected == []
        total = len(expected)
        # One page exactly full, a last page of one item, the largest page, and an exact
        # multiple of a page size past one page; pages of one item on a short list.
        sizes = {max(total, 1), max(total - 1, 1), rewards.MAX_LEDGER_PAGE}
        divisor = next((p for p in range(2, total) if total % p == 0 and total // p <= 8), None)
        if divisor is not None:
            sizes.add(divisor)
            exact_multiples += 1
        if total <= 50:
            sizes.add(1)
        for first in sorted(sizes):
            walk_ledger(api, network.run_id, first, status, expected)
    assert exact_multiples >= 2
