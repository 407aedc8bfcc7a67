"""The demo network's connections and hashed identifiers, with its planted fraud rings."""

from __future__ import annotations

from collections import defaultdict

from growthgraph.graph import fraud_compute as fc
from growthgraph.loading import seed
from growthgraph.loading.dataset import UserRow


def test_connections_are_stored_once_between_existing_users() -> None:
    data = seed.generate(users=3_000, seed=3)
    ids = {u.id for u in data.users}
    pairs = [(c.a, c.b) for c in data.connections]
    assert len(pairs) == len(set(pairs)) > 3_000
    assert all(a < b and a in ids and b in ids for a, b in pairs)
    referred = {
        (min(u.id, u.referrer_id), max(u.id, u.referrer_id))
        for u in data.users
        if u.referrer_kind == "USER" and u.referrer_id
    }
    assert len(referred & set(pairs)) > 0.7 * len(referred)
    assert seed.generate(users=3_000, seed=3) == data
    assert seed.generate(users=3_000, seed=4).connections != data.connections


def test_every_user_has_hashes_and_the_planted_rings_are_found() -> None:
    data = seed.generate(users=3_000, seed=3)
    assert all(u.ip_hash and u.device_hash for u in data.users)
    kids: dict[str, list[str]] = defaultdict(list)
    for u in data.users:
        if u.referrer_kind == "USER" and u.referrer_id:
            kids[u.referrer_id].append(u.id)
    shared: dict[str | None, list[UserRow]] = defaultdict(list)
    for u in data.users:
        shared[u.device_hash].append(u)
    rings = [group for group in shared.values() if len(group) > 1]
    assert rings
    by_id = {u.id: u for u in data.users}
    for ring in rings:
        parents = {u.referrer_id for u in ring}
        assert len(parents) == 1
        parent = parents.pop()
        assert parent is not None
        members = [
            fc.Member(
                id=k,
                name=by_id[k].name,
                email=by_id[k].email,
                signed_up_at=by_id[k].signed_up_at,
                parent=("User", parent),
                depth=1,
                ip_hash=by_id[k].ip_hash,
                device_hash=by_id[k].device_hash,
            )
            for k in kids[parent]
        ]
        clusters = fc.hash_clusters(members)
        assert {u.id for u in ring} in [set(c.members) for c in clusters]
