"""Consent flags: false until recorded, partial updates keep the other flag, a repeat changes
nothing (not even the time), an unknown user writes nothing, analysts cannot set them."""

from __future__ import annotations

from growthgraph.graph.database import Database
from tests.api.conftest import ANALYST_KEY, WRITER_KEY, Api
from tests.support.snapshot import snapshot

SIGN_UP = """
mutation { recordSignUp(input: {id: "u-c", name: "C", email: "c@example.com",
                                signedUpAt: "2024-06-01T00:00:00Z"}) { __typename } }
"""
SET = """
mutation($id: ID!, $m: Boolean, $a: Boolean) {
  setConsent(userId: $id, marketing: $m, analytics: $a) {
    __typename
    ... on SetConsentSuccess { changed consent { userId marketing analytics updatedAt } }
    ... on Error { code }
  }
}
"""
GET = "query($id: ID!) { userConsent(userId: $id) { userId marketing analytics updatedAt } }"


async def test_consent_flags(api: Api, clean_db: Database) -> None:
    api.data(SIGN_UP)
    assert api.data(GET, {"id": "u-c"})["userConsent"] == {
        "userId": "u-c",
        "marketing": False,
        "analytics": False,
        "updatedAt": None,
    }
    assert api.data(GET, {"id": "nobody"})["userConsent"] is None

    before = await snapshot(clean_db)
    assert api.data(SET, {"id": "nobody", "m": True})["setConsent"]["code"] == "UNKNOWN_USER"
    refused = api.gql(SET, {"id": "u-c", "m": True}, key=ANALYST_KEY)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert await snapshot(clean_db) == before

    answer = api.data(SET, {"id": "u-c", "m": True}, key=WRITER_KEY)["setConsent"]
    assert (answer["__typename"], answer["changed"]) == ("SetConsentSuccess", True)
    first = answer["consent"]
    assert (first["marketing"], first["analytics"]) == (True, False)
    assert first["updatedAt"] is not None
    stored = await snapshot(clean_db)
    again = api.data(SET, {"id": "u-c", "m": True})["setConsent"]
    assert again == {"__typename": "SetConsentSuccess", "changed": False, "consent": first}
    assert await snapshot(clean_db) == stored  # a repeat writes nothing, not even the time
    partial_answer = api.data(SET, {"id": "u-c", "a": True})["setConsent"]
    assert partial_answer["changed"] is True
    partial = partial_answer["consent"]
    assert (partial["marketing"], partial["analytics"]) == (True, True)
    assert partial["updatedAt"] >= first["updatedAt"]
    assert api.data(GET, {"id": "u-c"})["userConsent"] == partial
