"""Pure input checks and cursors: no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from growthgraph.api.pagination import decode_cursor, encode_cursor, page_size
from growthgraph.errors import BadUserInputError
from growthgraph.validation import check_id, check_influencer, check_kind, check_sign_up

AWARE = datetime(2024, 1, 1, tzinfo=UTC)


def _sign_up(**changes: object) -> list[str]:
    args: dict[str, object] = {
        "id": "u-1",
        "name": "Ana",
        "email": "ana@example.com",
        "signed_up_at": AWARE,
        "country": "DE",
        "plan": None,
        "referrer_id": None,
        "channel": None,
        "campaign_id": None,
    }
    args.update(changes)
    return [p.field for p in check_sign_up(**args)]  # type: ignore[arg-type]


def test_valid_sign_up_has_no_problems() -> None:
    assert _sign_up() == []


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"email": "not-an-email"}, ["email"]),
        ({"email": "a@b"}, ["email"]),
        ({"country": "de"}, ["country"]),
        ({"country": "DEU"}, ["country"]),
        ({"signed_up_at": datetime(2024, 1, 1)}, ["signedUpAt"]),  # naive on purpose
        ({"name": "  "}, ["name"]),
        ({"id": ""}, ["id"]),
        ({"id": "has space"}, ["id"]),
        ({"referrer_id": "x" * 129}, ["referrer.id"]),
        ({"email": "bad", "country": "x"}, ["email", "country"]),
    ],
)
def test_invalid_sign_up_names_every_bad_field(
    changes: dict[str, object], fields: list[str]
) -> None:
    assert _sign_up(**changes) == fields


@pytest.mark.parametrize(
    ("followers", "rate", "fields"),
    [
        (0, 0.0, []),
        (10, 1.0, []),
        (-1, 0.5, ["followers"]),
        (10, 1.01, ["engagementRate"]),
        (10, -0.1, ["engagementRate"]),
        (10, float("nan"), ["engagementRate"]),
    ],
)
def test_influencer_bounds(followers: int, rate: float, fields: list[str]) -> None:
    assert [p.field for p in check_influencer(followers, rate)] == fields


def test_ids() -> None:
    assert check_id("id", "inf-1") == []
    assert check_id("id", "a:b@c.d_e") == []
    assert check_id("id", "-leading") != []


def test_cursor_round_trip_and_rejection() -> None:
    for key in ["u-000001", "ünïcode"]:
        assert decode_cursor(encode_cursor(key, "users"), "users") == key
    assert decode_cursor(None, "users") is None
    # Cursors name their list and carry a non-empty key (tests/unit/test_cursors.py has more).
    foreign, empty = encode_cursor("u-000001", "campaigns"), encode_cursor("", "users")
    for bad in ["garbage!", "dTEyMw==", "", foreign, empty]:
        with pytest.raises(BadUserInputError):
            decode_cursor(bad, "users")


def test_page_size_bounds() -> None:
    assert page_size(None, default=20, maximum=100) == 20
    assert page_size(100, default=20, maximum=100) == 100
    for bad in [0, -1, 101]:
        with pytest.raises(BadUserInputError):
            page_size(bad, default=20, maximum=100)


@pytest.mark.parametrize("kind", ["login", "page_view", "order.placed", "app:open", "a", "x" * 64])
def test_activity_kinds_that_pass(kind: str) -> None:
    assert check_kind("kind", kind) == []


@pytest.mark.parametrize(
    "kind", ["", "Login", "1login", "log in", "login\n", "-x", "x" * 65, "caf\u00e9", "a/b"]
)
def test_activity_kinds_that_fail(kind: str) -> None:
    assert [p.field for p in check_kind("kind", kind)] == ["kind"]
