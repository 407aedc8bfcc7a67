"""Privacy: consent flags and erasure, against scripted graph answers."""

from __future__ import annotations

from typing import Any

import pytest

from growthgraph.config import Role
from growthgraph.graph import privacy
from tests.support.fake_graph import FakeDatabase
from tests.unit.api.support import Gql, at

CONSENT = "query($id: ID!) { userConsent(userId: $id) { userId marketing analytics updatedAt } }"
SET_CONSENT = """
mutation($id: ID!, $marketing: Boolean, $analytics: Boolean) {
  setConsent(userId: $id, marketing: $marketing, analytics: $analytics) {
    __typename
    ... on SetConsentSuccess { changed consent { userId marketing analytics updatedAt } }
    ... on Error { code message }
    ... on UnknownUserError { ids }
    ... on UserErasedError { userId erasedAt }
  }
}
"""
ERASE = """
mutation($id: ID!) {
  eraseUser(id: $id) {
    __typename
    ... on EraseUserSuccess { userId erasedAt alreadyErased }
    ... on Error { code message }
    ... on UnknownUserError { ids }
  }
}
"""
UNKNOWN = {
    "__typename": "UnknownUserError",
    "code": "UNKNOWN_USER",
    "message": "no user has this id",
    "ids": ["u9"],
}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], None),
        (
            [{"id": "u1", "marketing": False, "analytics": False, "updatedAt": None}],
            {"userId": "u1", "marketing": False, "analytics": False, "updatedAt": None},
        ),
    ],
)
async def test_user_consent(
    gql: Gql, fake: FakeDatabase, rows: list[dict[str, Any]], expected: dict[str, Any] | None
) -> None:
    fake.answer(privacy.GET_CONSENT, rows)
    assert await gql.data(CONSENT, {"id": "u1"}, role=Role.ANALYST) == {"userConsent": expected}
    assert fake.ran(privacy.GET_CONSENT) == [{"id": "u1"}]
    assert fake.calls[0].how == "read"


@pytest.mark.parametrize("changed", [True, False])
async def test_set_consent_passes_omitted_flags_as_null(
    gql: Gql, fake: FakeDatabase, changed: bool
) -> None:
    fake.answer(
        privacy.SET_CONSENT,
        [
            {
                "id": "u1",
                "marketing": True,
                "analytics": False,
                "updatedAt": at("2024-05-01T10:00:00+00:00"),
                "changed": changed,
                "erasedAt": None,
            }
        ],
    )

    out = await gql.data(SET_CONSENT, {"id": "u1", "marketing": True}, role=Role.WRITER)

    assert out["setConsent"] == {
        "__typename": "SetConsentSuccess",
        "changed": changed,
        "consent": {
            "userId": "u1",
            "marketing": True,
            "analytics": False,
            "updatedAt": "2024-05-01T10:00:00+00:00",
        },
    }
    assert fake.ran(privacy.SET_CONSENT) == [{"id": "u1", "marketing": True, "analytics": None}]
    assert fake.calls[0].how == "write"


async def test_consent_of_an_unknown_user(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(privacy.SET_CONSENT, [])
    out = await gql.data(SET_CONSENT, {"id": "u9", "analytics": True})
    assert out["setConsent"] == UNKNOWN


async def test_consent_of_an_erased_user_is_refused(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(
        privacy.SET_CONSENT,
        [
            {
                "id": "u1",
                "marketing": False,
                "analytics": False,
                "updatedAt": at("2024-05-01T10:00:00+00:00"),
                "changed": False,
                "erasedAt": at("2024-05-01T10:00:00+00:00"),
            }
        ],
    )
    out = await gql.data(SET_CONSENT, {"id": "u1", "analytics": True})
    assert out["setConsent"] == {
        "__typename": "UserErasedError",
        "code": "USER_ERASED",
        "message": "user 'u1' was erased; their consent stays cleared",
        "userId": "u1",
        "erasedAt": "2024-05-01T10:00:00+00:00",
    }


@pytest.mark.parametrize("already", [False, True])
async def test_erase_user(gql: Gql, fake: FakeDatabase, already: bool) -> None:
    fake.answer(
        privacy.ERASE,
        [{"id": "u1", "erasedAt": at("2024-05-01T10:00:00+00:00"), "already": already}],
    )

    out = await gql.data(ERASE, {"id": "u1"})

    assert out["eraseUser"] == {
        "__typename": "EraseUserSuccess",
        "userId": "u1",
        "erasedAt": "2024-05-01T10:00:00+00:00",
        "alreadyErased": already,
    }
    assert fake.ran(privacy.ERASE) == [{"id": "u1", "erased": "[erased]"}]


async def test_erasing_an_unknown_user(gql: Gql, fake: FakeDatabase) -> None:
    fake.answer(privacy.ERASE, [])
    assert (await gql.data(ERASE, {"id": "u9"}))["eraseUser"] == UNKNOWN
    assert [c.statement for c in fake.calls] == [privacy.ERASE]


@pytest.mark.parametrize(
    ("role", "code", "message"),
    [
        (Role.WRITER, "FORBIDDEN", "Only the admin role may run eraseUser."),
        (Role.ANALYST, "FORBIDDEN", "The analyst role may only read."),
        (None, "UNAUTHENTICATED", "Mutations need an API key with the writer role."),
    ],
)
async def test_only_an_admin_may_erase(
    gql: Gql, fake: FakeDatabase, role: Role | None, code: str, message: str
) -> None:
    assert await gql.error(ERASE, {"id": "u1"}, role=role) == (code, message)
    assert fake.calls == []
