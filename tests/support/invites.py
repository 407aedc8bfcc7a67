"""Invites and conversions added to a data set, deterministically, so the invite form of the
viral coefficient has something to count.

For each user referred by another user, with probability ``accepted_share`` the referrer sent an
invite between its own sign-up and the referee's, which the referee accepted. Every user also
sends 0-3 invites that nobody accepted, after its sign-up. A few users pay once.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from growthgraph.loading.dataset import ConversionRow, Dataset, InviteRow, UserRow

CHANNELS = ("email", "sms", "link")


def with_invites(data: Dataset, *, seed: int = 3, accepted_share: float = 0.7) -> Dataset:
    rng = random.Random(seed)
    signed_up = {u.id: u.signed_up_at for u in data.users}
    invites: list[InviteRow] = []
    users: list[UserRow] = []
    for row in data.users:
        user = row
        referred_by_user = row.referrer_kind == "USER" and row.referrer_id is not None
        if referred_by_user and row.referrer_id and rng.random() < accepted_share:
            sent = signed_up[row.referrer_id]
            at = sent + (row.signed_up_at - sent) * rng.random()
            iid = f"inv-{row.id}"
            invites.append(InviteRow(iid, "USER", row.referrer_id, at, rng.choice(CHANNELS)))
            user = replace(row, invite_id=iid)
        for n in range(rng.randrange(4)):
            at = user.signed_up_at + timedelta(hours=rng.randrange(1, 500))
            invites.append(InviteRow(f"open-{user.id}-{n}", "USER", user.id, at, "email"))
        users.append(user)
    conversions = [
        ConversionRow(f"pay-{u.id}", u.id, u.signed_up_at + timedelta(days=3), 999)
        for u in data.users
        if rng.random() < 0.2
    ]
    return replace(data, users=users, invites=invites, conversions=conversions)
