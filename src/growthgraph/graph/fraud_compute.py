"""Fraud signals over one referrer's downline, computed from plain rows: no I/O here.

- Shared-hash clusters: two users of the downline are linked when they share an IP hash or a
  device hash; a cluster is a connected component of that relation with two or more users, so
  siblings, cousins and chains (A shares an IP with B, B a device with C) all land in one cluster.
  Score: the cluster's share of the downline.
- Velocity bursts: for each referrer, the densest window of ``window`` length (start inclusive,
  end exclusive) over its direct referrals' sign-up times; reported when it holds at least
  ``min_sign_ups``. Score: sign-ups in the window / ``min_sign_ups``.
- Caps exceeded: direct referrals of one referrer per UTC calendar period (day, ISO week from
  Monday, month) above ``cap``. Score: sign-ups / cap. The referees past the cap, in sign-up
  order, are the evidence.
- Near-duplicate identities: users linked when their normalised e-mail local parts are equal
  (lower case, ``+tag`` dropped, dots and trailing digits removed; keys of 3+ characters) or
  their normalised names are equal (lower case, letters and digits only, words sorted); groups
  are connected components with two or more users. Score: the group's share of the downline.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

NodeKey = tuple[str, str]  # (label, id) of a referrer


class Period(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@dataclass(frozen=True, slots=True)
class Member:
    """A user of the downline with what the signals look at."""

    id: str
    name: str
    email: str
    signed_up_at: datetime
    parent: NodeKey
    depth: int
    ip_hash: str | None = None
    device_hash: str | None = None


@dataclass(frozen=True, slots=True)
class HashCluster:
    members: tuple[str, ...]  # ids, by sign-up time then id
    hashes: tuple[tuple[str, str, int], ...]  # (IP|DEVICE, hash, users sharing it)
    score: float


@dataclass(frozen=True, slots=True)
class Burst:
    referrer: NodeKey
    start: datetime
    end: datetime
    members: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class CapExcess:
    referrer: NodeKey
    period_start: datetime
    sign_ups: int
    over_cap: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    members: tuple[str, ...]
    reasons: tuple[str, ...]  # "email:<normalised>" / "name:<normalised>"
    score: float


class _Components:
    """Union-find over string ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _order(members: Sequence[Member]) -> dict[str, tuple[datetime, str]]:
    return {m.id: (m.signed_up_at, m.id) for m in members}


def _groups(
    members: Sequence[Member], keys: Iterable[tuple[str, str]]
) -> list[tuple[list[str], list[str]]]:
    """Connected components (2+ users) of users sharing a key; with the keys that link them."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for user_id, key in keys:
        by_key[key].append(user_id)
    uf = _Components()
    for users in by_key.values():
        for other in users[1:]:
            uf.union(users[0], other)
    comps: dict[str, list[str]] = defaultdict(list)
    for m in members:
        comps[uf.find(m.id)].append(m.id)
    linking: dict[str, list[str]] = defaultdict(list)
    for key, users in by_key.items():
        if len(set(users)) > 1:
            linking[uf.find(users[0])].append(key)
    order = _order(members)
    return [
        (sorted(ids, key=order.__getitem__), sorted(linking[root]))
        for root, ids in comps.items()
        if len(ids) > 1
    ]


def hash_clusters(members: Sequence[Member]) -> list[HashCluster]:
    keys = [(m.id, f"IP:{m.ip_hash}") for m in members if m.ip_hash] + [
        (m.id, f"DEVICE:{m.device_hash}") for m in members if m.device_hash
    ]
    counts: dict[str, int] = defaultdict(int)
    for _, key in set(keys):
        counts[key] += 1
    out: list[HashCluster] = []
    for ids, linking in _groups(members, keys):
        hashes = tuple((key.split(":", 1)[0], key.split(":", 1)[1], counts[key]) for key in linking)
        out.append(HashCluster(tuple(ids), hashes, score=len(ids) / len(members)))
    return sorted(out, key=lambda c: (-c.score, c.members[0]))


def _children(members: Sequence[Member]) -> dict[NodeKey, list[Member]]:
    kids: dict[NodeKey, list[Member]] = defaultdict(list)
    for m in members:
        kids[m.parent].append(m)
    for group in kids.values():
        group.sort(key=lambda m: (m.signed_up_at, m.id))
    return kids


def bursts(members: Sequence[Member], *, window: timedelta, min_sign_ups: int) -> list[Burst]:
    out: list[Burst] = []
    for referrer, kids in _children(members).items():
        best_start, best_count = 0, 0
        end = 0
        for start in range(len(kids)):
            end = max(end, start)
            while end < len(kids) and kids[end].signed_up_at < kids[start].signed_up_at + window:
                end += 1
            if end - start > best_count:
                best_start, best_count = start, end - start
        if best_count >= min_sign_ups:
            first = kids[best_start]
            out.append(
                Burst(
                    referrer=referrer,
                    start=first.signed_up_at,
                    end=first.signed_up_at + window,
                    members=tuple(k.id for k in kids[best_start : best_start + best_count]),
                    score=best_count / min_sign_ups,
                )
            )
    return sorted(out, key=lambda b: (-b.score, b.referrer[1], b.referrer[0]))


def period_start(at: datetime, period: Period) -> datetime:
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def caps_exceeded(members: Sequence[Member], *, cap: int, period: Period) -> list[CapExcess]:
    out: list[CapExcess] = []
    for referrer, kids in _children(members).items():
        buckets: dict[datetime, list[Member]] = defaultdict(list)
        for k in kids:
            buckets[period_start(k.signed_up_at, period)].append(k)
        for start, group in buckets.items():
            if len(group) > cap:
                out.append(
                    CapExcess(
                        referrer=referrer,
                        period_start=start,
                        sign_ups=len(group),
                        over_cap=tuple(k.id for k in group[cap:]),
                        score=len(group) / cap,
                    )
                )
    return sorted(out, key=lambda c: (-c.score, c.referrer[1], c.referrer[0], c.period_start))


MIN_EMAIL_KEY = 3  # shorter local parts ("u1", "a") are too common to mean the same person
_TRAILING_DIGITS = re.compile(r"\d+$")
_NOT_LETTERS = re.compile(r"[^a-z0-9 ]+")


def email_key(email: str) -> str:
    local = email.split("@", 1)[0].lower().split("+", 1)[0].replace(".", "")
    return _TRAILING_DIGITS.sub("", local)


def name_key(name: str) -> str:
    return " ".join(sorted(_NOT_LETTERS.sub(" ", name.lower()).split()))


def near_duplicates(members: Sequence[Member]) -> list[DuplicateGroup]:
    keys = [
        (m.id, f"email:{email_key(m.email)}")
        for m in members
        if len(email_key(m.email)) >= MIN_EMAIL_KEY
    ] + [(m.id, f"name:{name_key(m.name)}") for m in members if name_key(m.name)]
    out = [
        DuplicateGroup(tuple(ids), tuple(linking), score=len(ids) / len(members))
        for ids, linking in _groups(members, keys)
    ]
    return sorted(out, key=lambda g: (-g.score, g.members[0]))
