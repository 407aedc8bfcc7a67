"""Demo growth events follow the same rules as the mutations that record them."""

from __future__ import annotations

from collections import Counter

from growthgraph.loading import seed
from growthgraph.loading.seed_events import add_events


def test_events_are_deterministic_and_obey_the_write_rules() -> None:
    base = seed.generate(users=3_000, seed=5)
    data = add_events(base, seed=5)
    assert data == add_events(seed.generate(users=3_000, seed=5), seed=5)
    assert [u.id for u in data.users] == [u.id for u in base.users]

    invites = {i.id: i for i in data.invites}
    assert len(invites) == len(data.invites)  # ids unique
    user_at = {u.id: u.signed_up_at for u in data.users}
    accepted = Counter(u.invite_id for u in data.users if u.invite_id)
    assert accepted, "some sign-ups came through invites"
    assert max(accepted.values()) == 1  # each invite accepted at most once
    for user in data.users:
        if user.invite_id is None:
            continue
        invite = invites[user.invite_id]
        # The invite's sender is the user's referrer, and it was sent in between the two sign-ups.
        assert (invite.referrer_kind, invite.referrer_id) == (user.referrer_kind, user.referrer_id)
        assert invite.at <= user.signed_up_at
        if invite.referrer_kind == "USER":
            assert user_at[invite.referrer_id] <= invite.at
    unaccepted = [i for i in data.invites if i.id not in accepted]
    assert unaccepted
    for invite in data.invites:
        if invite.referrer_kind == "USER":
            assert invite.at >= user_at[invite.referrer_id]

    assert data.conversions
    assert len({c.id for c in data.conversions}) == len(data.conversions)
    for conversion in data.conversions:
        assert conversion.at > user_at[conversion.user_id]
        assert conversion.revenue_cents > 0
    assert all(p.cost_cents for p in data.partners)
