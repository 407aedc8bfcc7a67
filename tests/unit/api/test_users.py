"""Users: ``user``, ``users`` and ``recordSignUp`` against scripted graph answers."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from growthgraph.config import Role
from growthgraph.graph import changes, counters, entities, users
from growthgraph.graph.labels import Kind
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at, user_props

USER = """
query($id: ID!) {
  user(id: $id) { id kind name email signedUpAt country plan channel campaignId }
}
"""
USERS = """
query($first: Int, $after: String) {
  users(first: $first, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
USERS_COUNTED = "{ users(first: 1) { totalCount edges { node { id } } } }"
SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename
    ... on RecordSignUpSuccess { created user { id name signedUpAt channel campaignId } }
    ... on Error { code message }
    ... on InvalidInputError { problems { field message } }
    ... on SelfReferralError { id }
    ... on IdConflictError { id }
    ... on UnknownReferrerError { kind id }
    ... on UnknownCampaignError { campaignId }
    ... on AlreadyReferredError { referrer { __typename id kind } }
    ... on SignUpBeforeReferrerError { referrerSignedUpAt }
    ... on UnknownInviteError { inviteId }
    ... on InviteAlreadyAcceptedError { inviteId acceptedBy }
    ... on InviteReferrerMismatchError { inviteId senderKind senderId }
    ... on SignUpBeforeInviteError { inviteAt }
  }
}
"""


def sign_up(uid: str = "u2", **more: Any) -> dict[str, Any]:
    return {
        "input": {
            "id": uid,
            "name": "Ada",
            "email": "ada@example.com",
            "signedUpAt": "2024-05-02T12:00:00+02:00",  # 10:00 UTC
            **more,
        }
    }


def state(**more: Any) -> list[dict[str, Any]]:
    """One SIGN_UP_STATE row: by default nothing exists, the campaign neither."""
    row: dict[str, Any] = {
        "existing": None,
        "edge": None,
        "src": None,
        "acceptedInvite": None,
        "srcLabel": None,
        "ref": None,
        "campaignExists": False,
    }
    return [row | more]


def created_row(params: dict[str, Any]) -> list[dict[str, Any]]:
    """CREATE_USER answers with what it was asked to store."""
    return [{"u": dict(params["props"])}]


async def test_user_is_mapped_and_masked_for_every_role_but_admin(
    gql: Gql, fake: FakeDatabase
) -> None:
    stored = user_props("u1", country="DE", plan="pro", channel="email", campaignId="c1")
    fake.answer(entities.GET_BY_IDS["User"], [{"n": stored}])

    admin = await gql.data(USER, {"id": "u1"})
    writer = await gql.data(USER, {"id": "u1"}, role=Role.WRITER)

    assert admin["user"] == {
        "id": "u1",
        "kind": "USER",
        "name": "Name u1",
        "email": "u1@example.com",
        "signedUpAt": "2024-05-01T10:00:00+00:00",
        "country": "DE",
        "plan": "pro",
        "channel": "email",
        "campaignId": "c1",
    }
    assert writer["user"]["name"] == "[masked]"
    assert writer["user"]["email"] == "[masked]"
    assert writer["user"]["country"] == "DE"
    assert fake.ran(entities.GET_BY_IDS["User"]) == [{"ids": ["u1"]}, {"ids": ["u1"]}]


async def test_unknown_user_is_null(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(entities.GET_BY_IDS["User"], [])
    assert await gql.data(USER, {"id": "nobody"}) == {"user": None}


async def test_anonymous_callers_are_refused_before_any_read(gql: Gql, fake: FakeDatabase) -> None:
    code, message = await gql.error(USER, {"id": "u1"}, role=None)
    assert code == "UNAUTHENTICATED"
    assert message == "Send an API key (X-API-Key or Authorization: Bearer) to read this."
    assert fake.calls == []


async def test_users_pages_by_id_with_a_cursor_that_resumes_after_the_last_item(
    gql: Gql, fake: FakeDatabase
) -> None:
    def page(params: dict[str, Any]) -> list[dict[str, Any]]:
        ids = ["a", "b", "c", "d", "e"]
        after = [i for i in ids if i > params["after"]]
        return [{"n": user_props(i)} for i in after[: params["limit"]]]

    fake.answer(entities.LIST_PAGE["User"], page)

    first = (await gql.data(USERS, {"first": 2}))["users"]
    assert [e["node"]["id"] for e in first["edges"]] == ["a", "b"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["endCursor"] == first["edges"][1]["cursor"]

    rest = (await gql.data(USERS, {"first": 3, "after": first["pageInfo"]["endCursor"]}))["users"]
    assert [e["node"]["id"] for e in rest["edges"]] == ["c", "d", "e"]
    assert rest["pageInfo"]["hasNextPage"] is False

    # One extra row is asked for to learn whether a next page exists.
    assert fake.ran(entities.LIST_PAGE["User"]) == [
        {"after": "", "limit": 3},
        {"after": "b", "limit": 4},
    ]


async def test_an_empty_page_has_no_end_cursor_and_the_count_runs_only_when_asked(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(entities.LIST_PAGE["User"], [])
    fake.answer(entities.COUNT_ALL["User"], [{"n": 7}])

    empty = await gql.data(USERS, {})
    assert empty["users"] == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    assert fake.ran(entities.LIST_PAGE["User"]) == [{"after": "", "limit": 21}]  # page size 20
    assert fake.ran(entities.COUNT_ALL["User"]) == []

    counted = await gql.data(USERS_COUNTED)
    assert counted["users"]["totalCount"] == 7


async def test_users_page_size_bound(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(entities.LIST_PAGE["User"], [])
    await gql.data(USERS, {"first": 100})
    assert fake.ran(entities.LIST_PAGE["User"]) == [{"after": "", "limit": 101}]

    fake.calls.clear()
    assert await gql.error(USERS, {"first": 101}) == (
        "BAD_USER_INPUT",
        "`first` must be between 1 and 100",
    )
    assert await gql.error(USERS, {"first": 0}) == (
        "BAD_USER_INPUT",
        "`first` must be between 1 and 100",
    )
    assert await gql.error(USERS, {"after": "not-a-cursor"}) == (
        "BAD_USER_INPUT",
        "`after` is not a cursor returned by this API",
    )
    assert fake.calls == []


async def test_invalid_input_and_self_referral_are_refused_without_a_round_trip(
    gql: Gql, fake: FakeDatabase
) -> None:
    bad = await gql.data(SIGN_UP, sign_up("bad id", email="nope", country="de"))
    assert bad["recordSignUp"] == {
        "__typename": "InvalidInputError",
        "code": "INVALID_INPUT",
        "message": "id may contain only letters, digits and . _ : @ - (starting with a letter "
        "or digit); email is not a valid email address; country must be an ISO 3166-1 alpha-2 "
        "code in capitals, e.g. DE",
        "problems": [
            {
                "field": "id",
                "message": "may contain only letters, digits and . _ : @ - (starting with a "
                "letter or digit)",
            },
            {"field": "email", "message": "is not a valid email address"},
            {
                "field": "country",
                "message": "must be an ISO 3166-1 alpha-2 code in capitals, e.g. DE",
            },
        ],
    }
    itself = await gql.data(SIGN_UP, sign_up("u2", referrer={"kind": "USER", "id": "u2"}))
    assert itself["recordSignUp"] == {
        "__typename": "SelfReferralError",
        "code": "SELF_REFERRAL",
        "message": "a user cannot refer themselves",
        "id": "u2",
    }
    assert fake.calls == []


async def test_a_new_referred_sign_up_stores_counters_and_only_hashes(
    gql: Gql, fake: FakeDatabase
) -> None:
    ref = user_props("u1", signed_up="2024-05-01T00:00:00+00:00")
    fake.answer(users.SIGN_UP_STATE[Kind.USER], state(ref=ref, campaignExists=True))
    fake.answer(counters.ON_SIGN_UP["User"], [{"key": "u1 User"}, {"key": "i1 Influencer"}])
    fake.answer(users.CREATE_USER[Kind.USER], created_row)

    out = await gql.data(
        SIGN_UP,
        sign_up(
            referrer={"kind": "USER", "id": "u1"},
            campaignId="c1",
            channel="link",
            ip=" 10.0.0.1 ",
        ),
    )

    assert out["recordSignUp"] == {
        "__typename": "RecordSignUpSuccess",
        "created": True,
        "user": {
            "id": "u2",
            "name": "Ada",
            "signedUpAt": "2024-05-02T10:00:00+00:00",
            "channel": "link",
            "campaignId": "c1",
        },
    }
    assert fake.ran(counters.ON_SIGN_UP["User"]) == [{"referrerId": "u1"}]
    [create] = fake.ran(users.CREATE_USER[Kind.USER])
    assert create["referrerId"] == "u1"
    assert create["campaignId"] == "c1"
    assert create["channel"] == "link"
    expected_ip = hmac.new(b"unit-test-secret", b"ip:10.0.0.1", hashlib.sha256).hexdigest()
    assert create["props"] == {
        "id": "u2",
        "name": "Ada",
        "email": "ada@example.com",
        "signedUpAt": at("2024-05-02T10:00:00+00:00"),
        "channel": "link",
        "campaignId": "c1",
        "ipHash": expected_ip,
        "above1": "u1 User",
        "above2": "i1 Influencer",
    }
    # The change appended in the same transaction: ids only, never the name or e-mail.
    [append] = fake.ran(changes.APPEND)
    assert append["events"] == [
        {
            "kind": "SIGN_UP",
            "userId": "u2",
            "referrerKind": "User",
            "referrerId": "u1",
            "campaignId": "c1",
        }
    ]
    assert [c.how for c in fake.calls] == ["tx", "tx", "tx", "tx"]
    assert fake.round_trips == 1  # one managed transaction


async def test_an_identical_repeat_answers_the_stored_user(gql: Gql, fake: FakeDatabase) -> None:
    existing = {
        "id": "u2",
        "name": "Ada",
        "email": "ada@example.com",
        "signedUpAt": at("2024-05-02T10:00:00+00:00"),
        "below1": 3,  # derived counters are not compared
    }
    fake.answer(users.SIGN_UP_STATE[Kind.USER], state(existing=existing))

    out = await gql.data(SIGN_UP, sign_up())

    assert out["recordSignUp"]["__typename"] == "RecordSignUpSuccess"
    assert out["recordSignUp"]["created"] is False
    assert [c.first_line for c in fake.calls] == ["OPTIONAL MATCH (existing:User {id: $id})"]


REFUSALS: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    (
        {},
        {"existing": user_props("u2", name="Bob")},
        {
            "__typename": "IdConflictError",
            "code": "ID_CONFLICT",
            "message": "User 'u2' already exists with different values",
            "id": "u2",
        },
    ),
    (
        {"referrer": {"kind": "PARTNER", "id": "p9"}},
        {},
        {
            "__typename": "UnknownReferrerError",
            "code": "UNKNOWN_REFERRER",
            "message": "no partner with id 'p9'",
            "kind": "PARTNER",
            "id": "p9",
        },
    ),
    (
        {"campaignId": "c9"},
        {"campaignExists": False},
        {
            "__typename": "UnknownCampaignError",
            "code": "UNKNOWN_CAMPAIGN",
            "message": "no campaign with id 'c9'",
            "campaignId": "c9",
        },
    ),
    (
        {"referrer": {"kind": "USER", "id": "u1"}},
        {
            "existing": user_props("u2", signed_up="2024-05-02T10:00:00+00:00"),
            "src": {
                "id": "i7",
                "handle": "h",
                "platform": "tiktok",
                "followers": 5,
                "engagementRate": 0.5,
            },
            "srcLabel": "Influencer",
        },
        {
            "__typename": "AlreadyReferredError",
            "code": "ALREADY_REFERRED",
            "message": "user 'u2' was already referred by 'i7'",
            "referrer": {"__typename": "Influencer", "id": "i7", "kind": "INFLUENCER"},
        },
    ),
    (
        {"referrer": {"kind": "USER", "id": "u1"}},
        {"ref": user_props("u1", signed_up="2024-05-02T10:00:01+00:00")},
        {
            "__typename": "SignUpBeforeReferrerError",
            "code": "SIGN_UP_BEFORE_REFERRER",
            "message": "signedUpAt is before referrer 'u1' signed up (2024-05-02T10:00:01+00:00)",
            "referrerSignedUpAt": "2024-05-02T10:00:01+00:00",
        },
    ),
]


@pytest.mark.parametrize(("extra", "found", "expected"), REFUSALS)
async def test_sign_up_refusals_decided_from_the_state_row(
    gql: Gql,
    fake: FakeDatabase,
    extra: dict[str, Any],
    found: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    kind = Kind[extra["referrer"]["kind"]] if "referrer" in extra else Kind.USER
    fake.answer(users.SIGN_UP_STATE[kind], state(**found))

    out = await gql.data(SIGN_UP, sign_up(**extra))

    assert out["recordSignUp"] == expected
    # Nothing is written on a refusal: the state read is the only statement.
    assert [c.statement for c in fake.calls] == [users.SIGN_UP_STATE[kind]]


def invite_state(**more: Any) -> list[dict[str, Any]]:
    row: dict[str, Any] = {
        "invite": {"id": "inv1", "at": at("2024-05-01T09:00:00+00:00"), "channel": "sms"},
        "senderId": "u1",
        "senderLabel": "User",
        "acceptedBy": None,
    }
    return [row | more]


INVITE_REFUSALS: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = [
    (
        {},
        [],
        {
            "__typename": "UnknownInviteError",
            "code": "UNKNOWN_INVITE",
            "message": "no invite with id 'inv1'",
            "inviteId": "inv1",
        },
    ),
    (
        {"referrer": {"kind": "INFLUENCER", "id": "u1"}},
        invite_state(),
        {
            "__typename": "InviteReferrerMismatchError",
            "code": "INVITE_REFERRER_MISMATCH",
            "message": "invite 'inv1' was sent by user 'u1', not by the named referrer",
            "inviteId": "inv1",
            "senderKind": "USER",
            "senderId": "u1",
        },
    ),
    (
        {},
        invite_state(acceptedBy="u3"),
        {
            "__typename": "InviteAlreadyAcceptedError",
            "code": "INVITE_ALREADY_ACCEPTED",
            "message": "invite 'inv1' was already accepted by user 'u3'",
            "inviteId": "inv1",
            "acceptedBy": "u3",
        },
    ),
    (
        {},
        invite_state(invite={"id": "inv1", "at": "2024-05-02T11:00:00+00:00"}),
        {
            "__typename": "SignUpBeforeInviteError",
            "code": "SIGN_UP_BEFORE_INVITE",
            "message": "signedUpAt is before invite 'inv1' was sent (2024-05-02T11:00:00+00:00)",
            "inviteAt": "2024-05-02T11:00:00+00:00",
        },
    ),
]


@pytest.mark.parametrize(("extra", "found", "expected"), INVITE_REFUSALS)
async def test_sign_up_refusals_decided_from_the_invite(
    gql: Gql,
    fake: FakeDatabase,
    extra: dict[str, Any],
    found: list[dict[str, Any]],
    expected: dict[str, Any],
) -> None:
    fake.answer(users.INVITE_STATE, found)

    out = await gql.data(SIGN_UP, sign_up(inviteId="inv1", **extra))

    assert out["recordSignUp"] == expected
    assert fake.ran(users.INVITE_STATE) == [{"inviteId": "inv1"}]
    assert len(fake.calls) == 1


async def test_an_accepted_invite_implies_its_sender_and_channel(
    gql: Gql, fake: FakeDatabase
) -> None:
    fake.answer(users.INVITE_STATE, invite_state())
    ref = user_props("u1", signed_up="2024-04-01T00:00:00+00:00")
    fake.answer(users.SIGN_UP_STATE[Kind.USER], state(ref=ref))
    fake.answer(counters.ON_SIGN_UP["User"], [{"key": "u1 User"}])
    fake.answer(users.CREATE_USER[Kind.USER], created_row)
    fake.answer(users.ACCEPT_INVITE, [])

    out = await gql.data(SIGN_UP, sign_up(inviteId="inv1"))

    assert out["recordSignUp"]["user"]["channel"] == "sms"
    [looked_up] = fake.ran(users.SIGN_UP_STATE[Kind.USER])
    assert looked_up == {"id": "u2", "referrerId": "u1", "campaignId": None, "channel": "sms"}
    assert fake.ran(users.ACCEPT_INVITE) == [{"inviteId": "inv1", "id": "u2"}]


async def test_mutations_need_a_writer(gql: Gql, fake: FakeDatabase) -> None:
    assert await gql.error(SIGN_UP, sign_up(), role=None) == (
        "UNAUTHENTICATED",
        "Mutations need an API key with the writer role.",
    )
    assert await gql.error(SIGN_UP, sign_up(), role=Role.ANALYST) == (
        "FORBIDDEN",
        "The analyst role may only read.",
    )
    assert fake.calls == []
