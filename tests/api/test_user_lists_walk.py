"""A user's own lists to the end, through the real API: ``User.connections``,
``User.conversions`` and ``User.rewards`` of every user of a generated network, at several page
sizes, each against an independent computation from the same rows: the connections from a
networkx graph of the connection rows, the conversions sorted by pandas (time, then id), the
rewards grouped from the reward nodes read straight from Neo4j.

The data has users with no item, one item, exactly a page of items and many pages of them
(a hub with 45 connections, a payer with 23 conversions), and conversions that share an instant
(ordered by id). Every page is checked as it arrives (tests.api.test_pages_walk.check_page), and
cursors are bound to their list and to its order."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from growthgraph.graph import rewards
from growthgraph.graph.database import Database
from growthgraph.graph.maintenance import delete_everything
from growthgraph.graph.outcomes import Written
from growthgraph.loading import seed
from growthgraph.loading.dataset import ConnectionRow, ConversionRow, Dataset, load_dataset
from tests.api.conftest import Api
from tests.api.test_pages_walk import Walk, check_page

LATER = datetime(2030, 1, 1, tzinfo=UTC)
ALIASES = 20
LISTS = ("connections", "conversions", "rewards")


@dataclass
class Lists:
    data: Dataset
    expected: dict[str, dict[str, list[str]]]  # list name -> user id -> ids in order


def _dataset() -> Dataset:
    data = seed.generate(users=120, seed=11)
    ids = [u.id for u in data.users]
    rng = random.Random(11)
    hub = ids[0]
    known = {(min(c.a, c.b), max(c.a, c.b)) for c in data.connections}
    for other in ids[1:46]:
        pair = (min(hub, other), max(hub, other))
        if pair not in known:
            known.add(pair)
            data.connections.append(ConnectionRow(hub, other, LATER))
    signed = {u.id: u.signed_up_at for u in data.users}
    conversions: list[ConversionRow] = []
    for n, uid in enumerate(ids):
        # Most users pay 0 to 4 times; one pays 23 times (one default page and three more).
        count = 23 if n == 1 else rng.choice([0, 0, 1, 2, 4])
        for k in range(count):
            # Every other payment shares its instant with the one before: ids break the tie.
            at = signed[uid] + timedelta(hours=1 + k // 2)
            conversions.append(
                ConversionRow(f"cv-{uid}-{rng.randrange(100):02d}-{k:02d}", uid, at, 500)
            )
    data.conversions = conversions
    return data


async def _stored_rewards(db: Database) -> dict[str, list[str]]:
    rows = await db.read(
        "MATCH (w:Reward) RETURN w.id AS id, w.beneficiaryLabel AS label, w.beneficiaryId AS owner"
    )
    frame = pd.DataFrame(rows, columns=["id", "label", "owner"])
    users = frame[frame["label"] == "User"].sort_values("id")
    return {str(k): [str(i) for i in g["id"]] for k, g in users.groupby("owner")}


@pytest.fixture(scope="module")
async def lists(db: Database) -> Lists:
    await delete_everything(db)
    data = _dataset()
    await load_dataset(db, data, batch_size=2_000)
    made = await rewards.create_rule(
        db,
        id="tiers",
        name="tiers",
        levels=(rewards.Level(share_bps=300, fixed_cents=0), rewards.Level(100, 0)),
        referee_cents=50,
        cap_cents=None,
    )
    assert isinstance(made, Written)
    run = await rewards.run_rewards(
        db, rule_id="tiers", start=seed.DEFAULT_START, end=LATER, at=LATER
    )
    assert isinstance(run, Written)

    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(u.id for u in data.users)
    graph.add_edges_from((c.a, c.b) for c in data.connections if c.a != c.b)
    frame = pd.DataFrame(
        [(c.user_id, c.at, c.id) for c in data.conversions], columns=["user", "at", "id"]
    ).sort_values(["at", "id"])
    conversions = {str(k): [str(i) for i in g["id"]] for k, g in frame.groupby("user")}
    stored = await _stored_rewards(db)
    ids = [u.id for u in data.users]
    expected = {
        "connections": {uid: sorted(graph.neighbors(uid)) for uid in ids},
        "conversions": {uid: conversions.get(uid, []) for uid in ids},
        "rewards": {uid: stored.get(uid, []) for uid in ids},
    }
    return Lists(data, expected)


def _alias(i: int, uid: str, name: str, first: int | None, after: str | None) -> str:
    args = [f"first: {first}"] if first is not None else []
    if after is not None:
        args.append(f"after: {json.dumps(after)}")
    count = "totalCount " if after is None else ""
    inner = f"{name}{'(' + ', '.join(args) + ')' if args else ''}"
    page = "edges { cursor node { id } } pageInfo { hasNextPage endCursor }"
    return f"p{i}: user(id: {json.dumps(uid)}) {{ {inner} {{ {count}{page} }} }}"


def walk_all(api: Api, name: str, expected: dict[str, list[str]], first: int | None) -> None:
    walks = {uid: Walk(items, []) for uid, items in expected.items()}
    pending: dict[str, str | None] = dict.fromkeys(
        sorted(expected, key=lambda u: -len(expected[u]))
    )
    while pending:
        batch = list(pending.items())[:ALIASES]
        document = "{ " + " ".join(_alias(i, u, name, first, a) for i, (u, a) in enumerate(batch))
        data = api.data(document + " }")
        for i, (uid, after) in enumerate(batch):
            connection = data[f"p{i}"][name]
            if after is None:
                assert connection["totalCount"] == len(expected[uid]), (name, uid)
            check_page(walks[uid], connection["edges"], connection["pageInfo"], (name, uid, first))
            if connection["pageInfo"]["hasNextPage"]:
                pending[uid] = connection["pageInfo"]["endCursor"]
            else:
                del pending[uid]
    for uid, walk in walks.items():
        assert walk.seen == expected[uid], (name, uid, first)


@pytest.mark.parametrize("name", LISTS)
def test_every_users_list_to_the_end(api: Api, lists: Lists, name: str) -> None:
    expected = lists.expected[name]
    sizes = [len(items) for items in expected.values()]
    # The data covers the edge cases: empty lists, single items, several pages.
    assert min(sizes) == 0
    assert 1 in sizes
    assert max(sizes) > 20
    for first in (None, 1, 4, 100):
        if first == 1:  # one item a page: the users with short lists only
            short = {u: items for u, items in expected.items() if len(items) <= 5}
            walk_all(api, name, short, first)
        else:
            walk_all(api, name, expected, first)


def test_the_data_has_ties_and_exact_pages(lists: Lists) -> None:
    times = [(c.user_id, c.at) for c in lists.data.conversions]
    assert len(set(times)) < len(times)  # conversions of one user share an instant
    hub = lists.expected["connections"][lists.data.users[0].id]
    assert len(hub) >= 45
    # A list that fills its last page exactly, at page size 4.
    assert any(len(v) and len(v) % 4 == 0 for v in lists.expected["conversions"].values())


CONNECTED = """
query($id: ID!) {
  user(id: $id) { connections(first: 100) { edges { connectedAt node { id } } } }
}
"""


def test_connection_times_and_foreign_cursors(api: Api, lists: Lists) -> None:
    hub = lists.data.users[0].id
    edges = api.data(CONNECTED, {"id": hub})["user"]["connections"]["edges"]
    recorded = {(min(c.a, c.b), max(c.a, c.b)): c.at for c in lists.data.connections if c.a != c.b}
    for edge in edges:
        other = edge["node"]["id"]
        at = recorded[(min(hub, other), max(hub, other))]
        assert edge["connectedAt"] == (None if at is None else at.astimezone(UTC).isoformat())
    # A cursor of one list is refused by the others, and by the root list of users.
    payer = lists.data.users[1].id
    first_page: dict[str, Any] = api.data(
        "query($id: ID!) { user(id: $id) { conversions(first: 1) { pageInfo { endCursor } } "
        "connections(first: 1) { pageInfo { endCursor } } } }",
        {"id": payer},
    )["user"]
    conversion_cursor = first_page["conversions"]["pageInfo"]["endCursor"]
    connection_cursor = first_page["connections"]["pageInfo"]["endCursor"]
    for field, cursor in (
        ("connections", conversion_cursor),
        ("rewards", connection_cursor),
        ("conversions", connection_cursor),
    ):
        body = api.gql(
            f"query($id: ID!, $after: String) {{ user(id: $id) {{ {field}(after: $after) "
            "{ totalCount } } }",
            {"id": payer, "after": cursor},
        )
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], field
    body = api.gql(
        "query($a: String) { users(after: $a) { totalCount } }", {"a": connection_cursor}
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


def test_nested_lists_are_batched(api: Api, lists: Lists) -> None:
    """A page of users with all three lists costs one round trip per list, not one per user."""
    before = api.round_trips
    found = api.data(
        "{ users(first: 50) { nodes { id connections(first: 3) { totalCount nodes { id } } "
        "conversions(first: 2) { totalCount edges { node { id } } } "
        "rewards(first: 2) { totalCount edges { node { id } } } } } }"
    )["users"]["nodes"]
    assert len(found) == 50
    for user in found:
        uid = user["id"]
        assert [n["id"] for n in user["connections"]["nodes"]] == lists.expected["connections"][
            uid
        ][:3]
        assert user["conversions"]["totalCount"] == len(lists.expected["conversions"][uid])
        assert user["rewards"]["totalCount"] == len(lists.expected["rewards"][uid])
    # The users page, three pages and three counts: batched per list, whatever the users.
    assert api.round_trips - before <= 7
