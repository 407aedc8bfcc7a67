"""A repeated ``recordSignUp`` is compared only on what the caller may read, so a writer (who
reads name and email masked) cannot confirm a guess of them, nor anyone a guess of the IP or
device behind the stored keyed hashes. An admin still gets ``ID_CONFLICT`` for other values."""

from __future__ import annotations

from typing import Any

from growthgraph.graph.database import Database
from tests.api.conftest import ADMIN_KEY, ANALYST_KEY, WRITER_KEY, Api
from tests.support.snapshot import snapshot

SIGN_UP = """
mutation($input: RecordSignUpInput!) {
  recordSignUp(input: $input) {
    __typename
    ... on RecordSignUpSuccess { created user { id name email country signedUpAt } }
    ... on Error { code }
  }
}
"""
READ = 'query { user(id: "u-m") { name email country } }'


def sign_up(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "u-m",
        "name": "Mia Secret",
        "email": "mia.secret@example.com",
        "country": "PT",
        "signedUpAt": "2024-06-01T00:00:00Z",
        "ip": "198.51.100.7",
        "device": "device-mia",
    }
    return {"input": values | changes}


def answer(api: Api, key: str, **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = api.data(SIGN_UP, sign_up(**changes), key=key)["recordSignUp"]
    return out


async def test_a_writer_learns_nothing_from_guessing_masked_values(
    api: Api, clean_db: Database
) -> None:
    assert answer(api, ADMIN_KEY)["created"] is True
    before = await snapshot(clean_db)
    right = answer(api, WRITER_KEY)
    assert right["__typename"] == "RecordSignUpSuccess"
    assert right["created"] is False
    assert right["user"]["name"] == right["user"]["email"] == "[masked]"
    guesses: list[dict[str, Any]] = [
        {"name": "Wrong Guess"},
        {"email": "wrong@example.com"},
        {"name": "Wrong Guess", "email": "wrong@example.com"},
        {"ip": "203.0.113.1"},
        {"device": "another-device"},
        {"ip": None, "device": None},
    ]
    for guess in guesses:
        assert answer(api, WRITER_KEY, **guess) == right, guess
    # Nothing changed: a repeat never writes, whatever it was compared on.
    assert await snapshot(clean_db) == before
    assert api.data(READ)["user"] == {
        "name": "Mia Secret",
        "email": "mia.secret@example.com",
        "country": "PT",
    }
    # What the writer may read is still compared.
    assert answer(api, WRITER_KEY, country="ES")["code"] == "ID_CONFLICT"
    assert answer(api, WRITER_KEY, signedUpAt="2024-06-02T00:00:00Z")["code"] == "ID_CONFLICT"


async def test_an_admin_who_reads_them_still_gets_conflicts(api: Api, clean_db: Database) -> None:
    assert answer(api, WRITER_KEY)["created"] is True
    assert answer(api, ADMIN_KEY)["created"] is False
    assert answer(api, ADMIN_KEY, name="Other Name")["code"] == "ID_CONFLICT"
    assert answer(api, ADMIN_KEY, email="other@example.com")["code"] == "ID_CONFLICT"
    # The IP and device are read by no one, the admin included: never compared.
    assert answer(api, ADMIN_KEY, ip="203.0.113.1")["created"] is False
    # The analyst may not write at all.
    refused = api.gql(SIGN_UP, sign_up(), key=ANALYST_KEY)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
