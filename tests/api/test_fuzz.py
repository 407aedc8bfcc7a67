"""Schema fuzzing with hypothesis-graphql: valid operations and operations with one violation,
generated from the published schema.graphql, sent to the live service. Whatever comes in, the
answer is never a 5xx, every error carries a code, and none is an unexpected (masked) error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphql
import hypothesis_graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode

from tests.api.conftest import Api

SDL = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text()
DATETIMES = st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
    lambda d: graphql.StringValueNode(value=d.isoformat())
)
SCALARS = {"DateTime": DATETIMES}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check(api: Api, document: str) -> None:
    response = api.client.post("/graphql", json={"query": document})
    assert response.status_code < 500, (document, response.text)
    if response.status_code != 200:
        return
    body: dict[str, Any] = response.json()
    for error in body.get("errors", []):
        code = error.get("extensions", {}).get("code")
        assert code is not None, (document, error)
        assert code != "INTERNAL_SERVER_ERROR", (document, error)
        assert "Traceback" not in error["message"]


@FUZZ
@given(document=hypothesis_graphql.from_schema(SDL, custom_scalars=SCALARS, mode=Mode.POSITIVE))
def test_valid_operations(api: Api, document: str) -> None:
    check(api, document)


@FUZZ
@given(document=hypothesis_graphql.from_schema(SDL, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
def test_invalid_operations(api: Api, document: str) -> None:
    check(api, document)
