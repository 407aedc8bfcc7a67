"""Growth events for the demo network: invites (accepted and not), conversions, and deal costs,
so the viral coefficient's invite form, revenue and cost per acquisition have data to show.

Deterministic, from its own random generator, and consistent with the write rules: an accepted
invite was sent by the user's referrer, no earlier than the referrer's own sign-up and no later
than the user's; each invite is accepted at most once; conversions follow the sign-up.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from growthgraph.loading.dataset import ConversionRow, Dataset, InviteRow, UserRow

ACCEPTED_SHARE = 0.6  # referred users who came through an invite
PAYING_SHARE = 0.12  # users with at least one conversion
_PLANS = (("pro", 900), ("pro", 900), ("team", 4_900))


def add_events(data: Dataset, *, seed: int = 7) -> Dataset:
    rng = random.Random(seed * 7_919 + 1)
    user_at = {u.id: u.signed_up_at for u in data.users}
    invites: list[InviteRow] = []
    users: list[UserRow] = []
    for row in data.users:
        user = row
        referred = row.referrer_kind is not None and row.referrer_id is not None
        if referred and row.referrer_kind and row.referrer_id and rng.random() < ACCEPTED_SHARE:
            start = user_at.get(row.referrer_id, row.signed_up_at - timedelta(days=1))
            sent = start + (row.signed_up_at - start) * rng.random()
            invite_id = f"inv-{row.id}"
            invites.append(
                InviteRow(
                    invite_id,
                    row.referrer_kind,
                    row.referrer_id,
                    sent,
                    row.channel,
                    row.campaign_id,
                )
            )
            user = replace(row, invite_id=invite_id)
        # Invites nobody accepted: most users send none, a few send several.
        for n in range(rng.choice((0, 0, 0, 1, 1, 2, 4))):
            sent = user.signed_up_at + timedelta(hours=rng.randrange(1, 24 * 60))
            invites.append(InviteRow(f"inv-{user.id}-{n}", "USER", user.id, sent, "email"))
        users.append(user)
    conversions: list[ConversionRow] = []
    for user in users:
        if rng.random() >= PAYING_SHARE:
            continue
        for n in range(rng.choice((1, 1, 2, 3))):
            plan, cents = rng.choice(_PLANS)
            at = user.signed_up_at + timedelta(hours=rng.randrange(1, 24 * 90))
            conversions.append(ConversionRow(f"cv-{user.id}-{n}", user.id, at, cents, plan))
    influencers = [
        replace(i, cost_cents=rng.randrange(50, 2_000) * 100) if rng.random() < 0.7 else i
        for i in data.influencers
    ]
    partners = [replace(p, cost_cents=rng.randrange(200, 5_000) * 100) for p in data.partners]
    return replace(
        data,
        users=users,
        invites=[*data.invites, *invites],
        conversions=[*data.conversions, *conversions],
        influencers=influencers,
        partners=partners,
    )
