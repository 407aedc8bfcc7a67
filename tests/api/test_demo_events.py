"""The demo network's growth events answer through GraphQL: the viral coefficient of the whole
demo cohort, computed independently from the same rows."""

from __future__ import annotations

from datetime import timedelta

from growthgraph.graph.database import Database
from growthgraph.loading import seed
from growthgraph.loading.dataset import load_dataset
from growthgraph.loading.seed_events import add_events
from tests.api.conftest import Api

VIRAL = """
query($from: DateTime!, $to: DateTime!) {
  viralCoefficient(from: $from, to: $to) {
    total { members invitesSent invitesAccepted inviteK referees referralK }
  }
}
"""


async def test_viral_coefficient_of_the_demo_cohort(api: Api, clean_db: Database) -> None:
    data = add_events(seed.generate(users=1_500, seed=11), seed=11)
    await load_dataset(clean_db, data)
    start = min(u.signed_up_at for u in data.users)
    end = max(u.signed_up_at for u in data.users) + timedelta(seconds=1)
    got = api.data(VIRAL, {"from": start.isoformat(), "to": end.isoformat()})
    total = got["viralCoefficient"]["total"]

    members = {u.id for u in data.users}
    sent = [i for i in data.invites if i.referrer_kind == "USER" and i.referrer_id in members]
    accepted_ids = {u.invite_id for u in data.users if u.invite_id}
    accepted = [i for i in sent if i.id in accepted_ids]
    referees = [u for u in data.users if u.referrer_kind == "USER" and u.referrer_id in members]
    assert total["members"] == len(members)
    assert total["invitesSent"] == len(sent) > 0
    assert total["invitesAccepted"] == len(accepted) > 0
    assert total["inviteK"] == len(accepted) / len(members)
    assert total["referees"] == len(referees)
    assert total["referralK"] == len(referees) / len(members)
