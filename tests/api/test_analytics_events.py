"""Growth events over HTTP: invites, sign-ups through invites with hashed identifiers,
conversions and costs; every error code, each checked to write nothing."""

from __future__ import annotations

from typing import Any

from growthgraph.config import Settings
from growthgraph.graph.database import Database
from growthgraph.identity import keyed_hash
from tests.api.conftest import Api
from tests.api.test_graphql import INFLUENCER, PARTNER, sign_up, user_input
from tests.support.snapshot import snapshot

INVITE = """
mutation($input: RecordInviteInput!) {
  recordInvite(input: $input) {
    __typename
    ... on RecordInviteSuccess { created invite { id at channel campaignId sender { id kind } } }
    ... on Error { code message }
  }
}
"""
CONVERSION = """
mutation($input: RecordConversionInput!) {
  recordConversion(input: $input) {
    __typename
    ... on RecordConversionSuccess { created conversion { id userId revenueCents plan } }
    ... on Error { code message }
  }
}
"""
SIGN_UP_CODES = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename
    ... on RecordSignUpSuccess { created user { id channel referredBy { id kind } } }
    ... on Error { code }
  }
}
"""


def _invite(api: Api, **fields: Any) -> dict[str, Any]:
    payload = {"id": "i1", "referrer": {"kind": "USER", "id": "root"}, "at": "2024-05-01T10:00Z"}
    result: dict[str, Any] = api.data(INVITE, {"input": payload | fields})["recordInvite"]
    return result


def _conversion(api: Api, **fields: Any) -> dict[str, Any]:
    payload = {"id": "c1", "userId": "root", "at": "2024-05-02T10:00Z", "revenueCents": 1999}
    result: dict[str, Any] = api.data(CONVERSION, {"input": payload | fields})["recordConversion"]
    return result


def _sign_up(api: Api, payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = api.data(SIGN_UP_CODES, {"input": payload})["recordSignUp"]
    return result


async def test_events_and_their_error_codes(
    api: Api, clean_db: Database, settings: Settings
) -> None:
    inf = {"id": "inf", "handle": "@a", "platform": "tiktok", "followers": 5,
           "engagementRate": 0.1, "costCents": 25_000}  # fmt: skip
    assert api.data(INFLUENCER, {"input": inf})["createInfluencer"]["created"] is True
    assert sign_up(api, user_input("root", "2024-05-01T09:00:00Z"))["created"] is True

    made = _invite(api, channel="sms")
    assert made["created"] is True
    assert made["invite"]["sender"] == {"id": "root", "kind": "USER"}
    assert _invite(api, channel="sms")["created"] is False

    joined = _sign_up(
        api, user_input("kid", "2024-05-01T11:00Z", inviteId="i1", ip=" 10.0.0.1", device="D-1")
    )
    assert joined["__typename"] == "RecordSignUpSuccess"
    assert joined["user"]["referredBy"] == {"id": "root", "kind": "USER"}
    assert joined["user"]["channel"] == "sms"
    stored = await clean_db.read("MATCH (u:User {id: 'kid'}) RETURN properties(u) AS p")
    props = stored[0]["p"]
    secret = settings.hash_secret.get_secret_value()
    assert props["ipHash"] == keyed_hash(secret, "ip", "10.0.0.1")
    assert props["deviceHash"] == keyed_hash(secret, "device", "d-1")
    assert not any("10.0.0.1" in str(v) or "D-1" in str(v) for v in props.values())
    again = _sign_up(
        api, user_input("kid", "2024-05-01T11:00Z", inviteId="i1", ip="10.0.0.1", device="d-1")
    )
    assert (again["__typename"], again["created"]) == ("RecordSignUpSuccess", False)
    # The IP and device are stored only as keyed hashes no one may read, so a repeat is never
    # judged on them: without them it is still the same sign-up.
    bare = _sign_up(api, user_input("kid", "2024-05-01T11:00Z", inviteId="i1"))
    assert (bare["__typename"], bare["created"]) == ("RecordSignUpSuccess", False)

    assert _conversion(api)["created"] is True
    assert _conversion(api)["created"] is False

    before = await snapshot(clean_db)
    refusals: list[tuple[dict[str, Any], str]] = [
        (_invite(api, at="2024-05-01T10:00:00"), "INVALID_INPUT"),
        (_invite(api, id="bad id"), "INVALID_INPUT"),
        (_invite(api, channel="email"), "ID_CONFLICT"),
        (_invite(api, id="i2", referrer={"kind": "PARTNER", "id": "p"}), "UNKNOWN_REFERRER"),
        (_invite(api, id="i2", campaignId="nope"), "UNKNOWN_CAMPAIGN"),
        (_invite(api, id="i2", at="2024-05-01T08:59:59Z"), "INVITE_BEFORE_SENDER"),
        (_sign_up(api, user_input("n", "2024-05-01T12:00Z", inviteId="zz")), "UNKNOWN_INVITE"),
        (
            _sign_up(api, user_input("n", "2024-05-01T12:00Z", inviteId="i1")),
            "INVITE_ALREADY_ACCEPTED",
        ),
        (
            _sign_up(
                api,
                user_input(
                    "n",
                    "2024-05-01T12:00Z",
                    inviteId="i1",
                    referrer={"kind": "INFLUENCER", "id": "inf"},
                ),
            ),
            "INVITE_REFERRER_MISMATCH",
        ),
        (
            _sign_up(api, user_input("kid", "2024-05-01T11:00Z", inviteId="i1", plan="pro")),
            "ID_CONFLICT",
        ),
        (_conversion(api, revenueCents=-1), "INVALID_INPUT"),
        (_conversion(api, revenueCents=1), "ID_CONFLICT"),
        (_conversion(api, id="c2", userId="ghost"), "UNKNOWN_USER"),
        (_conversion(api, id="c2", at="2024-05-01T08:00Z"), "CONVERSION_BEFORE_SIGN_UP"),
    ]
    for result, code in refusals:
        assert result.get("code") == code, result
    assert await snapshot(clean_db) == before
    mismatch_order = _invite(api, id="i9", at="2024-05-01T13:00Z")
    assert mismatch_order["created"] is True
    early = _sign_up(api, user_input("n", "2024-05-01T12:59:59Z", inviteId="i9"))
    assert early["code"] == "SIGN_UP_BEFORE_INVITE"


def test_costs_are_readable(api: Api, clean_db: Database) -> None:
    ptn = {"id": "p", "name": "P", "kind": "RESELLER", "costCents": 700}
    assert api.data(PARTNER, {"input": ptn})["createPartner"]["created"] is True
    bad = api.data(PARTNER, {"input": ptn | {"id": "q", "costCents": -5}})["createPartner"]
    assert bad["__typename"] == "InvalidInputError"
    got = api.data('{ partner(id: "p") { costCents } }')
    assert got == {"partner": {"costCents": 700}}
