"""Ids, emails and countries are checked against the whole value: a trailing newline (which `$`
would let through) is refused, by the mutations' checks and by the importer alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from growthgraph.loading.fast import fast_parser
from growthgraph.loading.parse import parse
from growthgraph.validation import check_id, check_sign_up

AT = datetime(2024, 1, 1, tzinfo=UTC)
ENDINGS = ["\n", "\r\n", " ", "\t"]


def sign_up_problems(**changes: str) -> list[str]:
    values = {"id": "u1", "name": "Ann", "email": "ann@example.com", "country": "DE"} | changes
    problems = check_sign_up(
        id=values["id"],
        name=values["name"],
        email=values["email"],
        signed_up_at=AT,
        country=values["country"],
        plan=None,
        referrer_id=None,
        channel=None,
        campaign_id=None,
    )
    return [p.field for p in problems]


def test_clean_values_pass() -> None:
    assert sign_up_problems() == []
    assert check_id("id", "a.b:c@d-1_2") == []


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_trailing_character_is_refused(ending: str) -> None:
    assert [p.field for p in check_id("id", "a" + ending)] == ["id"]
    assert sign_up_problems(id="u1" + ending) == ["id"]
    assert sign_up_problems(email="ann@example.com" + ending) == ["email"]
    assert sign_up_problems(country="DE" + ending) == ["country"]


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize("field", ["id", "email", "country"])
def test_the_importer_refuses_it_too(field: str, ending: str) -> None:
    row = {
        "id": "u1",
        "name": "Ann",
        "email": "ann@example.com",
        "signedUpAt": "2024-01-01T00:00:00Z",
        "country": "DE",
    }
    assert not isinstance(parse("users", row), str)
    row[field] += ending
    reason = parse("users", row)
    assert isinstance(reason, str)
    assert field in reason
    names = list(row)
    fast = fast_parser("users", names)
    assert fast is not None
    cells = [str(row[n]) for n in names] + [""]
    assert fast(cells) is None  # declined: the full rules decide, as above
