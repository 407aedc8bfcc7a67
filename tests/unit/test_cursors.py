"""Cursors are bound to their list and decoded strictly (issue 15.12): another list's cursor,
bad padding, two cursors glued together, an empty key, non-canonical text are all refused."""

from __future__ import annotations

import base64
import json

import pytest

from growthgraph.api.pagination import decode_cursor, encode_cursor
from growthgraph.errors import BadUserInputError


def raw(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode()


def test_a_cursor_round_trips_in_its_own_list_only() -> None:
    for key in ["u-000001", "ünïcode", "a:b|c", "x" * 200]:
        for name in ["users", "campaigns", "referrals", "rewardLedger"]:
            assert decode_cursor(encode_cursor(key, name), name) == key
    with pytest.raises(BadUserInputError, match="another list, not of `users`"):
        decode_cursor(encode_cursor("c-1", "campaigns"), "users")
    with pytest.raises(BadUserInputError, match="another list, not of `referrals`"):
        decode_cursor(encode_cursor("u-1", "users"), "referrals")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        encode_cursor("u-123", "users").rstrip("="),  # padding dropped
        encode_cursor("u-12", "users")[:-1],  # padding cut short
        encode_cursor("u-1", "users") + "==",  # padding added
        encode_cursor("u-12", "users") + encode_cursor("u-13", "users"),  # glued, padded
        encode_cursor("u-1", "users") + encode_cursor("u-2", "users"),  # glued, unpadded
        encode_cursor("", "users"),  # empty key
        raw(b'["users", "u-1"]'),  # JSON that is not the canonical encoding
        raw(b'["users","u-1","extra"]'),
        raw(b'["users",1]'),
        raw(b'{"users":"u-1"}'),
        raw(b"k1:u-1"),  # the previous format
        encode_cursor("u-123", "users").replace("=", "%3D"),
        "+" + encode_cursor("u-1", "users")[1:],  # standard alphabet, not URL-safe
        "A" * 2000,
    ],
)
def test_malformed_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(BadUserInputError):
        decode_cursor(cursor, "users")


def test_non_canonical_trailing_bits_are_refused() -> None:
    good = encode_cursor("u-123", "users")  # one '=': the last symbol carries 2 spare bits
    assert good.endswith("=")
    assert not good.endswith("==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = good[-2]
    tweaked = good[:-2] + alphabet[alphabet.index(last) | 1] + "="
    assert tweaked != good
    assert base64.urlsafe_b64decode(tweaked) == base64.urlsafe_b64decode(good)
    with pytest.raises(BadUserInputError):
        decode_cursor(tweaked, "users")
    assert json.loads(base64.urlsafe_b64decode(good)) == ["users", "u-123"]
