"""Masking covers people's personal data only: influencer handles and partner names are business
identities an analyst needs, and are never masked; users' names and emails are, below admin."""

from __future__ import annotations

from growthgraph.graph.database import Database
from growthgraph.loading.dataset import load_dataset
from tests.api.conftest import ANALYST_KEY, WRITER_KEY, Api
from tests.support.handmade import handmade

QUERY = """
{
  influencers(first: 5) { edges { node { id handle platform } } }
  partners(first: 5) { edges { node { id name } } }
  sourcePerformance(kind: INFLUENCER, limit: 5) {
    source { id ... on Influencer { handle } }
  }
  topReferrers(degree: 1, limit: 10) {
    referrer { id kind ... on Influencer { handle } ... on Partner { name } ... on User { name email } }
  }
}
"""


async def test_sources_are_not_masked_users_are(api: Api, clean_db: Database) -> None:
    data = handmade()
    await load_dataset(clean_db, data)
    handles = {i.id: i.handle for i in data.influencers}
    names = {p.id: p.name for p in data.partners}
    users = {u.id: (u.name, u.email) for u in data.users}
    for key in (ANALYST_KEY, WRITER_KEY):
        got = api.data(QUERY, key=key)
        assert {
            e["node"]["id"]: e["node"]["handle"] for e in got["influencers"]["edges"]
        } == handles
        assert {e["node"]["id"]: e["node"]["name"] for e in got["partners"]["edges"]} == names
        for row in got["sourcePerformance"]:
            assert row["source"]["handle"] == handles[row["source"]["id"]]
        kinds: set[str] = set()
        for row in got["topReferrers"]:
            referrer = row["referrer"]
            kinds.add(referrer["kind"])
            if referrer["kind"] == "INFLUENCER":
                assert referrer["handle"] == handles[referrer["id"]]
            elif referrer["kind"] == "PARTNER":
                assert referrer["name"] == names[referrer["id"]]
            else:
                assert users[referrer["id"]] != ("[masked]", "[masked]")
                assert (referrer["name"], referrer["email"]) == ("[masked]", "[masked]")
        assert kinds == {"USER", "INFLUENCER", "PARTNER"}
