"""Fraud signals on plain rows, against hand-worked answers and brute-force computations."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import networkx as nx

from growthgraph.graph import fraud_compute as fc

T0 = datetime(2024, 5, 6, tzinfo=UTC)  # a Monday


def member(uid: str, minutes: float, parent: str = "root", **extra: str | None) -> fc.Member:
    return fc.Member(
        id=uid,
        name=str(extra.pop("name", None) or f"Person {uid}"),
        email=str(extra.pop("email", None) or f"{uid}@example.com"),
        signed_up_at=T0 + timedelta(minutes=minutes),
        parent=("Influencer", parent) if parent == "root" else ("User", parent),
        depth=1 if parent == "root" else 2,
        ip_hash=extra.get("ip"),
        device_hash=extra.get("device"),
    )


def test_normalised_keys() -> None:
    assert fc.email_key("J.Doe+promo7@Example.com") == "jdoe"
    assert fc.email_key("jdoe1987@other.org") == "jdoe"
    assert fc.email_key("jane.doe@x.com") != fc.email_key("jdoe@x.com")
    assert fc.name_key("Lee, Ann") == fc.name_key("ann LEE") == "ann lee"
    assert fc.name_key("Ann Leek") != "ann lee"


def test_hash_clusters_join_siblings_cousins_and_chains() -> None:
    members = [
        member("u1", 0, ip="ipA"),
        member("u2", 1),
        member("u3", 2, ip="ipC"),
        member("u4", 3, "u1", ip="ipC"),
        member("u5", 4, "u1", ip="ipA", device="devB"),
        member("u6", 5, "u2", device="devB"),
        member("u7", 6, "u2", ip="ipZ"),
    ]
    clusters = fc.hash_clusters(members)
    assert [(c.members, c.hashes) for c in clusters] == [
        (("u1", "u5", "u6"), (("DEVICE", "devB", 2), ("IP", "ipA", 2))),
        (("u3", "u4"), (("IP", "ipC", 2),)),
    ]
    assert [c.score for c in clusters] == [3 / 7, 2 / 7]
    assert fc.hash_clusters([]) == []


def test_hash_clusters_match_connected_components_of_random_downlines() -> None:
    rng = random.Random(5)
    for _ in range(30):
        n = rng.randrange(1, 60)
        members = [
            member(
                f"m{i:02d}",
                rng.randrange(0, 500),
                ip=rng.choice([None, None, *(f"ip{k}" for k in range(n // 3 + 1))]),
                device=rng.choice([None, None, *(f"dev{k}" for k in range(n // 3 + 1))]),
            )
            for i in range(n)
        ]
        graph: nx.Graph[str] = nx.Graph()
        graph.add_nodes_from(m.id for m in members)
        for a in members:
            for b in members:
                if a.id < b.id and (
                    (a.ip_hash and a.ip_hash == b.ip_hash)
                    or (a.device_hash and a.device_hash == b.device_hash)
                ):
                    graph.add_edge(a.id, b.id)
        expected = {frozenset(c) for c in nx.connected_components(graph) if len(c) > 1}
        found = fc.hash_clusters(members)
        assert {frozenset(c.members) for c in found} == expected
        assert all(c.score == len(c.members) / n for c in found)


def test_bursts_window_end_is_exclusive() -> None:
    hour = timedelta(minutes=60)
    members = [
        member("a", 0),
        member("b", 10),
        member("c", 50),
        member("d", 60),  # exactly one window after a: not in a's window
        member("k1", 120, "a"),
        member("k2", 180, "a"),
    ]
    found = fc.bursts(members, window=hour, min_sign_ups=3)
    assert [(b.referrer, b.members, b.start, b.end, b.score) for b in found] == [
        (("Influencer", "root"), ("a", "b", "c"), T0, T0 + hour, 1.0)
    ]
    assert fc.bursts(members, window=hour, min_sign_ups=4) == []
    two = fc.bursts(members, window=hour + timedelta(seconds=1), min_sign_ups=2)
    assert [(b.referrer[1], b.members) for b in two] == [
        ("root", ("a", "b", "c", "d")),
        ("a", ("k1", "k2")),
    ]


def test_bursts_match_brute_force() -> None:
    rng = random.Random(9)
    for _ in range(30):
        members = [
            member(f"m{i:02d}", rng.randrange(0, 300), rng.choice(["root", "m00", "m01"]))
            for i in range(rng.randrange(2, 40))
        ]
        window, k = timedelta(minutes=rng.choice([5, 30, 60])), rng.randrange(2, 5)
        kids: dict[tuple[str, str], list[fc.Member]] = defaultdict(list)
        for m in members:
            kids[m.parent].append(m)
        expected = {}
        for parent, group in kids.items():
            best = max(
                sum(1 for o in group if s.signed_up_at <= o.signed_up_at < s.signed_up_at + window)
                for s in group
            )
            if best >= k:
                expected[parent] = best
        found = fc.bursts(members, window=window, min_sign_ups=k)
        assert {b.referrer: len(b.members) for b in found} == expected


def test_caps_per_day_week_and_month() -> None:
    members = [member(f"d{i}", i * 60) for i in range(5)]  # Monday 00:00 .. 04:00
    members += [member("tue", 24 * 60 + 1), member("sun", 6 * 24 * 60 + 23 * 60)]
    members.append(member("next-monday", 7 * 24 * 60))
    day = fc.caps_exceeded(members, cap=3, period=fc.Period.DAY)
    assert [(c.period_start, c.sign_ups, c.over_cap, c.score) for c in day] == [
        (T0, 5, ("d3", "d4"), 5 / 3)
    ]
    week = fc.caps_exceeded(members, cap=6, period=fc.Period.WEEK)
    assert [(c.period_start, c.sign_ups, c.over_cap) for c in week] == [(T0, 7, ("sun",))]
    month = fc.caps_exceeded(members, cap=7, period=fc.Period.MONTH)
    assert [(c.period_start, c.sign_ups) for c in month] == [(T0.replace(day=1), 8)]
    assert fc.caps_exceeded(members, cap=8, period=fc.Period.MONTH) == []


def test_near_duplicates() -> None:
    members = [
        member("u1", 0, email="j.doe+1@x.com"),
        member("u2", 1, email="jdoe7@y.org", name="Ann Lee"),
        member("u3", 2, name="lee, ANN"),
        member("u4", 3, email="john@z.com"),
    ]
    found = fc.near_duplicates(members)
    assert [(g.members, g.reasons, g.score) for g in found] == [
        (("u1", "u2", "u3"), ("email:jdoe", "name:ann lee"), 3 / 4)
    ]


def test_short_email_keys_link_nobody() -> None:
    members = [member("u1", 0, email="u1@x.com"), member("u2", 1, email="u2@x.com")]
    assert fc.email_key("u1@x.com") == fc.email_key("u2@x.com") == "u"
    assert fc.near_duplicates(members) == []
    longer = [member("a", 0, email="bob1@x.com"), member("b", 1, email="bob2@y.com")]
    assert [g.reasons for g in fc.near_duplicates(longer)] == [("email:bob",)]
