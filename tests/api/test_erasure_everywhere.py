"""Erasure leaves no copy of the erased values anywhere in the database: not in the stored
answers of idempotency records (so replaying an earlier key no longer returns them), not in
flag reasons, rule names, job messages, nor in the user's own events. Every property of every
node and relationship is searched, as written and as JSON escapes it."""

from __future__ import annotations

import json
from typing import Any, cast

import httpx

from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, Api
from tests.support.snapshot import snapshot

NAME = "Zoë Réal-Eraseme"
EMAIL = "zoe.real@example.com"
OTHER_NAME = "Walt Other"

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename
    ... on RecordSignUpSuccess {
      created
      user { id name email referredBy { id ... on User { name email } } }
    }
    ... on Error { code }
  }
}
"""
INVITE = """
mutation { recordInvite(input: {id: "inv-z", referrer: {kind: USER, id: "u-z"},
                                 at: "2024-06-02T00:00:00Z",
                                 channel: "sms to zoe.real@example.com"}) { __typename } }
"""
FLAG = """
mutation($id: ID!, $reason: String!) { flagUser(userId: $id, reason: $reason) { __typename } }
"""
RULE = """
mutation { createRewardRule(input: {id: "rule-z", name: "Thanks to Zoë Réal-Eraseme",
                                     levels: [{fixedCents: 100}]}) { __typename } }
"""
ERASE = 'mutation { eraseUser(id: "u-z") { __typename ... on EraseUserSuccess { alreadyErased } } }'


def forms(value: str) -> set[str]:
    """A value as text holds it: as is, and as JSON writes it with and without ASCII escapes."""
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


NEEDLES = forms(NAME) | forms(EMAIL)


def sign_up_body(uid: str, name: str, email: str, referrer: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": uid,
        "name": name,
        "email": email,
        "signedUpAt": "2024-06-01T00:00:00Z",
    }
    if referrer is not None:
        data["referrer"] = {"kind": "USER", "id": referrer}
    return {"query": SIGN_UP, "variables": {"input": data}}


def post(api: Api, body: dict[str, Any], key: str) -> httpx.Response:
    return api.client.post(
        "/graphql", json=body, headers={"Idempotency-Key": key, "X-API-Key": ADMIN_KEY}
    )


def texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for item in cast("list[object]", value) for t in texts(item)]
    return []


async def leftovers(db: Database) -> list[str]:
    """Every property of every node and relationship that still holds an erased value."""
    found: list[str] = []
    nodes = await db.read("MATCH (n) RETURN labels(n) AS what, properties(n) AS props")
    rels = await db.read("MATCH ()-[r]->() RETURN [type(r)] AS what, properties(r) AS props")
    for row in nodes + rels:
        for key, value in row["props"].items():
            for text in texts(value):
                if any(needle in text for needle in NEEDLES):
                    found.append(f"{row['what']}.{key} = {text!r}")
    return found


async def test_erasure_leaves_no_copy_anywhere(api: Api, clean_db: Database) -> None:
    first = post(api, sign_up_body("u-z", NAME, EMAIL), "k-z")
    assert first.json()["data"]["recordSignUp"]["user"]["name"] == NAME
    other = post(api, sign_up_body("u-w", OTHER_NAME, "walt@example.com", "u-z"), "k-w")
    assert other.json()["data"]["recordSignUp"]["user"]["referredBy"]["email"] == EMAIL
    api.data(INVITE)
    api.data(FLAG, {"id": "u-z", "reason": f"same device as {EMAIL}"})
    api.data(FLAG, {"id": "u-w", "reason": f"shares a card with {NAME}"})
    api.data(RULE)
    # A log line kept in the database: an analysis job's message.
    await clean_db.write(
        "CREATE (:NetworkAnalysis {id: 'job-z', status: 'FAILED', startedAt: datetime(), "
        "message: $message})",
        {"message": f"failed while reading {EMAIL}"},
    )
    before = await leftovers(clean_db)
    assert len(before) >= 8, before  # the search sees every copy made above

    assert api.data(ERASE)["eraseUser"] == {
        "__typename": "EraseUserSuccess",
        "alreadyErased": False,
    }

    assert await leftovers(clean_db) == []
    replay = post(api, sign_up_body("u-z", NAME, EMAIL), "k-z")
    assert replay.headers["idempotent-replayed"] == "true"
    assert not any(needle in replay.text for needle in NEEDLES), replay.text
    assert replay.json()["data"]["recordSignUp"]["user"] == {
        "id": "u-z",
        "name": "[erased]",
        "email": "[erased]",
        "referredBy": None,
    }
    # Another user's record keeps that user's own data; only the erased values went.
    replay_other = post(api, sign_up_body("u-w", OTHER_NAME, "walt@example.com", "u-z"), "k-w")
    assert replay_other.headers["idempotent-replayed"] == "true"
    assert replay_other.json()["data"]["recordSignUp"]["user"] == {
        "id": "u-w",
        "name": OTHER_NAME,
        "email": "walt@example.com",
        "referredBy": {"id": "u-z", "name": "[erased]", "email": "[erased]"},
    }
    reasons = await clean_db.read(
        "MATCH (u:User) WHERE u.flagReason IS NOT NULL RETURN u.id AS id, u.flagReason AS reason "
        "ORDER BY id"
    )
    assert reasons == [
        {"id": "u-w", "reason": "shares a card with [erased]"},
        {"id": "u-z", "reason": "same device as [erased]"},
    ]
    assert api.data(ERASE)["eraseUser"]["alreadyErased"] is True
    assert await leftovers(clean_db) == []


async def test_a_value_inside_a_longer_word_is_not_someone_else(
    api: Api, clean_db: Database
) -> None:
    """Redaction takes whole occurrences: erasing "Ann" leaves "Anna" and "Annex" alone."""
    post(api, sign_up_body("u-ann", "Ann", "ann@example.com"), "k-ann")
    post(api, sign_up_body("u-anna", "Anna", "anna@example.com"), "k-anna")
    api.data(FLAG, {"id": "u-anna", "reason": "Annex of Ann"})
    api.data('mutation { eraseUser(id: "u-ann") { __typename } }')
    reason = await clean_db.read("MATCH (u:User {id: 'u-anna'}) RETURN u.flagReason AS r")
    assert reason == [{"r": "Annex of [erased]"}]
    replay = post(api, sign_up_body("u-anna", "Anna", "anna@example.com"), "k-anna")
    assert replay.json()["data"]["recordSignUp"]["user"]["name"] == "Anna"


CONSENT_SET = """
mutation($id: ID!, $m: Boolean, $a: Boolean) {
  setConsent(userId: $id, marketing: $m, analytics: $a) {
    __typename
    ... on SetConsentSuccess { changed consent { marketing analytics } }
    ... on UserErasedError { code userId erasedAt }
  }
}
"""
CONSENT_GET = "query($id: ID!) { userConsent(userId: $id) { marketing analytics updatedAt } }"
CONNECT = 'mutation { connectUsers(a: "A", b: "B") { __typename } }'
PYMK = "query($id: ID!) { peopleYouMayKnow(userId: $id) { user { id } sharedConnections { id } } }"
CONSENT_PROPS = ("consentMarketing", "consentAnalytics", "consentUpdatedAt")


async def consent_everywhere(db: Database) -> dict[str, dict[str, object]]:
    """Every node that holds a consent property, with those properties."""
    rows = await db.read("MATCH (n) RETURN elementId(n) AS eid, properties(n) AS props")
    return {
        str(row["eid"]): {k: v for k, v in row["props"].items() if k in CONSENT_PROPS}
        for row in rows
        if any(k in CONSENT_PROPS for k in row["props"])
    }


async def test_erasure_clears_the_consent_flags_for_good(api: Api, clean_db: Database) -> None:
    """An erased user's consent flags are cleared (false, dated by the erasure) wherever they are
    stored, stay so, and the erased user drops out of what consent governs: a hand-worked
    friends-of-friends graph (the path C - A - B) loses the suggestion that runs through A."""
    for uid in ("A", "B", "C"):
        post(api, sign_up_body(uid, f"Name {uid}", f"{uid.lower()}@example.com"), f"k-{uid}")
    api.data(CONNECT)
    api.data('mutation { connectUsers(a: "A", b: "C") { __typename } }')
    for uid in ("A", "B", "C"):
        answer = api.data(CONSENT_SET, {"id": uid, "m": True, "a": True})["setConsent"]
        assert answer["consent"] == {"marketing": True, "analytics": True}
    # Through A, B and C know each other: each is the other's suggestion, A the evidence.
    assert api.data(PYMK, {"id": "B"})["peopleYouMayKnow"] == [
        {"user": {"id": "C"}, "sharedConnections": [{"id": "A"}]}
    ]
    before = await consent_everywhere(clean_db)
    assert len(before) == 3

    erased = api.data('mutation { eraseUser(id: "A") { ... on EraseUserSuccess { erasedAt } } }')
    erased_at = erased["eraseUser"]["erasedAt"]

    after = await consent_everywhere(clean_db)
    changed = {eid: props for eid, props in after.items() if before[eid] != props}
    assert len(changed) == 1  # only A's flags moved; B's and C's are untouched
    [props] = changed.values()
    assert (props["consentMarketing"], props["consentAnalytics"]) == (False, False)
    assert api.data(CONSENT_GET, {"id": "A"})["userConsent"] == {
        "marketing": False,
        "analytics": False,
        "updatedAt": erased_at,
    }
    # The flags stay cleared: setting them again is refused and writes nothing.
    stored = await snapshot(clean_db)
    refused = api.data(CONSENT_SET, {"id": "A", "m": True, "a": True})["setConsent"]
    assert refused == {
        "__typename": "UserErasedError",
        "code": "USER_ERASED",
        "userId": "A",
        "erasedAt": erased_at,
    }
    assert await snapshot(clean_db) == stored
    # A was the only path between B and C: without A nobody is suggested.
    assert api.data(PYMK, {"id": "B"})["peopleYouMayKnow"] == []
    assert api.data(PYMK, {"id": "C"})["peopleYouMayKnow"] == []
    # Erasing again changes nothing, the consent time included.
    api.data('mutation { eraseUser(id: "A") { __typename } }')
    assert await snapshot(clean_db) == stored


async def test_erasure_clears_flags_never_recorded(api: Api, clean_db: Database) -> None:
    """A user who never recorded consent (the flags absent, which excludes no one) is excluded
    once erased: the cleared flags are recorded as false."""
    for uid in ("A", "B", "C"):
        post(api, sign_up_body(uid, f"Name {uid}", f"{uid.lower()}@example.com"), f"k-{uid}")
    api.data(CONNECT)
    api.data('mutation { connectUsers(a: "A", b: "C") { __typename } }')
    assert await consent_everywhere(clean_db) == {}
    assert [s["user"]["id"] for s in api.data(PYMK, {"id": "A"})["peopleYouMayKnow"]] == []
    assert [s["user"]["id"] for s in api.data(PYMK, {"id": "B"})["peopleYouMayKnow"]] == ["C"]
    api.data('mutation { eraseUser(id: "C") { __typename } }')
    [props] = (await consent_everywhere(clean_db)).values()
    assert (props["consentMarketing"], props["consentAnalytics"]) == (False, False)
    assert api.data(PYMK, {"id": "B"})["peopleYouMayKnow"] == []
