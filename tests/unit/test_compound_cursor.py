"""Cursor keys of several values (a sort value, then the id): only the exact text this API
writes is accepted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from growthgraph.api.pagination import compound_key, instant_key, split_key
from growthgraph.errors import BadUserInputError


def test_a_compound_key_reads_back() -> None:
    at = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    key = compound_key(at.isoformat(), "cv-1")
    text, cid = split_key(key, 2)
    assert (instant_key(text), cid) == (at, "cv-1")


@pytest.mark.parametrize(
    "key",
    [
        "cv-1",  # a plain id key: a cursor of a list ordered by id only
        '["2024-05-01T10:00:00+00:00"]',  # too few parts
        '["2024-05-01T10:00:00+00:00","a","b"]',  # too many
        '["2024-05-01T10:00:00+00:00", "a"]',  # not canonical JSON
        '["2024-05-01T10:00:00+00:00",1]',  # not text
        '{"at":"x","id":"y"}',
    ],
)
def test_other_keys_are_refused(key: str) -> None:
    with pytest.raises(BadUserInputError):
        split_key(key, 2)


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T10:00:00",  # no offset
        "2024-05-01T12:00:00+02:00",  # not UTC
        "2024-05-01T10:00:00Z",  # not as isoformat writes it
        "2024-05-01 10:00:00+00:00",
        "yesterday",
    ],
)
def test_instants_not_written_by_the_api_are_refused(text: str) -> None:
    with pytest.raises(BadUserInputError):
        instant_key(text)
