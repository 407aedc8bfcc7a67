"""``growth.byCampaign`` answers with the campaign itself, batched into one round trip."""

from __future__ import annotations

from dataclasses import replace

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import CampaignRow, load_dataset
from tests.api.conftest import Api
from tests.support.handmade import at, handmade

GROWTH = """
query($from: DateTime!, $to: DateTime!) {
  growth(from: $from, to: $to, interval: DAY) {
    byCampaign { start campaignId signUps campaign { id name utmSource utmCampaign } }
  }
}
"""


async def test_by_campaign_carries_the_campaign(api: Api, clean_db: Database) -> None:
    data = handmade()
    # A second campaign takes two of the chain's users, so two campaigns appear per bucket.
    data.campaigns.append(CampaignRow("c2", "Spring", "partner", "cpa", "spring"))
    data.users = [replace(u, campaign_id="c2") if u.id in ("c3", "c4") else u for u in data.users]
    await load_dataset(clean_db, data)
    expected_names = {
        "c1": ("Launch", "newsletter", "launch"),
        "c2": ("Spring", "partner", "spring"),
    }

    before = api.round_trips
    got = api.data(GROWTH, {"from": at(0).isoformat(), "to": at(48).isoformat()})["growth"]
    used = api.round_trips - before

    rows = got["byCampaign"]
    assert {r["campaignId"] for r in rows} == {"c1", "c2"}
    for row in rows:
        campaign = row["campaign"]
        assert campaign["id"] == row["campaignId"]
        name, source, slug = expected_names[row["campaignId"]]
        assert (campaign["name"], campaign["utmSource"], campaign["utmCampaign"]) == (
            name,
            source,
            slug,
        )
    # growth's own reads, then one batched lookup for every campaign of the answer.
    plain = api.data(
        GROWTH.replace(" campaign { id name utmSource utmCampaign }", ""),
        {"from": at(0).isoformat(), "to": at(48).isoformat()},
    )
    assert plain["growth"]["byCampaign"] == [
        {k: v for k, v in r.items() if k != "campaign"} for r in rows
    ]
    after_plain = api.round_trips
    assert used == (after_plain - before - used) + 1
