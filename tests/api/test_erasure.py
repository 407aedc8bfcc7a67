"""GDPR erasure: personal data gone, node and edges kept (analytics unchanged), recorded, admin
only, safe to repeat; an unknown id writes nothing."""

from __future__ import annotations

from growthgraph.graph.database import Database
from tests.api.conftest import WRITER_KEY, Api
from tests.support.snapshot import snapshot

INFLUENCER = """
mutation { createInfluencer(input: {id: "inf-e", handle: "e", platform: "tiktok", followers: 1,
                                     engagementRate: 0.1}) { __typename } }
"""
SIGN_UP = """
mutation($id: ID!, $ref: ReferrerRef) {
  recordSignUp(input: {id: $id, name: "Eva Real", email: "eva@example.com", country: "PT",
                       signedUpAt: "2024-06-01T00:00:00Z", referrer: $ref,
                       ip: "203.0.113.9", device: "device-eva"}) { __typename }
}
"""
ERASE = """
mutation($id: ID!) {
  eraseUser(id: $id) {
    __typename
    ... on EraseUserSuccess { userId erasedAt alreadyErased }
    ... on Error { code message }
  }
}
"""
READ = 'query { user(id: "u-e1") { id name email country signedUpAt referredBy { id } } }'
ANALYTICS = """
{ topReferrers(degree: 1, limit: 10) { signUps referrer { id } }
  d2: topReferrers(degree: 2, limit: 10) { signUps referrer { id } }
  referralCascade(root: {kind: INFLUENCER, id: "inf-e"}, maxDepth: 5) { total depth } }
"""
EDGES = "MATCH (a)-[r:REFERRED]->(b) RETURN a.id AS a, b.id AS b ORDER BY a, b"


async def test_erasure(api: Api, clean_db: Database) -> None:
    api.data(INFLUENCER)
    api.data(SIGN_UP, {"id": "u-e1", "ref": {"kind": "INFLUENCER", "id": "inf-e"}})
    api.data(SIGN_UP, {"id": "u-e2", "ref": {"kind": "USER", "id": "u-e1"}})
    analytics = api.data(ANALYTICS)
    edges = await clean_db.read(EDGES)
    assert edges == [{"a": "inf-e", "b": "u-e1"}, {"a": "u-e1", "b": "u-e2"}]

    hashed = await clean_db.read("MATCH (u:User {id: 'u-e1'}) RETURN properties(u) AS p")
    assert {"ipHash", "deviceHash"} <= set(hashed[0]["p"])
    before = await snapshot(clean_db)
    assert api.data(ERASE, {"id": "nobody"})["eraseUser"]["code"] == "UNKNOWN_USER"
    forbidden = api.gql(ERASE, {"id": "u-e1"}, key=WRITER_KEY)
    assert [e["extensions"]["code"] for e in forbidden["errors"]] == ["FORBIDDEN"]
    assert await snapshot(clean_db) == before

    done = api.data(ERASE, {"id": "u-e1"})["eraseUser"]
    assert done["__typename"] == "EraseUserSuccess"
    assert done["alreadyErased"] is False
    user = api.data(READ)["user"]
    assert user == {
        "id": "u-e1",
        "name": "[erased]",
        "email": "[erased]",
        "country": None,
        "signedUpAt": user["signedUpAt"],
        "referredBy": {"id": "inf-e"},
    }
    assert user["signedUpAt"].startswith("2024-06-01T00:00:00")
    stored = await clean_db.read("MATCH (u:User {id: 'u-e1'}) RETURN properties(u) AS p")
    assert "eva@example.com" not in str(stored)
    assert "Eva Real" not in str(stored)
    assert not {"ipHash", "deviceHash", "country"} & set(stored[0]["p"])
    assert await clean_db.read(EDGES) == edges
    assert api.data(ANALYTICS) == analytics  # every analytic still adds up
    recorded = await clean_db.read("MATCH (e:Erasure) RETURN e.userId AS id")
    assert recorded == [{"id": "u-e1"}]

    again = api.data(ERASE, {"id": "u-e1"})["eraseUser"]
    assert again["alreadyErased"] is True
    assert again["erasedAt"] == done["erasedAt"]
    assert await clean_db.read("MATCH (e:Erasure) RETURN count(e) AS n") == [{"n": 1}]
