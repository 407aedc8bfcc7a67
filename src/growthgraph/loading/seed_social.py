"""The demo network's social side: connections between users and hashed IP and device ids, with a
few planted fraud rings, so people-you-may-know, communities and fraud signals have something to
find. Pure and deterministic like ``seed``; it draws from its own generator, so adding it leaves
the rest of a seed's data set unchanged.

- most referred users are connected to the user who referred them;
- users make a few more connections, mostly by closing triangles (a connection of a connection),
  otherwise with an earlier user from the same country;
- every user has an IP hash and a device hash of their own, except in the planted rings: about one
  in 20 referring users with at least three referees has referees that share a device, and a
  child of one of them shares that referee's IP.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from growthgraph.loading.dataset import ConnectionRow, Dataset, UserRow

RING_SHARE = 0.05  # of referring users with at least three referees
_SALT = 7919


def _hash(kind: str, value: int, seed: int) -> str:
    return hashlib.sha256(f"{kind}:{seed}:{value}".encode()).hexdigest()[:32]


def _connections(rng: random.Random, users: list[UserRow]) -> list[ConnectionRow]:
    index = {u.id: i for i, u in enumerate(users)}
    neighbours: list[list[int]] = [[] for _ in users]
    by_country: dict[str | None, list[int]] = defaultdict(list)
    edges: dict[tuple[int, int], datetime] = {}

    def link(a: int, b: int, at: datetime) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        if key not in edges:
            edges[key] = at
            neighbours[a].append(b)
            neighbours[b].append(a)

    for i, user in enumerate(users):
        at = user.signed_up_at
        if user.referrer_kind == "USER" and user.referrer_id is not None and rng.random() < 0.8:
            link(i, index[user.referrer_id], at)
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            friends = neighbours[i]
            if friends and rng.random() < 0.7:
                via = neighbours[rng.choice(friends)]
                if via:
                    link(i, rng.choice(via), at)
                    continue
            peers = by_country[user.country]
            if peers:
                link(i, rng.choice(peers), at)
        by_country[user.country].append(i)
    rows = [
        ConnectionRow(users[a].id, users[b].id, at)
        if users[a].id < users[b].id
        else ConnectionRow(users[b].id, users[a].id, at)
        for (a, b), at in edges.items()
    ]
    rows.sort(key=lambda c: (c.a, c.b))
    return rows


def _hashes(rng: random.Random, users: list[UserRow], seed: int) -> list[UserRow]:
    ip = {u.id: _hash("ip", i, seed) for i, u in enumerate(users)}
    device = {u.id: _hash("device", i, seed) for i, u in enumerate(users)}
    referees: dict[str, list[str]] = defaultdict(list)
    for u in users:
        if u.referrer_kind == "USER" and u.referrer_id is not None:
            referees[u.referrer_id].append(u.id)
    for referrer in sorted(referees):
        kids = referees[referrer]
        if len(kids) < 3 or rng.random() >= RING_SHARE:
            continue
        ring = kids[: rng.randint(3, min(5, len(kids)))]
        for kid in ring[1:]:
            device[kid] = device[ring[0]]
        grandchildren = referees.get(ring[-1], [])
        if grandchildren:
            ip[grandchildren[0]] = ip[ring[-1]]
    return [replace(u, ip_hash=ip[u.id], device_hash=device[u.id]) for u in users]


def add_social(data: Dataset, *, seed: int) -> Dataset:
    """The same data set with connections and hashed identifiers added."""
    rng = random.Random(seed * _SALT + 1)
    data.connections = _connections(rng, data.users)
    data.users = _hashes(rng, data.users, seed)
    return data
