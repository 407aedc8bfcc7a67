"""Events: ``recordInvite`` and ``recordConversion``, each refusal decided from a scripted state
row, against the fake graph."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.graph import events
from growthgraph.graph.labels import Kind
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, user_props

INVITE = """
mutation($input: RecordInviteInput!) {
  recordInvite(input: $input) {
    __typename
    ... on RecordInviteSuccess { created invite { id at channel campaignId sender { __typename id } } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
    ... on IdConflictError { id }
    ... on UnknownReferrerError { kind id }
    ... on UnknownCampaignError { campaignId }
    ... on InviteBeforeSenderError { senderSignedUpAt }
  }
}
"""
CONVERSION = """
mutation($input: RecordConversionInput!) {
  recordConversion(input: $input) {
    __typename
    ... on RecordConversionSuccess { created conversion { id userId at revenueCents plan } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
    ... on IdConflictError { id }
    ... on UnknownUserError { ids }
    ... on ConversionBeforeSignUpError { signedUpAt }
  }
}
"""
SENT_AT = at("2024-05-03T06:00:00+00:00")


def invite(kind: str = "USER", **more: Any) -> dict[str, Any]:
    fields = {"id": "inv1", "referrer": {"kind": kind, "id": "u1"}}
    return {"input": fields | {"at": "2024-05-03T08:00:00+02:00", "channel": "sms"} | more}


def invite_state(**more: Any) -> list[dict[str, Any]]:
    row: dict[str, Any] = {
        "existing": None,
        "sentById": None,
        "sentByLabel": None,
        "sender": user_props("u1", signed_up="2024-05-01T00:00:00+00:00"),
        "campaignExists": False,
    }
    return [row | more]


def conversion(**more: Any) -> dict[str, Any]:
    fields = {"id": "cv1", "userId": "u1", "at": "2024-05-03T06:00:00Z", "revenueCents": 1999}
    return {"input": fields | more}


def conversion_state(**more: Any) -> list[dict[str, Any]]:
    row: dict[str, Any] = {
        "existing": None,
        "ownerId": None,
        "signedUpAt": at("2024-05-01T10:00:00+00:00"),
    }
    return [row | more]


async def test_a_new_invite_is_stored_in_utc_without_nulls(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(events.INVITE_STATE[Kind.USER], invite_state())
    fake.answer(events.CREATE_INVITE[Kind.USER], [])

    out = await gql.data(INVITE, invite())

    assert out["recordInvite"] == {
        "__typename": "RecordInviteSuccess",
        "created": True,
        "invite": {
            "id": "inv1",
            "at": "2024-05-03T06:00:00+00:00",
            "channel": "sms",
            "campaignId": None,
            "sender": {"__typename": "User", "id": "u1"},
        },
    }
    assert fake.ran(events.INVITE_STATE[Kind.USER]) == [
        {"id": "inv1", "senderId": "u1", "campaignId": None}
    ]
    assert fake.ran(events.CREATE_INVITE[Kind.USER]) == [
        {
            "id": "inv1",
            "senderId": "u1",
            "campaignId": None,
            "props": {"id": "inv1", "at": SENT_AT, "channel": "sms"},
        }
    ]


async def test_an_identical_invite_repeat_writes_nothing(gql: Gql, fake: FakeDatabase) -> None:
    stored = {"id": "inv1", "at": SENT_AT, "channel": "sms"}
    fake.answer(
        events.INVITE_STATE[Kind.USER],
        invite_state(existing=stored, sentById="u1", sentByLabel="User"),
    )

    out = await gql.data(INVITE, invite())

    assert out["recordInvite"]["created"] is False
    assert out["recordInvite"]["invite"]["at"] == "2024-05-03T06:00:00+00:00"
    assert len(fake.calls) == 1


INVITE_REFUSALS: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        "USER",
        {},
        {
            "existing": {"id": "inv1", "at": SENT_AT, "channel": "sms"},
            "sentById": "u7",
            "sentByLabel": "User",
        },
        {
            "__typename": "IdConflictError",
            "code": "ID_CONFLICT",
            "message": "Invite 'inv1' already exists with different values",
            "id": "inv1",
        },
    ),
    (
        "INFLUENCER",
        {},
        {"sender": None},
        {
            "__typename": "UnknownReferrerError",
            "code": "UNKNOWN_REFERRER",
            "message": "no influencer with id 'u1'",
            "kind": "INFLUENCER",
            "id": "u1",
        },
    ),
    (
        "USER",
        {},
        {"sender": user_props("u1", signed_up="2024-05-03T06:00:01+00:00")},
        {
            "__typename": "InviteBeforeSenderError",
            "code": "INVITE_BEFORE_SENDER",
            "message": "at is before sender 'u1' signed up (2024-05-03T06:00:01+00:00)",
            "senderSignedUpAt": "2024-05-03T06:00:01+00:00",
        },
    ),
    (
        "USER",
        {"campaignId": "c9"},
        {"campaignExists": False},
        {
            "__typename": "UnknownCampaignError",
            "code": "UNKNOWN_CAMPAIGN",
            "message": "no campaign with id 'c9'",
            "campaignId": "c9",
        },
    ),
]


@pytest.mark.parametrize(("kind", "extra", "found", "expected"), INVITE_REFUSALS)
async def test_invite_refusals(
    gql: Gql,
    fake: FakeDatabase,
    kind: str,
    extra: dict[str, Any],
    found: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    fake.answer(events.INVITE_STATE[Kind[kind]], invite_state(**found))

    out = await gql.data(INVITE, invite(kind, **extra))

    assert out["recordInvite"] == expected
    assert [c.statement for c in fake.calls] == [events.INVITE_STATE[Kind[kind]]]


async def test_invalid_invite_and_conversion_input_touch_nothing(
    gql: Gql, fake: FakeDatabase
) -> None:
    bad_invite = await gql.data(INVITE, invite(at="2024-05-03T08:00:00", campaignId=""))
    assert bad_invite["recordInvite"]["problems"] == [
        {"field": "at", "message": "must include a time zone offset, e.g. 2024-05-01T12:00:00Z"},
        {"field": "campaignId", "message": "must not be empty"},
    ]
    bad_conversion = await gql.data(CONVERSION, conversion(revenueCents=-5, userId=""))
    assert bad_conversion["recordConversion"] == {
        "__typename": "InvalidInputError",
        "code": "INVALID_INPUT",
        "message": "userId must not be empty; revenueCents must be zero or more",
        "problems": [
            {"field": "userId", "message": "must not be empty"},
            {"field": "revenueCents", "message": "must be zero or more"},
        ],
    }
    assert fake.calls == []


async def test_a_new_conversion_is_stored(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(events.CONVERSION_STATE, conversion_state())
    fake.answer(events.CREATE_CONVERSION, [])

    out = await gql.data(CONVERSION, conversion(plan="pro"))

    assert out["recordConversion"] == {
        "__typename": "RecordConversionSuccess",
        "created": True,
        "conversion": {
            "id": "cv1",
            "userId": "u1",
            "at": "2024-05-03T06:00:00+00:00",
            "revenueCents": 1999,
            "plan": "pro",
        },
    }
    assert fake.ran(events.CONVERSION_STATE) == [{"id": "cv1", "userId": "u1"}]
    assert fake.ran(events.CREATE_CONVERSION) == [
        {
            "userId": "u1",
            "props": {"id": "cv1", "at": SENT_AT, "revenueCents": 1999, "plan": "pro"},
        }
    ]


CONVERSION_REFUSALS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {
            "existing": {"id": "cv1", "at": SENT_AT, "revenueCents": 1999},
            "ownerId": "u2",
        },
        {
            "__typename": "IdConflictError",
            "code": "ID_CONFLICT",
            "message": "Conversion 'cv1' already exists with different values",
            "id": "cv1",
        },
    ),
    (
        {"signedUpAt": None},
        {
            "__typename": "UnknownUserError",
            "code": "UNKNOWN_USER",
            "message": "no user with id 'u1'",
            "ids": ["u1"],
        },
    ),
    (
        {"signedUpAt": "2024-05-03T06:00:00.5+00:00"},
        {
            "__typename": "ConversionBeforeSignUpError",
            "code": "CONVERSION_BEFORE_SIGN_UP",
            "message": "at is before user 'u1' signed up (2024-05-03T06:00:00.500000+00:00)",
            "signedUpAt": "2024-05-03T06:00:00.500000+00:00",
        },
    ),
]


@pytest.mark.parametrize(("found", "expected"), CONVERSION_REFUSALS)
async def test_conversion_refusals(
    gql: Gql, fake: FakeDatabase, found: dict[str, Any], expected: dict[str, Any]
) -> None:
    fake.answer(events.CONVERSION_STATE, conversion_state(**found))

    out = await gql.data(CONVERSION, conversion())

    assert out["recordConversion"] == expected
    assert [c.statement for c in fake.calls] == [events.CONVERSION_STATE]


async def test_an_identical_conversion_repeat_writes_nothing(gql: Gql, fake: FakeDatabase) -> None:
    stored = {"id": "cv1", "at": SENT_AT, "revenueCents": 1999}
    fake.answer(events.CONVERSION_STATE, conversion_state(existing=stored, ownerId="u1"))

    out = await gql.data(CONVERSION, conversion())

    assert out["recordConversion"]["__typename"] == "RecordConversionSuccess"
    assert out["recordConversion"]["created"] is False
    assert len(fake.calls) == 1
